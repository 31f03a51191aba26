"""The `myna` command, run as a real process."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from myna.config import Settings
from myna.container import build
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
        assert account.verified and account.is_admin
        assert await container.account_reads.authenticate("boss@example.test", "long enough")
        assert await container.account_reads.authenticate("boss", "wrong password") is None
    finally:
        await container.close()
