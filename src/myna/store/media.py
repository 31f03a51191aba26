"""Media attachment rows. The files they name are the storage backend's business."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from myna.models import MediaAttachment, Status

UNATTACHED = and_(
    MediaAttachment.status_id.is_(None), MediaAttachment.scheduled_status_id.is_(None)
)


async def add(session: AsyncSession, media: MediaAttachment) -> None:
    session.add(media)
    await session.flush()


async def get_own(session: AsyncSession, account_id: int, media_id: int) -> MediaAttachment | None:
    """One of the account's own uploads, attached or not."""
    stmt = select(MediaAttachment).where(
        MediaAttachment.id == media_id, MediaAttachment.account_id == account_id
    )
    return await session.scalar(stmt)


async def unattached_among(
    session: AsyncSession, account_id: int, media_ids: Iterable[int]
) -> set[int]:
    ids = set(media_ids)
    if not ids:
        return set()
    stmt = select(MediaAttachment.id).where(
        MediaAttachment.id.in_(ids), MediaAttachment.account_id == account_id, UNATTACHED
    )
    return set(await session.scalars(stmt))


async def attach(
    session: AsyncSession, account_id: int, media_id: int, status_id: int, position: int
) -> bool:
    """Give an unattached upload to a status; False if it was not (or no longer) free."""
    stmt = (
        update(MediaAttachment)
        .where(MediaAttachment.id == media_id, MediaAttachment.account_id == account_id, UNATTACHED)
        .values(status_id=status_id, position=position)
    )
    return (await session.execute(stmt)).rowcount == 1  # type: ignore[attr-defined]


async def reserve(
    session: AsyncSession, account_id: int, media_id: int, scheduled_id: int, position: int
) -> bool:
    """Keep an unattached upload for a scheduled status; False if it was not free."""
    stmt = (
        update(MediaAttachment)
        .where(MediaAttachment.id == media_id, MediaAttachment.account_id == account_id, UNATTACHED)
        .values(scheduled_status_id=scheduled_id, position=position)
    )
    return (await session.execute(stmt)).rowcount == 1  # type: ignore[attr-defined]


async def release(session: AsyncSession, scheduled_id: int) -> None:
    """A scheduled status's uploads become unattached again (it is posted or cancelled)."""
    stmt = (
        update(MediaAttachment)
        .where(MediaAttachment.scheduled_status_id == scheduled_id)
        .values(scheduled_status_id=None)
    )
    await session.execute(stmt)


async def of_scheduled(
    session: AsyncSession, scheduled_ids: Iterable[int]
) -> dict[int, list[MediaAttachment]]:
    """The uploads kept for many scheduled statuses, each one's in its order."""
    ids = set(scheduled_ids)
    out: dict[int, list[MediaAttachment]] = {}
    if not ids:
        return out
    stmt = (
        select(MediaAttachment)
        .where(MediaAttachment.scheduled_status_id.in_(ids))
        .order_by(MediaAttachment.scheduled_status_id, MediaAttachment.position)
    )
    for media in await session.scalars(stmt):
        out.setdefault(media.scheduled_status_id or 0, []).append(media)
    return out


async def ids_of_status(session: AsyncSession, status_id: int) -> list[int]:
    stmt = select(MediaAttachment.id).where(MediaAttachment.status_id == status_id)
    return list(await session.scalars(stmt))


async def move(session: AsyncSession, media_id: int, status_id: int, position: int) -> None:
    stmt = (
        update(MediaAttachment)
        .where(MediaAttachment.id == media_id, MediaAttachment.status_id == status_id)
        .values(position=position)
    )
    await session.execute(stmt)


async def delete_from_status(
    session: AsyncSession, status_id: int, media_ids: Iterable[int]
) -> list[str]:
    """Delete some of a status's attachments; the keys of their files."""
    ids = set(media_ids)
    if not ids:
        return []
    stmt = (
        delete(MediaAttachment)
        .where(MediaAttachment.status_id == status_id, MediaAttachment.id.in_(ids))
        .returning(MediaAttachment.file_key, MediaAttachment.preview_key)
    )
    return [key for row in (await session.execute(stmt)).all() for key in row]


async def delete_unattached(
    session: AsyncSession, account_id: int, media_id: int
) -> tuple[str, str] | None:
    """Delete an unattached upload; its (file, preview) keys, or None if there was none."""
    stmt = (
        delete(MediaAttachment)
        .where(MediaAttachment.id == media_id, MediaAttachment.account_id == account_id, UNATTACHED)
        .returning(MediaAttachment.file_key, MediaAttachment.preview_key)
    )
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row is not None else None


async def delete_of_status(session: AsyncSession, status_id: int) -> list[str]:
    """Delete a status's attachments; the keys of their files."""
    stmt = (
        delete(MediaAttachment)
        .where(MediaAttachment.status_id == status_id)
        .returning(MediaAttachment.file_key, MediaAttachment.preview_key)
    )
    return [key for row in (await session.execute(stmt)).all() for key in row]


async def stale_ids(session: AsyncSession, before: datetime, limit: int) -> list[int]:
    stmt = (
        select(MediaAttachment.id)
        .where(UNATTACHED, MediaAttachment.created_at < before)
        .order_by(MediaAttachment.id)
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def delete_stale(session: AsyncSession, media_ids: list[int], before: datetime) -> list[str]:
    """Delete those of `media_ids` still unattached and old (checked again here, so an upload
    attached meanwhile stays); the keys of their files."""
    stmt = (
        delete(MediaAttachment)
        .where(MediaAttachment.id.in_(media_ids), UNATTACHED, MediaAttachment.created_at < before)
        .returning(MediaAttachment.file_key, MediaAttachment.preview_key)
    )
    return [key for row in (await session.execute(stmt)).all() for key in row]


async def of_statuses(
    session: AsyncSession, status_ids: Iterable[int]
) -> dict[int, list[MediaAttachment]]:
    """The attachments of many statuses, in one query, each status's in its order."""
    ids = set(status_ids)
    if not ids:
        return {}
    stmt = (
        select(MediaAttachment)
        .where(MediaAttachment.status_id.in_(ids))
        .order_by(MediaAttachment.status_id, MediaAttachment.position, MediaAttachment.id)
    )
    out: dict[int, list[MediaAttachment]] = {}
    for media in await session.scalars(stmt):
        assert media.status_id is not None
        out.setdefault(media.status_id, []).append(media)
    return out


def has_media() -> ColumnElement[bool]:
    """For status queries: the status has at least one attachment (only_media)."""
    return exists().where(MediaAttachment.status_id == Status.id)
