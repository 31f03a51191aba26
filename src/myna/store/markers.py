from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from myna.models import Marker


async def get_many(session: AsyncSession, account_id: int, timelines: list[str]) -> list[Marker]:
    stmt = select(Marker).where(Marker.account_id == account_id, Marker.timeline.in_(timelines))
    return list(await session.scalars(stmt))


async def get(session: AsyncSession, account_id: int, timeline: str) -> Marker | None:
    return await session.get(Marker, (account_id, timeline))


async def add(session: AsyncSession, marker: Marker) -> None:
    session.add(marker)
    await session.flush()


async def save(
    session: AsyncSession, account_id: int, timeline: str, last_read_id: int, now: datetime
) -> Marker:
    """Create or move a marker in one statement: two clients saving at once each bump the
    version, neither is lost, and the first save of a timeline cannot collide."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(Marker).values(
        account_id=account_id,
        timeline=timeline,
        last_read_id=last_read_id,
        version=1,
        updated_at=now,
    )
    upsert = stmt.on_conflict_do_update(
        index_elements=[Marker.account_id, Marker.timeline],
        set_={
            "last_read_id": stmt.excluded.last_read_id,
            "version": Marker.version + 1,
            "updated_at": stmt.excluded.updated_at,
        },
    ).returning(Marker)
    return (await session.scalars(upsert, execution_options={"populate_existing": True})).one()
