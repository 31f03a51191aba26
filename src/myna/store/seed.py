"""Bulk SQL for `myna seed`: many rows at once (COPY on PostgreSQL, executemany on SQLite),
feeds filled with INSERT ... SELECT, counters recounted from the rows themselves."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Table,
    bindparam,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from myna.models import Account, Follow, HomeTimelineEntry, Status

Row = tuple[Any, ...]


async def insert_rows(
    session: AsyncSession, table: Table, columns: Sequence[str], rows: Sequence[Row]
) -> None:
    """Insert `rows` (tuples in `columns` order) inside the session's transaction."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection  # asyncpg's: COPY is several times faster
        await driver.copy_records_to_table(table.name, records=rows, columns=list(columns))
        return
    # SQLite: the driver's executemany, values converted by the columns' own types (a datetime
    # to SQLAlchemy's text form, a bool to 0/1), each distinct value once: bulk rows repeat them.
    connection = await session.connection()
    dialect = connection.dialect
    by_column: list[Sequence[Any]] = list(zip(*rows, strict=True))
    for index, name in enumerate(columns):
        convert = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if convert is not None:
            done: dict[Any, Any] = {}
            by_column[index] = [
                done[v] if v in done else done.setdefault(v, convert(v)) for v in by_column[index]
            ]
    rows = list(zip(*by_column, strict=True))
    names = ", ".join(f'"{name}"' for name in columns)
    marks = ", ".join("?" * len(columns))
    await connection.exec_driver_sql(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', rows)


@asynccontextmanager
async def indexes_deferred(engine: AsyncEngine, tables: Sequence[str]) -> AsyncIterator[None]:
    """Drop the plain secondary indexes of `tables` (not those behind primary keys and unique
    constraints) and create them again afterwards, from their own definitions: one sort per
    index after a bulk load instead of a random B-tree insert per row, two to three times
    faster. The block must not need those indexes; only for a database nobody else uses."""
    if not tables:
        yield
        return
    async with engine.begin() as connection:
        kept = await connection.run_sync(_plain_indexes, list(tables))
        for name, _definition in kept:
            await connection.execute(text(f'DROP INDEX "{name}"'))
    try:
        yield
    finally:
        async with engine.begin() as connection:
            for _name, definition in kept:
                await connection.execute(text(definition))


@asynccontextmanager
async def temporary_index(
    engine: AsyncEngine, name: str, columns: Sequence[InstrumentedAttribute[Any]]
) -> AsyncIterator[None]:
    """An index for the length of the block (a covering one for a bulk statement)."""
    table = columns[0].class_.__tablename__
    names = ", ".join(f'"{column.key}"' for column in columns)
    async with engine.begin() as connection:
        await connection.execute(text(f'CREATE INDEX "{name}" ON "{table}" ({names})'))
    try:
        yield
    finally:
        async with engine.begin() as connection:
            await connection.execute(text(f'DROP INDEX "{name}"'))


def _plain_indexes(connection: Connection, tables: list[str]) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the tables' indexes that no constraint owns."""
    if connection.dialect.name == "sqlite":
        query = text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN :tables"
        ).bindparams(bindparam("tables", expanding=True))
    else:
        query = text(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.relname IN :tables AND t.relnamespace = to_regnamespace(current_schema()) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)"
        ).bindparams(bindparam("tables", expanding=True))
    return [(row[0], row[1]) for row in connection.execute(query, {"tables": tables})]


async def account_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Account)) or 0)


async def fill_home(session: AsyncSession, rows: Select[tuple[int, int, int | None]]) -> int:
    """INSERT the (account_id, status_id, ...) rows of `rows` into the home_timeline table."""
    feed = rows.subquery()
    result = await session.execute(
        insert(HomeTimelineEntry).from_select(
            ["account_id", "status_id"], select(feed.c.account_id, feed.c.status_id)
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def feeds(
    session: AsyncSession, rows: Select[tuple[int, int, int | None]]
) -> dict[int, list[tuple[int, int | None]]]:
    """The rows as feeds: account -> (status_id, reblog_of_id), oldest first."""
    out: dict[int, list[tuple[int, int | None]]] = {}
    feed = rows.subquery()
    ordered = select(feed).order_by(feed.c.account_id, feed.c.status_id)
    for account_id, status_id, reblog_of_id in await session.execute(ordered):
        out.setdefault(account_id, []).append((status_id, reblog_of_id))
    return out


async def recount(
    session: AsyncSession, first_id: int, last_id: int, counted: ColumnElement[bool]
) -> None:
    """Set the counters of the accounts in [first_id, last_id] from the rows: followers,
    followings, and the `counted` statuses with the newest one's date."""
    followers = select(func.count()).where(Follow.target_account_id == Account.id).scalar_subquery()
    following = select(func.count()).where(Follow.account_id == Account.id).scalar_subquery()
    statuses = select(func.count()).where(Status.account_id == Account.id, counted)
    newest = select(func.max(Status.created_at)).where(Status.account_id == Account.id, counted)
    await session.execute(
        update(Account)
        .where(Account.id.between(first_id, last_id))
        .values(
            followers_count=followers,
            following_count=following,
            statuses_count=statuses.scalar_subquery(),
            last_status_at=newest.scalar_subquery(),
        )
    )


async def top_followed(session: AsyncSession, limit: int) -> list[tuple[int, str, int]]:
    """(id, username, followers_count) of the most followed accounts."""
    rows = await session.execute(
        select(Account.id, Account.username, Account.followers_count)
        .order_by(Account.followers_count.desc())
        .limit(limit)
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def sample_accounts(session: AsyncSession, count: int) -> list[tuple[int, str]]:
    """(id, username) of `count` accounts picked at random."""
    rows = await session.execute(
        select(Account.id, Account.username).order_by(func.random()).limit(count)
    )
    return [(r[0], r[1]) for r in rows]


async def usernames(session: AsyncSession, account_ids: Sequence[int]) -> list[tuple[int, str]]:
    """(id, username) of these accounts, in the order asked."""
    found: dict[int, str] = {}
    for start in range(0, len(account_ids), 1000):
        chunk = account_ids[start : start + 1000]
        rows = await session.execute(
            select(Account.id, Account.username).where(Account.id.in_(chunk))
        )
        found.update((r[0], r[1]) for r in rows)
    return [(i, found[i]) for i in account_ids if i in found]


async def count_rows(session: AsyncSession, table: Table) -> int:
    return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def prepare_bulk(session: AsyncSession) -> None:
    """Room for the bulk statements: SQLite, a page cache large enough for the indexes being
    filled and sorts (the feed statement's windows) in memory, per connection; PostgreSQL,
    sorts in memory and no JIT compilation (a third of a second per statement), for this
    transaction only."""
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(text("PRAGMA cache_size = -262144"))  # KiB: 256 MiB
        await session.execute(text("PRAGMA temp_store = MEMORY"))
    else:
        await session.execute(text("SET LOCAL work_mem = '256MB'"))
        await session.execute(text("SET LOCAL jit = off"))


async def analyze(engine: AsyncEngine) -> None:
    """PostgreSQL after a bulk load: planner statistics, and the visibility map index-only
    scans need (what autovacuum would do in a while). SQLite is left as a running server
    finds it, without statistics."""
    if engine.dialect.name != "postgresql":
        return
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("VACUUM ANALYZE"))
