"""Archives and imports (models/archive.py), and what an archive reads of an account: its
statuses with what they refer to, its likes and bookmarks, its follows, blocks, mutes and
lists. Every read is bounded: statuses and kept statuses come in batches by id."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from myna.models import (
    Account,
    AccountList,
    ArchiveExport,
    Block,
    Bookmark,
    DataImport,
    Favourite,
    Follow,
    FollowRequest,
    Group,
    JobState,
    ListMember,
    Mention,
    Mute,
    Status,
    StatusTag,
    Tag,
)

UNFINISHED = (JobState.PENDING, JobState.RUNNING)
SWEEP_LIMIT = 100  # rows one sweep takes up

# Archives ---------------------------------------------------------------------------------------


async def export_of(session: AsyncSession, account_id: int) -> ArchiveExport | None:
    return await session.scalar(select(ArchiveExport).where(ArchiveExport.account_id == account_id))


async def get_export(session: AsyncSession, export_id: int) -> ArchiveExport | None:
    return await session.get(ArchiveExport, export_id)


async def add_export(session: AsyncSession, row: ArchiveExport) -> None:
    session.add(row)
    await session.flush()


async def delete_export(session: AsyncSession, export_id: int) -> None:
    await session.execute(delete(ArchiveExport).where(ArchiveExport.id == export_id))


async def claim_export(session: AsyncSession, export_id: int, now: datetime) -> bool:
    """pending -> running; False when another run has it, or it is gone or finished."""
    stmt = (
        update(ArchiveExport)
        .where(ArchiveExport.id == export_id, ArchiveExport.state == JobState.PENDING)
        .values(state=JobState.RUNNING, updated_at=now)
        .returning(ArchiveExport.id)
    )
    return (await session.execute(stmt)).first() is not None


async def touch_export(session: AsyncSession, export_id: int, now: datetime) -> None:
    await session.execute(
        update(ArchiveExport).where(ArchiveExport.id == export_id).values(updated_at=now)
    )


async def finish_export(
    session: AsyncSession, export_id: int, state: str, now: datetime, key: str | None, size: int
) -> bool:
    """running -> done or failed; False when the row is gone (the account went meanwhile)."""
    stmt = (
        update(ArchiveExport)
        .where(ArchiveExport.id == export_id, ArchiveExport.state == JobState.RUNNING)
        .values(state=state, file_key=key, size=size, updated_at=now, finished_at=now)
        .returning(ArchiveExport.id)
    )
    return (await session.execute(stmt)).first() is not None


async def delete_exports_before(session: AsyncSession, before: datetime) -> list[str]:
    """Delete archives made before `before` (a sweep's worth); their file keys."""
    old = list(
        await session.scalars(
            select(ArchiveExport.id)
            .where(ArchiveExport.created_at < before)
            .order_by(ArchiveExport.created_at)
            .limit(SWEEP_LIMIT)
        )
    )
    if not old:
        return []
    stmt = delete(ArchiveExport).where(ArchiveExport.id.in_(old)).returning(ArchiveExport.file_key)
    return [key for (key,) in (await session.execute(stmt)).all() if key]


async def lost_exports(
    session: AsyncSession, now: datetime, pending_before: datetime, running_before: datetime
) -> list[int]:
    """Exports whose job was lost: pending since before `pending_before`, or running but not
    moved since `running_before`. They go (back) to pending, marked as pushed now, so the job
    pushed again can claim them and the next sweep leaves them alone for a while."""
    stmt = select(ArchiveExport.id).where(
        or_(
            and_(
                ArchiveExport.state == JobState.PENDING,
                ArchiveExport.updated_at < pending_before,
            ),
            and_(
                ArchiveExport.state == JobState.RUNNING,
                ArchiveExport.updated_at < running_before,
            ),
        )
    )
    lost = list(await session.scalars(stmt.order_by(ArchiveExport.id).limit(SWEEP_LIMIT)))
    if lost:
        await session.execute(
            update(ArchiveExport)
            .where(ArchiveExport.id.in_(lost))
            .values(state=JobState.PENDING, updated_at=now)
        )
    return lost


# What an archive holds --------------------------------------------------------------------------


async def newest_status_id(session: AsyncSession, account_id: int) -> int:
    """The archive holds the account's statuses up to this id, and nothing newer."""
    stmt = select(func.max(Status.id)).where(Status.account_id == account_id)
    return await session.scalar(stmt) or 0


async def statuses_after(
    session: AsyncSession,
    account_id: int,
    after_id: int,
    up_to: int,
    limit: int,
    repost_ok: ColumnElement[bool],
) -> list[Status]:
    """The account's statuses with ids in (after_id, up_to], oldest first; reposts only when
    `repost_ok` (the original is still visible to the account)."""
    stmt = (
        select(Status)
        .where(
            Status.account_id == account_id,
            Status.id > after_id,
            Status.id <= up_to,
            or_(Status.reblog_of_id.is_(None), repost_ok),
        )
        .order_by(Status.id)
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def statuses_with_authors(
    session: AsyncSession, status_ids: Iterable[int]
) -> dict[int, tuple[Status, str]]:
    """Statuses by id, each with its author's username."""
    ids = set(status_ids)
    if not ids:
        return {}
    stmt = (
        select(Status, Account.username)
        .join(Account, Account.id == Status.account_id)
        .where(Status.id.in_(ids))
    )
    return {status.id: (status, username) for status, username in await session.execute(stmt)}


async def usernames(session: AsyncSession, account_ids: Iterable[int]) -> dict[int, str]:
    ids = set(account_ids)
    if not ids:
        return {}
    stmt = select(Account.id, Account.username).where(Account.id.in_(ids))
    return {account_id: name for account_id, name in await session.execute(stmt)}


async def group_handles(session: AsyncSession, group_ids: Iterable[int]) -> dict[int, str]:
    ids = set(group_ids)
    if not ids:
        return {}
    stmt = select(Group.id, Group.handle).where(Group.id.in_(ids))
    return {group_id: handle for group_id, handle in await session.execute(stmt)}


async def mentions_of(session: AsyncSession, status_ids: Iterable[int]) -> dict[int, list[str]]:
    """The usernames each status mentions."""
    ids = set(status_ids)
    if not ids:
        return {}
    stmt = (
        select(Mention.status_id, Account.username)
        .join(Account, Account.id == Mention.account_id)
        .where(Mention.status_id.in_(ids))
        .order_by(Mention.id)
    )
    out: dict[int, list[str]] = {}
    for status_id, name in await session.execute(stmt):
        out.setdefault(status_id, []).append(name)
    return out


async def tags_of(session: AsyncSession, status_ids: Iterable[int]) -> dict[int, list[str]]:
    ids = set(status_ids)
    if not ids:
        return {}
    stmt = (
        select(StatusTag.status_id, Tag.name)
        .join(Tag, Tag.id == StatusTag.tag_id)
        .where(StatusTag.status_id.in_(ids))
        .order_by(Tag.name)
    )
    out: dict[int, list[str]] = {}
    for status_id, name in await session.execute(stmt):
        out.setdefault(status_id, []).append(name)
    return out


async def kept_after(
    session: AsyncSession,
    model: type[Favourite] | type[Bookmark],
    account_id: int,
    after_id: int,
    limit: int,
    visible: ColumnElement[bool],
) -> list[tuple[int, int, str]]:
    """(row id, status id, author's username) of what the account liked or bookmarked, oldest
    row first after `after_id`; only statuses passing `visible`."""
    stmt = (
        select(model.id, Status.id, Account.username)
        .join(Status, Status.id == model.status_id)
        .join(Account, Account.id == Status.account_id)
        .where(model.account_id == account_id, model.id > after_id, visible)
        .order_by(model.id)
        .limit(limit)
    )
    return [(row[0], row[1], row[2]) for row in await session.execute(stmt)]


async def following(session: AsyncSession, account_id: int) -> list[tuple[str, bool, bool]]:
    """(username, show reposts, notify) of the accounts it follows, in the order followed."""
    stmt = (
        select(Account.username, Follow.show_reblogs, Follow.notify)
        .join(Account, Account.id == Follow.target_account_id)
        .where(Follow.account_id == account_id)
        .order_by(Follow.id)
    )
    return [(row[0], row[1], row[2]) for row in await session.execute(stmt)]


async def blocked(session: AsyncSession, account_id: int) -> list[str]:
    stmt = (
        select(Account.username)
        .join(Block, Block.target_account_id == Account.id)
        .where(Block.account_id == account_id)
        .order_by(Block.id)
    )
    return list(await session.scalars(stmt))


async def muted(session: AsyncSession, account_id: int) -> list[tuple[str, bool]]:
    stmt = (
        select(Account.username, Mute.hide_notifications)
        .join(Mute, Mute.target_account_id == Account.id)
        .where(Mute.account_id == account_id)
        .order_by(Mute.id)
    )
    return [(row[0], row[1]) for row in await session.execute(stmt)]


async def list_members(session: AsyncSession, account_id: int) -> list[tuple[str, str]]:
    """(list title, member's username) of the account's lists."""
    stmt = (
        select(AccountList.title, Account.username)
        .join(ListMember, ListMember.list_id == AccountList.id)
        .join(Account, Account.id == ListMember.account_id)
        .where(AccountList.account_id == account_id)
        .order_by(AccountList.id, ListMember.created_at, Account.id)
    )
    return [(row[0], row[1]) for row in await session.execute(stmt)]


# What an overwriting import undoes --------------------------------------------------------------


async def targets(
    session: AsyncSession,
    model: type[Follow] | type[FollowRequest] | type[Block] | type[Mute],
    account_id: int,
) -> list[int]:
    stmt = select(model.target_account_id).where(model.account_id == account_id)
    return list(await session.scalars(stmt.order_by(model.id)))


async def bookmarked(session: AsyncSession, account_id: int) -> list[int]:
    stmt = select(Bookmark.status_id).where(Bookmark.account_id == account_id)
    return list(await session.scalars(stmt.order_by(Bookmark.id)))


async def lists_with_members(
    session: AsyncSession, account_id: int
) -> list[tuple[int, str, list[int]]]:
    """(list id, title, member ids) of each of the account's lists."""
    lists = list(
        await session.execute(
            select(AccountList.id, AccountList.title)
            .where(AccountList.account_id == account_id)
            .order_by(AccountList.id)
        )
    )
    members: dict[int, list[int]] = {list_id: [] for list_id, _title in lists}
    if members:
        stmt = select(ListMember.list_id, ListMember.account_id).where(
            ListMember.list_id.in_(members)
        )
        for list_id, member in await session.execute(stmt):
            members[list_id].append(member)
    return [(list_id, title, members[list_id]) for list_id, title in lists]


# Imports ----------------------------------------------------------------------------------------


async def add_import(session: AsyncSession, row: DataImport) -> None:
    session.add(row)
    await session.flush()


async def get_import(session: AsyncSession, import_id: int) -> DataImport | None:
    return await session.get(DataImport, import_id)


async def own_import(session: AsyncSession, account_id: int, import_id: int) -> DataImport | None:
    """Without its rows (up to a megabyte), like `imports_of`: only the job reads them."""
    stmt = (
        select(DataImport)
        .options(defer(DataImport.rows))
        .where(DataImport.id == import_id, DataImport.account_id == account_id)
    )
    return await session.scalar(stmt)


async def imports_of(session: AsyncSession, account_id: int, limit: int) -> list[DataImport]:
    stmt = (
        select(DataImport)
        .options(defer(DataImport.rows))
        .where(DataImport.account_id == account_id)
        .order_by(DataImport.id.desc())
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def start_import(session: AsyncSession, import_id: int, now: datetime) -> bool:
    """pending -> running, once what an overwrite undoes is undone."""
    stmt = (
        update(DataImport)
        .where(DataImport.id == import_id, DataImport.state == JobState.PENDING)
        .values(state=JobState.RUNNING, updated_at=now)
        .returning(DataImport.id)
    )
    return (await session.execute(stmt)).first() is not None


async def advance_import(
    session: AsyncSession,
    import_id: int,
    processed_before: int,
    processed: int,
    failed: int,
    failures: str,
    now: datetime,
) -> bool:
    """Record a chunk's progress, if nobody recorded it first (a second run of the same job:
    the loser stops). The counts are totals."""
    stmt = (
        update(DataImport)
        .where(
            DataImport.id == import_id,
            DataImport.state == JobState.RUNNING,
            DataImport.processed_items == processed_before,
        )
        .values(processed_items=processed, failed_items=failed, failures=failures, updated_at=now)
        .returning(DataImport.id)
    )
    return (await session.execute(stmt)).first() is not None


async def finish_import(session: AsyncSession, import_id: int, state: str, now: datetime) -> None:
    """Done (or failed): the rows are no longer needed."""
    await session.execute(
        update(DataImport)
        .where(DataImport.id == import_id, DataImport.state.in_(UNFINISHED))
        .values(state=state, rows="[]", updated_at=now, finished_at=now)
    )


async def lost_imports(session: AsyncSession, now: datetime, before: datetime) -> list[int]:
    """Unfinished imports that have not moved since `before`: their job was lost. They are
    marked as pushed now, so the next sweep leaves them alone for a while."""
    stmt = (
        select(DataImport.id)
        .where(DataImport.state.in_(UNFINISHED), DataImport.updated_at < before)
        .order_by(DataImport.id)
        .limit(SWEEP_LIMIT)
    )
    lost = list(await session.scalars(stmt))
    if lost:
        await session.execute(
            update(DataImport).where(DataImport.id.in_(lost)).values(updated_at=now)
        )
    return lost


async def touch_import(session: AsyncSession, import_id: int, now: datetime) -> None:
    await session.execute(
        update(DataImport).where(DataImport.id == import_id).values(updated_at=now)
    )
