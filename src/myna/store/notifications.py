from collections.abc import Sequence

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from myna.lib.paging import Page
from myna.models import Notification
from myna.store.paging import newest_first, paged


async def add(session: AsyncSession, notification: Notification) -> None:
    session.add(notification)
    await session.flush()


async def page(
    session: AsyncSession, account_id: int, where: Sequence[ColumnElement[bool]], page_: Page
) -> list[Notification]:
    stmt = select(Notification).where(Notification.account_id == account_id, *where)
    rows = list(await session.scalars(paged(stmt, Notification.id, page_)))
    return newest_first(rows, page_)


async def get(
    session: AsyncSession,
    account_id: int,
    notification_id: int,
    where: Sequence[ColumnElement[bool]],
) -> Notification | None:
    stmt = select(Notification).where(
        Notification.id == notification_id, Notification.account_id == account_id, *where
    )
    return await session.scalar(stmt)


async def count(
    session: AsyncSession, account_id: int, where: Sequence[ColumnElement[bool]], limit: int
) -> int:
    inner = (
        select(Notification.id)
        .where(Notification.account_id == account_id, *where)
        .limit(limit)
        .subquery()
    )
    return await session.scalar(select(func.count()).select_from(inner)) or 0


async def dismiss(session: AsyncSession, account_id: int, notification_id: int) -> bool:
    stmt = (
        delete(Notification)
        .where(Notification.id == notification_id, Notification.account_id == account_id)
        .returning(Notification.id)
    )
    return (await session.execute(stmt)).first() is not None


async def clear(session: AsyncSession, account_id: int) -> None:
    await session.execute(delete(Notification).where(Notification.account_id == account_id))


async def delete_matching(
    session: AsyncSession,
    *,
    type_: str,
    from_account_id: int,
    account_id: int | None = None,
    status_id: int | None = None,
) -> None:
    """Withdraw notifications for something undone (an unfollow before it was seen, ...)."""
    stmt = delete(Notification).where(
        Notification.type == type_, Notification.from_account_id == from_account_id
    )
    if account_id is not None:
        stmt = stmt.where(Notification.account_id == account_id)
    if status_id is not None:
        stmt = stmt.where(Notification.status_id == status_id)
    await session.execute(stmt)


async def delete_between(session: AsyncSession, account_id: int, other_id: int) -> None:
    """Drop the notifications either account caused the other (after a block)."""
    await session.execute(
        delete(Notification).where(
            ((Notification.account_id == account_id) & (Notification.from_account_id == other_id))
            | ((Notification.account_id == other_id) & (Notification.from_account_id == account_id))
        )
    )
