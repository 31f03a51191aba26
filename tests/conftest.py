"""Shared fixtures. Tests run against a real database: a migrated SQLite file per test by
default, or the PostgreSQL database named by MYNA_TEST_DATABASE_URL (truncated before each
test). Data is made with the real actions, never with hand-written rows.

Scale mode: when MYNA_TEST_REDIS_URL is set as well, every test's settings name that Redis, so
the whole suite runs on the scale-out backends (Redis timelines, broker and presence), each
test under a key prefix of its own whose keys are deleted afterwards. The SQLite pass stays
embedded."""

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text

from myna.app import create_app
from myna.config import Settings
from myna.container import Container, build
from myna.db.base import Base
from myna.db.database import Database
from myna.migrations import run_migrations

POSTGRES_URL = os.environ.get("MYNA_TEST_DATABASE_URL")
# Redis for the scale-out backends (CI: redis://127.0.0.1:6379/15); their tests skip without it.
REDIS_URL = os.environ.get("MYNA_TEST_REDIS_URL")
BASE_URL = "http://testserver"
SCALE_MODE = bool(POSTGRES_URL and REDIS_URL)

# Rate limits are on by default, and the suite makes far more calls per token and address than
# they allow: every Settings a test builds reads this from the environment and leaves them off;
# the tests of rate limiting turn them on explicitly (tests/api/test_rate_limits.py).
os.environ.setdefault("MYNA_RATE_LIMITS_ENABLED", "false")


def scale_settings() -> dict[str, str]:
    """Settings that put a test on Redis in scale mode: the URL and a fresh key prefix."""
    if not SCALE_MODE or not REDIS_URL:
        return {}
    return {"redis_url": REDIS_URL, "redis_prefix": f"myna-test-{uuid.uuid4().hex[:12]}:"}


def drop_redis_keys(prefix: str) -> None:
    """Delete every key under `prefix` (a test's feeds, presence sets, ...)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL or "")
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        # arq's own keys for jobs whose ids carry the prefix (backends/jobs.py).
        keys += list(client.scan_iter(match=f"arq:*{prefix}*", count=1000))
        for start in range(0, len(keys), 1000):
            client.unlink(*keys[start : start + 1000])
    finally:
        client.close()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Run the real migrations once: on PostgreSQL in place, on SQLite into a template file."""
    if POSTGRES_URL:
        run_migrations(POSTGRES_URL)
        return POSTGRES_URL
    template = tmp_path_factory.mktemp("template") / "myna.db"
    run_migrations(f"sqlite+aiosqlite:///{template}")
    return str(template)


@pytest.fixture
def database_url(migrated_database: str, tmp_path: Path) -> str:
    if POSTGRES_URL:
        return POSTGRES_URL
    target = tmp_path / "myna.db"
    shutil.copyfile(migrated_database, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Iterator[Settings]:
    """Tests that need other settings derive them from these (`model_copy`), which keeps
    scale mode's Redis and key prefix."""
    configured = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        base_url=BASE_URL,
        media_dir=str(tmp_path / "media"),  # uploads stay inside the test's own directory
        **scale_settings(),
    )
    yield configured
    if configured.redis_url:
        drop_redis_keys(configured.redis_prefix)


async def truncate_all(db: Database) -> None:
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    async with db.transaction() as session:
        await session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[Container]:
    services = build(settings)
    if POSTGRES_URL:
        await truncate_all(services.db)
    yield services
    await services.close()


@pytest.fixture
def app(settings: Settings, container: Container) -> FastAPI:
    return create_app(settings, container)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        yield http


@dataclass
class User:
    id: int
    username: str
    token: str
    password: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


MakeUser = Callable[..., Awaitable[User]]


@pytest.fixture
def make_user(container: Container) -> MakeUser:
    """`await make_user("alice", locked=True, scopes="read")`: a real account and token."""
    state: dict[str, int] = {}

    async def make(
        username: str,
        *,
        locked: bool = False,
        scopes: str = "read write follow push",
        password: str = "correct horse battery",
        role: str = "",
    ) -> User:
        """`role` "moderator" or "admin" makes staff, whose token also carries the admin
        scopes (unless `scopes` names its own)."""
        from myna.actions.accounts import Registration

        if "app" not in state:
            new = await container.app_actions.do_create_app(
                name="tests",
                redirect_uris="urn:ietf:wg:oauth:2.0:oob",
                scopes="read write follow push admin:read admin:write",
                website=None,
            )
            state["app"] = new.app.id
        account = await container.account_actions.do_register(
            Registration(
                username=username,
                email=f"{username}@example.test",
                password=password,
                role=role,
            )
        )
        if role and scopes == "read write follow push":
            scopes += " admin:read admin:write"
        if locked:
            await container.account_actions.do_update_credentials(account.id, locked=True)
        _token, raw = await container.app_actions.do_issue_token(state["app"], account.id, scopes)
        return User(id=account.id, username=username, token=raw, password=password)

    return make


async def row_counts(db: Database) -> dict[str, int]:
    """Rows per table: compare before and after a rejected request to prove nothing was written."""
    counts = {}
    async with db.session() as session:
        for table in Base.metadata.sorted_tables:
            counts[table.name] = await session.scalar(select(func.count()).select_from(table)) or 0
    return counts
