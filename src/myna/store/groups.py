"""Groups and the accounts around them: members, join requests, invitations and bans."""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from myna.lib.paging import Page
from myna.models import (
    Account,
    Group,
    GroupBan,
    GroupInvite,
    GroupMember,
    GroupRequest,
    GroupRole,
    Status,
)
from myna.store.paging import newest_first, paged
from myna.store.upsert import insert_ignore

# The tables keyed by (group_id, account_id).
GroupAccountModel = type[GroupMember] | type[GroupRequest] | type[GroupInvite] | type[GroupBan]


def handle_key(handle: str) -> str:
    return handle.lower()


async def lock(session: AsyncSession, group_id: int) -> None:
    """Serialise changes to one group's membership and roles until the transaction ends: on
    PostgreSQL the group row is locked (SQLite's writers are serial anyway). Without it a ban
    and a join, or two role changes, could each pass their checks and both be written."""
    await session.execute(select(Group.id).where(Group.id == group_id).with_for_update())


async def get(session: AsyncSession, group_id: int) -> Group | None:
    return await session.get(Group, group_id)


async def get_many(session: AsyncSession, ids: Iterable[int]) -> dict[int, Group]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = await session.scalars(select(Group).where(Group.id.in_(wanted)))
    return {group.id: group for group in rows}


async def add_ignore(session: AsyncSession, row: dict[str, Any]) -> bool:
    """Create the group unless its handle is taken (a concurrent creation of the same handle
    meets the unique key, not an error). True when it was created."""
    return await insert_ignore(session, Group, [row]) == 1


async def id_by_handle(session: AsyncSession, handle: str) -> int | None:
    stmt = select(Group.id).where(Group.handle_key == handle_key(handle))
    return await session.scalar(stmt)


async def biggest(session: AsyncSession, listed: ColumnElement[bool], limit: int) -> list[Group]:
    """The groups `listed` (policy/groups.py `listed_sql`) admits, the biggest first."""
    stmt = select(Group).where(listed).order_by(Group.members_count.desc(), Group.id).limit(limit)
    return list(await session.scalars(stmt))


async def handle_taken(session: AsyncSession, handle: str) -> bool:
    stmt = select(Group.id).where(Group.handle_key == handle_key(handle))
    return await session.scalar(stmt) is not None


async def delete_one(session: AsyncSession, group_id: int) -> None:
    """Members, requests, invitations and bans go with it (ON DELETE CASCADE)."""
    await session.execute(delete(Group).where(Group.id == group_id))


async def adjust_counts(
    session: AsyncSession, group_id: int, *, members: int = 0, statuses: int = 0
) -> None:
    """Counters move in SQL (col = col + n), so concurrent writers never lose an update."""
    values: dict[str, object] = {}
    if members:
        values["members_count"] = Group.members_count + members
    if statuses:
        values["statuses_count"] = Group.statuses_count + statuses
    if values:
        await session.execute(update(Group).where(Group.id == group_id).values(**values))


async def role(session: AsyncSession, group_id: int, account_id: int) -> str | None:
    """The account's role in the group, or None when it is not a member."""
    stmt = select(GroupMember.role).where(
        GroupMember.group_id == group_id, GroupMember.account_id == account_id
    )
    return await session.scalar(stmt)


async def member_ids(session: AsyncSession, group_id: int) -> list[int]:
    stmt = select(GroupMember.account_id).where(GroupMember.group_id == group_id)
    return list(await session.scalars(stmt))


async def manager_ids(session: AsyncSession, group_id: int) -> list[int]:
    """The group's owner and admins."""
    stmt = select(GroupMember.account_id).where(
        GroupMember.group_id == group_id,
        GroupMember.role.in_((GroupRole.OWNER, GroupRole.ADMIN)),
    )
    return list(await session.scalars(stmt))


async def managed_group_ids(session: AsyncSession, account_id: int) -> list[int]:
    """The groups the account owns or administers."""
    stmt = select(GroupMember.group_id).where(
        GroupMember.account_id == account_id,
        GroupMember.role.in_((GroupRole.OWNER, GroupRole.ADMIN)),
    )
    return list(await session.scalars(stmt))


async def membership(session: AsyncSession, group_id: int, account_id: int) -> GroupMember | None:
    stmt = select(GroupMember).where(
        GroupMember.group_id == group_id, GroupMember.account_id == account_id
    )
    return await session.scalar(stmt)


async def memberships(
    session: AsyncSession, account_id: int, group_ids: Iterable[int]
) -> dict[int, GroupMember]:
    """The account's membership rows in each of these groups, by group id."""
    wanted = set(group_ids)
    if not wanted:
        return {}
    stmt = select(GroupMember).where(
        GroupMember.account_id == account_id, GroupMember.group_id.in_(wanted)
    )
    return {row.group_id: row for row in await session.scalars(stmt)}


async def group_ids_with(
    session: AsyncSession, model: GroupAccountModel, account_id: int, group_ids: Iterable[int]
) -> set[int]:
    """Which of these groups have a row of `model` for the account (a request, an invite)."""
    wanted = set(group_ids)
    if not wanted:
        return set()
    stmt = select(model.group_id).where(model.account_id == account_id, model.group_id.in_(wanted))
    return set(await session.scalars(stmt))


async def exists(
    session: AsyncSession, model: GroupAccountModel, group_id: int, account_id: int
) -> bool:
    stmt = select(model.group_id).where(model.group_id == group_id, model.account_id == account_id)
    return await session.scalar(stmt) is not None


async def add_ignore_row(
    session: AsyncSession, model: GroupAccountModel, row: dict[str, Any]
) -> bool:
    """Insert a (group, account) row unless it exists; True when it was inserted."""
    return await insert_ignore(session, model, [row]) == 1


async def remove(
    session: AsyncSession, model: GroupAccountModel, group_id: int, account_id: int
) -> bool:
    """Delete the row if there is one; True when something was deleted."""
    stmt = (
        delete(model)
        .where(model.group_id == group_id, model.account_id == account_id)
        .returning(model.account_id)
    )
    return (await session.execute(stmt)).first() is not None


async def set_role(session: AsyncSession, group_id: int, account_id: int, new_role: str) -> None:
    await session.execute(
        update(GroupMember)
        .where(GroupMember.group_id == group_id, GroupMember.account_id == account_id)
        .values(role=new_role)
    )


async def set_in_home(session: AsyncSession, group_id: int, account_id: int, in_home: bool) -> bool:
    result = await session.execute(
        update(GroupMember)
        .where(GroupMember.group_id == group_id, GroupMember.account_id == account_id)
        .values(in_home=in_home)
        .returning(GroupMember.account_id)
    )
    return result.first() is not None


async def page_of_account(
    session: AsyncSession, account_id: int, page: Page
) -> list[tuple[int, Group]]:
    """(membership id, group) for the groups the account belongs to, newest joined first."""
    stmt = paged(
        select(GroupMember.id, Group)
        .join(Group, Group.id == GroupMember.group_id)
        .where(GroupMember.account_id == account_id),
        GroupMember.id,
        page,
    )
    rows = [(row[0], row[1]) for row in await session.execute(stmt)]
    return newest_first(rows, page)


async def page_members(
    session: AsyncSession, group_id: int, page: Page
) -> list[tuple[GroupMember, Account]]:
    stmt = paged(
        select(GroupMember, Account)
        .join(Account, Account.id == GroupMember.account_id)
        .where(GroupMember.group_id == group_id),
        GroupMember.id,
        page,
    )
    rows = [(row[0], row[1]) for row in await session.execute(stmt)]
    return newest_first(rows, page)


async def page_requests(
    session: AsyncSession, group_id: int, page: Page
) -> list[tuple[int, Account]]:
    stmt = paged(
        select(GroupRequest.id, Account)
        .join(Account, Account.id == GroupRequest.account_id)
        .where(GroupRequest.group_id == group_id),
        GroupRequest.id,
        page,
    )
    rows = [(row[0], row[1]) for row in await session.execute(stmt)]
    return newest_first(rows, page)


async def search(
    session: AsyncSession, query: str, listed: ColumnElement[bool], limit: int
) -> list[Group]:
    """Groups whose handle starts with `query` or whose name contains it, among those
    `listed` lets through. Names compare case-insensitively where the script has case."""
    stmt = (
        select(Group)
        .where(
            listed,
            or_(
                Group.handle_key.startswith(handle_key(query), autoescape=True),
                func.lower(Group.name).contains(query.lower(), autoescape=True),
            ),
        )
        .order_by(Group.members_count.desc(), Group.id.desc())
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def statuses_by_author(session: AsyncSession, group_id: int) -> list[tuple[int, str, int]]:
    """(author id, visibility, how many) over the group's statuses."""
    stmt = (
        select(Status.account_id, Status.visibility, func.count())
        .where(Status.group_id == group_id)
        .group_by(Status.account_id, Status.visibility)
    )
    return [(row[0], row[1], row[2]) for row in await session.execute(stmt)]


async def delete_statuses(session: AsyncSession, group_id: int) -> None:
    """Delete the group's statuses; their mentions, tags, likes, reposts, notifications and
    home-feed rows go with them (ON DELETE CASCADE)."""
    await session.execute(delete(Status).where(Status.group_id == group_id))


async def shown_at_home(session: AsyncSession, account_id: int) -> list[int]:
    """The groups whose posts `account_id` reads in their home timeline."""
    stmt = select(GroupMember.group_id).where(
        GroupMember.account_id == account_id, GroupMember.in_home.is_(True)
    )
    return list(await session.scalars(stmt))
