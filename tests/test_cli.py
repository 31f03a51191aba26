"""The `myna` command, run as a real process."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from myna.config import Settings
from myna.container import Container, build
from tests.conftest import POSTGRES_URL


def myna(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MYNA_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "myna.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.skipif(POSTGRES_URL is not None, reason="migrates a fresh SQLite file")
async def test_migrate_create_user_and_verify(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'sub' / 'myna.db'}"
    assert myna("migrate", url=url).returncode == 0
    assert (tmp_path / "sub" / "myna.db").exists()
    done = myna(
        "admin",
        "create-user",
        "boss",
        "--email",
        "boss@example.test",
        "--password",
        "long enough",
        "--admin",
        url=url,
    )
    assert done.returncode == 0, done.stderr
    assert "created @boss" in done.stdout
    again = myna(
        "admin",
        "create-user",
        "BOSS",
        "--email",
        "x@example.test",
        "--password",
        "long enough",
        url=url,
    )
    assert again.returncode == 1 and "ERR_TAKEN" in again.stderr
    done = myna("admin", "verify", "boss", url=url)
    assert done.returncode == 0 and "now verified" in done.stdout
    missing = myna("admin", "verify", "ghost", url=url)
    assert missing.returncode == 1

    container = build(Settings(_env_file=None, database_url=url))  # type: ignore[call-arg]
    try:
        account = await container.account_reads.lookup("boss")
        assert account.verified and account.role == "admin"
        assert await container.account_reads.authenticate("boss@example.test", "long enough")
        assert await container.account_reads.authenticate("boss", "wrong password") is None
    finally:
        await container.close()


async def test_search_reindex(container: Container, settings: Settings) -> None:
    """`myna search reindex` rebuilds the index from the statuses: what it lacked is found
    again, what it held of statuses long gone is pruned, and running it twice changes nothing."""
    from sqlalchemy import text

    from myna.actions.accounts import Registration
    from myna.actions.statuses import NewStatus
    from myna.reads.search import SearchQuery

    account = await container.account_actions.do_register(
        Registration(username="indexer", email="indexer@example.test", password="long enough")
    )
    kept = await container.status_actions.do_post(account.id, NewStatus(text="重建索引 first"))
    await container.status_actions.do_post(account.id, NewStatus(text="重建索引 second"))
    await container.status_actions.do_reblog(account.id, kept.id, None)  # not indexed
    async with container.db.transaction() as session:  # an index that lost its rows...
        await session.execute(text("DELETE FROM status_search"))
        await session.execute(text("DELETE FROM account_search"))
    if container.db.is_sqlite:
        # ... and holds a row of a status that is not there (PostgreSQL's foreign key forbids
        # it; on SQLite a trigger prevents it, and reindexing prunes it all the same).
        async with container.db.transaction() as session:
            await container.search_index.put(session, kept.id + 10**6, ["重建"])

    async def found() -> int:
        result = await container.search_reads.search(None, SearchQuery(q="重建索引"))
        return len(result.statuses.statuses)

    assert await found() == 0
    for _ in range(2):
        done = myna("search", "reindex", "--batch", "1", url=settings.database_url)
        assert done.returncode == 0, done.stderr
        assert "reindexed 2 statuses in 3 batches: 2 with text" in done.stdout
        assert "the index holds 2" in done.stdout
        assert "reindexed 1 account; the account index holds 1" in done.stdout
        assert await found() == 2
    async with container.db.session() as session:
        assert await container.search_index.count(session) == 2


def test_a_separate_gateway_needs_a_secret_and_redis(tmp_path: Path) -> None:
    """`myna gateway` refuses to start where it could not work: without the component secret,
    or without Redis (events would never reach it from the servers' processes)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'myna.db'}"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MYNA_")}

    def gateway(**settings: str) -> subprocess.CompletedProcess[str]:
        env = {**clean, "MYNA_DATABASE_URL": url, **settings}
        command = [sys.executable, "-m", "myna.cli", "gateway"]
        return subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path
        )

    no_secret = gateway()
    assert no_secret.returncode == 1 and "MYNA_XMPP_SECRET" in no_secret.stderr
    no_redis = gateway(MYNA_XMPP_SECRET="s3cret")
    assert no_redis.returncode == 1 and "MYNA_REDIS_URL" in no_redis.stderr
