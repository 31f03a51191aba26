"""INSERT ... ON CONFLICT DO NOTHING on both of our dialects: concurrent requests that create
the same row (a tag, a favourite, a follow) meet the unique constraint, not a 500."""

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


async def insert_ignore(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> int:
    """Insert what is new; returns how many rows were inserted."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(model).values(rows).on_conflict_do_nothing()
    result = await session.execute(stmt)
    return result.rowcount or 0  # type: ignore[attr-defined]
