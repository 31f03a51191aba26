import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from myna.db.base import Base
from myna.db.database import make_engine
from myna.models import Account  # noqa: F401  (registers every table on Base.metadata)

target_metadata = Base.metadata

# Tables the migrations make that no model describes, on purpose: the full-text search indexes
# of statuses and accounts (migrations 0010, 0013), FTS5 virtual tables with their shadow tables
# on SQLite.
UNMODELLED = {
    f"{table}{part}"
    for table in ("status_search", "account_search")
    for part in ("", "_data", "_idx", "_content", "_docsize", "_config")
}
# Indexes only PostgreSQL has (migration 0013: `text_pattern_ops`, for prefix searches).
UNMODELLED_INDEXES = {"ix_accounts_username_key_pattern", "ix_tags_key_pattern"}


def _include_name(name: str | None, type_: str, _parents: object) -> bool:
    if type_ == "table":
        return name not in UNMODELLED
    if type_ == "index":
        return name not in UNMODELLED_INDEXES
    return True


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=_include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _main() -> None:
    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "")
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_main())
