"""Filters v2 and their keywords and statuses. Who may see a filtered status, and what a filter
matches, are decided in policy/filters.py."""

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from myna.models import Filter, FilterKeyword, FilterStatus, Status
from myna.store.upsert import insert_ignore


async def get(session: AsyncSession, filter_id: int) -> Filter | None:
    return await session.get(Filter, filter_id)


async def of_owner(session: AsyncSession, owner_id: int) -> list[Filter]:
    stmt = select(Filter).where(Filter.account_id == owner_id).order_by(Filter.id)
    return list(await session.scalars(stmt))


async def count_of_owner(session: AsyncSession, owner_id: int) -> int:
    stmt = select(func.count()).select_from(Filter).where(Filter.account_id == owner_id)
    return await session.scalar(stmt) or 0


async def add(session: AsyncSession, rows: Iterable[Filter | FilterKeyword]) -> None:
    session.add_all(list(rows))
    await session.flush()


async def delete_one(session: AsyncSession, filter_id: int) -> None:
    """Its keywords and statuses go with it (ON DELETE CASCADE)."""
    await session.execute(delete(Filter).where(Filter.id == filter_id))


async def keywords_of(
    session: AsyncSession, filter_ids: Iterable[int]
) -> dict[int, list[FilterKeyword]]:
    wanted = set(filter_ids)
    out: dict[int, list[FilterKeyword]] = defaultdict(list)
    if wanted:
        stmt = (
            select(FilterKeyword)
            .where(FilterKeyword.filter_id.in_(wanted))
            .order_by(FilterKeyword.id)
        )
        for row in await session.scalars(stmt):
            out[row.filter_id].append(row)
    return out


async def count_keywords(session: AsyncSession, filter_id: int) -> int:
    stmt = (
        select(func.count()).select_from(FilterKeyword).where(FilterKeyword.filter_id == filter_id)
    )
    return await session.scalar(stmt) or 0


async def get_keyword(session: AsyncSession, keyword_id: int) -> FilterKeyword | None:
    return await session.get(FilterKeyword, keyword_id)


async def delete_keywords(session: AsyncSession, keyword_ids: Iterable[int]) -> None:
    wanted = set(keyword_ids)
    if wanted:
        await session.execute(delete(FilterKeyword).where(FilterKeyword.id.in_(wanted)))


async def statuses_of(
    session: AsyncSession,
    filter_ids: Iterable[int],
    visible: ColumnElement[bool] | None = None,
) -> dict[int, list[FilterStatus]]:
    """The statuses of these filters; with `visible`, only those whose status passes it."""
    wanted = set(filter_ids)
    out: dict[int, list[FilterStatus]] = defaultdict(list)
    if not wanted:
        return out
    stmt = select(FilterStatus).where(FilterStatus.filter_id.in_(wanted))
    if visible is not None:
        stmt = stmt.join(Status, Status.id == FilterStatus.status_id).where(visible)
    for row in await session.scalars(stmt.order_by(FilterStatus.id)):
        out[row.filter_id].append(row)
    return out


async def count_statuses(session: AsyncSession, filter_id: int) -> int:
    stmt = select(func.count()).select_from(FilterStatus).where(FilterStatus.filter_id == filter_id)
    return await session.scalar(stmt) or 0


async def get_filter_status(
    session: AsyncSession, filter_status_id: int, visible: ColumnElement[bool] | None = None
) -> FilterStatus | None:
    stmt = select(FilterStatus).where(FilterStatus.id == filter_status_id)
    if visible is not None:
        stmt = stmt.join(Status, Status.id == FilterStatus.status_id).where(visible)
    return await session.scalar(stmt)


async def add_filter_status(session: AsyncSession, row: FilterStatus) -> bool:
    """False when the status is already in the filter (concurrent adds meet the unique key)."""
    inserted = await insert_ignore(
        session,
        FilterStatus,
        [{"id": row.id, "filter_id": row.filter_id, "status_id": row.status_id}],
    )
    return inserted > 0


async def delete_filter_status(session: AsyncSession, filter_status_id: int) -> None:
    await session.execute(delete(FilterStatus).where(FilterStatus.id == filter_status_id))
