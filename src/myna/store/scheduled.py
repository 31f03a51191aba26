"""Scheduled statuses: rows waiting for their time."""

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from myna.lib.paging import Page
from myna.models import ScheduledStatus
from myna.store.paging import newest_first, paged


async def get(session: AsyncSession, scheduled_id: int) -> ScheduledStatus | None:
    return await session.get(ScheduledStatus, scheduled_id)


async def add(session: AsyncSession, row: ScheduledStatus) -> None:
    session.add(row)
    await session.flush()


async def count_of(
    session: AsyncSession, account_id: int, *, between: tuple[datetime, datetime] | None = None
) -> int:
    stmt = select(func.count()).where(ScheduledStatus.account_id == account_id)
    if between is not None:
        start, end = between
        stmt = stmt.where(ScheduledStatus.scheduled_at >= start, ScheduledStatus.scheduled_at < end)
    return await session.scalar(stmt) or 0


async def page_of(session: AsyncSession, account_id: int, page: Page) -> list[ScheduledStatus]:
    stmt = select(ScheduledStatus).where(ScheduledStatus.account_id == account_id)
    return newest_first(list(await session.scalars(paged(stmt, ScheduledStatus.id, page))), page)


async def due_ids(session: AsyncSession, now: datetime, limit: int) -> list[int]:
    stmt = (
        select(ScheduledStatus.id)
        .where(ScheduledStatus.scheduled_at <= now)
        .order_by(ScheduledStatus.scheduled_at, ScheduledStatus.id)
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def claim(session: AsyncSession, scheduled_id: int) -> ScheduledStatus | None:
    """Take a row out of the queue; of two workers racing for it, only one gets it back."""
    row = await session.get(ScheduledStatus, scheduled_id)
    if row is None:
        return None
    gone = await session.execute(delete(ScheduledStatus).where(ScheduledStatus.id == row.id))
    return row if gone.rowcount == 1 else None  # type: ignore[attr-defined]


async def delete_one(session: AsyncSession, scheduled_id: int) -> None:
    await session.execute(delete(ScheduledStatus).where(ScheduledStatus.id == scheduled_id))
