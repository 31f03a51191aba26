from sqlalchemy import select
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
