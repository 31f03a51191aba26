"""Queries for deleting an account and everything of it (actions/account_deletion.py). Most
rows go by the database's cascades when the account row is deleted; these are what the
cascades cannot do: counters on other rows, files in storage, groups that need a new owner."""

from collections import Counter

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from myna.models import (
    Account,
    ArchiveExport,
    Follow,
    Group,
    GroupMember,
    GroupRole,
    MediaAttachment,
    Status,
)


async def file_keys(session: AsyncSession, account_id: int) -> list[str]:
    """Every stored file of the account: its uploads (with previews) and profile pictures."""
    keys: list[str] = []
    rows = await session.execute(
        select(MediaAttachment.file_key, MediaAttachment.preview_key).where(
            MediaAttachment.account_id == account_id
        )
    )
    for file_key, preview_key in rows:
        keys += [k for k in (file_key, preview_key) if k]
    account = await session.get(Account, account_id)
    if account is not None:
        keys += [k for k in (account.avatar_key, account.header_key) if k]
    return list(dict.fromkeys(keys))


async def archive_keys(session: AsyncSession, account_id: int) -> list[str]:
    """The stored data archive of the account, if it asked for one."""
    stmt = select(ArchiveExport.file_key).where(
        ArchiveExport.account_id == account_id, ArchiveExport.file_key.is_not(None)
    )
    return [key for key in await session.scalars(stmt) if key]


async def release_follow_counts(session: AsyncSession, account_id: int) -> None:
    """The accounts it followed lose a follower; those following it follow one fewer."""
    followed = select(Follow.target_account_id).where(Follow.account_id == account_id)
    following = select(Follow.account_id).where(Follow.target_account_id == account_id)
    await session.execute(
        update(Account)
        .where(Account.id.in_(followed))
        .values(followers_count=Account.followers_count - 1)
    )
    await session.execute(
        update(Account)
        .where(Account.id.in_(following))
        .values(following_count=Account.following_count - 1)
    )


async def reposts_of_their_statuses(session: AsyncSession, account_id: int) -> Counter[int]:
    """Other accounts' reposts of the account's statuses (they go with the originals), per
    reposter."""
    original = aliased(Status)
    stmt = (
        select(Status.account_id, func.count())
        .join(original, original.id == Status.reblog_of_id)
        .where(original.account_id == account_id, Status.account_id != account_id)
        .group_by(Status.account_id)
    )
    return Counter({reposter: n for reposter, n in await session.execute(stmt)})


async def group_posts(session: AsyncSession, account_id: int) -> dict[int, int]:
    """group id -> the account's statuses posted in it."""
    stmt = (
        select(Status.group_id, func.count())
        .where(Status.account_id == account_id, Status.group_id.is_not(None))
        .group_by(Status.group_id)
    )
    return {group_id: n for group_id, n in await session.execute(stmt) if group_id is not None}


async def memberships(session: AsyncSession, account_id: int) -> list[int]:
    stmt = select(GroupMember.group_id).where(GroupMember.account_id == account_id)
    return list(await session.scalars(stmt))


async def owned_groups(session: AsyncSession, account_id: int) -> list[int]:
    return list(await session.scalars(select(Group.id).where(Group.owner_id == account_id)))


async def successor(session: AsyncSession, group_id: int, account_id: int) -> int | None:
    """Who takes a group over from a departing owner: its longest-standing admin, else its
    longest-standing member; None when nobody else is in it."""
    is_admin = GroupMember.role == GroupRole.ADMIN
    stmt = (
        select(GroupMember.account_id)
        .where(GroupMember.group_id == group_id, GroupMember.account_id != account_id)
        .order_by(is_admin.desc(), GroupMember.id)
        .limit(1)
    )
    return await session.scalar(stmt)
