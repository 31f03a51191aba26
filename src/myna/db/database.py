"""One Database per process: the engine, a session factory and `transaction()`.

`transaction()` yields a session inside BEGIN ... COMMIT and runs the callbacks registered
with `on_commit` only after the commit succeeded, so nothing is announced that did not happen.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

AfterCommit = Callable[[], Awaitable[None]]
_HOOKS_KEY = "myna_on_commit"


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event, not the driver, decide how transactions start.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # Writers take the lock up front (BEGIN IMMEDIATE) and wait for it under busy_timeout;
    # a deferred transaction that later writes can fail with SQLITE_BUSY at once instead.
    immediate = conn.get_execution_options().get("myna_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        memory = ":memory:" in url
        engine = create_async_engine(
            url, connect_args={"timeout": 30}, poolclass=StaticPool if memory else None
        )
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._reads = async_sessionmaker(self.engine, expire_on_commit=False)
        self._writes = async_sessionmaker(
            self.engine.execution_options(myna_write=True), expire_on_commit=False
        )

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A read session; nothing it does is committed."""
        async with self._reads() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A write session: committed when the block ends, rolled back if it raises."""
        async with self._writes() as session:
            async with session.begin():
                yield session
            hooks: list[AfterCommit] = session.info.pop(_HOOKS_KEY, [])
        for hook in hooks:
            await hook()

    async def refresh_statistics(self) -> None:
        """Fresh statistics for the query planner, after a bulk load. SQLite keeps none until
        ANALYZE runs, and without them (or with sampled ones) it may read every public status
        to count a handful of replies; PostgreSQL's autovacuum keeps its own, but lags a bulk
        load. A full ANALYZE reads each index once: about 3 s at a million statuses."""
        async with self.engine.begin() as conn:
            await conn.exec_driver_sql("ANALYZE")

    async def keep_statistics(self) -> None:
        """For housekeeping on SQLite: statistics once if there are none yet, then
        `PRAGMA optimize`, which analyses again only the tables that changed a lot since."""
        async with self.engine.begin() as conn:
            found = await conn.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
            )
            if found.first() is None:
                await conn.exec_driver_sql("ANALYZE")
            else:
                await conn.exec_driver_sql("PRAGMA optimize")

    async def dispose(self) -> None:
        await self.engine.dispose()


def on_commit(session: AsyncSession | Session, hook: AfterCommit) -> None:
    """Run `hook` after the session's transaction commits; dropped if it rolls back. A plain
    Session is the one `AsyncSession.run_sync` hands out: it shares the async session's info."""
    session.info.setdefault(_HOOKS_KEY, []).append(hook)
