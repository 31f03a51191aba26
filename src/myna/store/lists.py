"""Lists and their members. (List feeds live in the timeline backend.)"""

from collections.abc import Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from myna.lib.clock import utcnow
from myna.lib.paging import Page
from myna.models import AccountList, Follow, ListMember
from myna.store.paging import newest_first, paged
from myna.store.upsert import insert_ignore


async def get(session: AsyncSession, list_id: int) -> AccountList | None:
    return await session.get(AccountList, list_id)


async def of_owner(session: AsyncSession, owner_id: int) -> list[AccountList]:
    stmt = select(AccountList).where(AccountList.account_id == owner_id).order_by(AccountList.id)
    return list(await session.scalars(stmt))


async def count_of_owner(session: AsyncSession, owner_id: int) -> int:
    stmt = select(func.count()).where(AccountList.account_id == owner_id)
    return await session.scalar(stmt) or 0


async def add(session: AsyncSession, row: AccountList) -> None:
    session.add(row)
    await session.flush()


async def delete_one(session: AsyncSession, list_id: int) -> None:
    """Members and the list's feed go with it (ON DELETE CASCADE)."""
    await session.execute(delete(AccountList).where(AccountList.id == list_id))


async def holding(session: AsyncSession, owner_id: int, account_id: int) -> list[AccountList]:
    """The owner's lists that hold `account_id`."""
    stmt = (
        select(AccountList)
        .join(ListMember, ListMember.list_id == AccountList.id)
        .where(AccountList.account_id == owner_id, ListMember.account_id == account_id)
        .order_by(AccountList.id)
    )
    return list(await session.scalars(stmt))


async def members_page(session: AsyncSession, list_id: int, page: Page | None) -> list[int]:
    """Member account ids, newest id first; all of them when `page` is None."""
    stmt = select(ListMember.account_id).where(ListMember.list_id == list_id)
    if page is None:
        return list(await session.scalars(stmt.order_by(ListMember.account_id.desc())))
    rows = list(await session.scalars(paged(stmt, ListMember.account_id, page)))
    return newest_first(rows, page)


async def followed_among(session: AsyncSession, owner_id: int, ids: Iterable[int]) -> set[int]:
    stmt = select(Follow.target_account_id).where(
        Follow.account_id == owner_id, Follow.target_account_id.in_(set(ids))
    )
    return set(await session.scalars(stmt))


async def add_members(session: AsyncSession, list_id: int, account_ids: list[int]) -> list[int]:
    """Add what is not there yet (concurrent adds meet the primary key); returns the ids that
    were new."""
    present = set(
        await session.scalars(
            select(ListMember.account_id).where(
                ListMember.list_id == list_id, ListMember.account_id.in_(account_ids)
            )
        )
    )
    new = [a for a in dict.fromkeys(account_ids) if a not in present]
    now = utcnow()
    await insert_ignore(
        session,
        ListMember,
        [{"list_id": list_id, "account_id": a, "created_at": now} for a in new],
    )
    return new


async def remove_members(session: AsyncSession, list_id: int, account_ids: list[int]) -> None:
    await session.execute(
        delete(ListMember).where(
            ListMember.list_id == list_id, ListMember.account_id.in_(account_ids)
        )
    )


async def lists_of_owner_holding(
    session: AsyncSession, owner_id: int, account_id: int
) -> list[int]:
    return [found.id for found in await holding(session, owner_id, account_id)]
