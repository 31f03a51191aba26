"""Uploads: processing a picture, storing its files and its row, describing it, giving it to
a status, and removing files nobody needs any more.

Files and rows cannot share a transaction, so the order is chosen for what a crash leaves:
an upload writes its files first and its row second (and removes the files if the row fails);
a deletion removes the row first and the files after commit. At worst a file without a row
remains, never a row without its file."""

import asyncio
import math
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from myna.backends.storage import Storage, delete_quietly, new_keys
from myna.db.database import Database, on_commit
from myna.lib import images
from myna.lib.clock import utcnow
from myna.lib.errors import NotFound, ValidationFailed
from myna.lib.ids import new_id
from myna.models import MediaAttachment
from myna.store import media as store

DESCRIPTION_MAX = 1500
UNATTACHED_TTL = timedelta(hours=24)
SWEEP_BATCH = 500
# A 40-megapixel picture needs a few hundred MB while it is decoded: a few at a time per
# process, the others wait their turn.
DECODE_CONCURRENCY = 2

FOCUS_ERROR = "Validation failed: focus must be two numbers from -1.0 to 1.0, as x,y"


def check_description(description: str | None) -> str | None:
    if description is None:
        return None
    if len(description) > DESCRIPTION_MAX:
        raise ValidationFailed(
            f"Validation failed: Description is too long (maximum is {DESCRIPTION_MAX} characters)"
        )
    return description


def parse_focus(raw: str | None) -> tuple[float, float] | None:
    """Mastodon's focal point: "x,y", each from -1.0 (left, bottom) to 1.0 (right, top)."""
    if raw is None:
        return None
    parts = raw.split(",")
    if len(parts) != 2:
        raise ValidationFailed(FOCUS_ERROR)
    try:
        x, y = (float(part) for part in parts)
    except ValueError:
        raise ValidationFailed(FOCUS_ERROR) from None
    if not all(math.isfinite(v) and -1.0 <= v <= 1.0 for v in (x, y)):
        raise ValidationFailed(FOCUS_ERROR)
    return x, y


def media_not_found(ids: Sequence[int]) -> ValidationFailed:
    """Mastodon's answer for ids that are missing, someone else's or already used: one
    message for all three, so nobody learns whether another account's upload exists."""
    listed = ", ".join(str(i) for i in ids)
    return ValidationFailed(
        f"Validation failed: Media {listed} not found or already attached to another post"
    )


class MediaActions:
    def __init__(
        self,
        db: Database,
        storage: Storage,
        *,
        limits: images.Limits = images.Limits(),
        max_attachments: int = 9,
    ) -> None:
        self.db = db
        self.storage = storage
        self.limits = limits
        self.max_attachments = max_attachments
        self._decoding = asyncio.Semaphore(DECODE_CONCURRENCY)

    async def do_upload(
        self,
        account_id: int,
        data: bytes,
        *,
        description: str | None = None,
        focus: str | None = None,
    ) -> MediaAttachment:
        description = check_description(description)
        point = parse_focus(focus) or (0.0, 0.0)
        # Decoding a large picture takes a while: never on the event loop.
        async with self._decoding:
            picture = await asyncio.to_thread(images.process, data, self.limits)
        file_key, preview_key = new_keys(picture.original.extension)
        media = MediaAttachment(
            id=new_id(),
            account_id=account_id,
            type=picture.type,
            content_type=picture.original.content_type,
            file_key=file_key,
            preview_key=preview_key,
            file_size=len(picture.original.data),
            width=picture.original.width,
            height=picture.original.height,
            preview_width=picture.preview.width,
            preview_height=picture.preview.height,
            blurhash=picture.blurhash,
            description=description or None,
            focus_x=point[0],
            focus_y=point[1],
            created_at=utcnow(),
        )
        saved = False
        try:
            await self.storage.put(file_key, picture.original.data, picture.original.content_type)
            await self.storage.put(preview_key, picture.preview.data, picture.preview.content_type)
            async with self.db.transaction() as session:
                await store.add(session, media)
            saved = True
        finally:
            if not saved:  # the row failed (or the second file): no files without a row
                await delete_quietly(self.storage, [file_key, preview_key])
        return media

    async def put_fitted(self, data: bytes, size: tuple[int, int]) -> str:
        """A profile picture: checked, cleaned and cropped to `size` (images.fit), written to
        storage; answers its key. The caller saves the key in its own transaction and, if that
        fails, removes the file with `discard` (files first, row second, as for uploads)."""
        async with self._decoding:
            picture = await asyncio.to_thread(images.fit, data, size, self.limits)
        key, _unused = new_keys(picture.extension)
        await self.storage.put(key, picture.data, picture.content_type)
        return key

    async def discard(self, keys: list[str]) -> None:
        """Remove files no row will name (a failed write); failures are only logged."""
        await delete_quietly(self.storage, keys)

    def delete_on_commit(self, session: AsyncSession, keys: list[str]) -> None:
        """Remove files once the transaction that stopped naming them commits."""
        if keys:
            self._delete_files_on_commit(session, keys)

    async def do_update(
        self,
        account_id: int,
        media_id: int,
        *,
        description: str | None = None,
        focus: str | None = None,
    ) -> MediaAttachment:
        """Describe an upload or move its focal point. As on Mastodon, only before it is
        posted: a posted one is not found (a scheduled status's may still change)."""
        description = check_description(description)
        point = parse_focus(focus)
        async with self.db.transaction() as session:
            media = await store.get_own(session, account_id, media_id)
            if media is None or media.status_id is not None:
                raise NotFound()
            if description is not None:
                media.description = description or None
            if point is not None:
                media.focus_x, media.focus_y = point
            await session.flush()
            return media

    async def do_delete(self, account_id: int, media_id: int) -> None:
        """Delete an upload no status has taken; its files go once the row is gone. One that
        a status (or a scheduled status) uses is refused with Mastodon's message."""
        async with self.db.transaction() as session:
            media = await store.get_own(session, account_id, media_id)
            if media is None:
                raise NotFound()
            if media.status_id is not None or media.scheduled_status_id is not None:
                raise ValidationFailed("Media attachment is currently used by a status")
            keys = await store.delete_unattached(session, account_id, media_id)
            if keys is None:  # a racing post took it meanwhile
                raise ValidationFailed("Media attachment is currently used by a status")
            self._delete_files_on_commit(session, list(keys))

    def check_count(self, media_ids: Sequence[int]) -> None:
        if len(set(media_ids)) > self.max_attachments:
            raise ValidationFailed(
                f"Validation failed: Cannot attach more than {self.max_attachments} files"
            )

    async def attach(
        self, session: AsyncSession, account_id: int, status_id: int, media_ids: Sequence[int]
    ) -> None:
        """Inside the posting transaction: the author's own unattached uploads become the
        status's, in the order given. Any other id fails the whole post."""
        await self._take(session, account_id, media_ids, status_id, store.attach)

    async def reserve(
        self, session: AsyncSession, account_id: int, scheduled_id: int, media_ids: Sequence[int]
    ) -> None:
        """Inside the scheduling transaction: the uploads wait with the scheduled status (and
        are not cleaned up meanwhile). When it is posted they are released and attached."""
        await self._take(session, account_id, media_ids, scheduled_id, store.reserve)

    async def release(self, session: AsyncSession, scheduled_id: int) -> None:
        await store.release(session, scheduled_id)

    async def _take(
        self,
        session: AsyncSession,
        account_id: int,
        media_ids: Sequence[int],
        owner_id: int,
        take: Callable[[AsyncSession, int, int, int, int], Awaitable[bool]],
    ) -> None:
        self.check_count(media_ids)
        ordered = list(dict.fromkeys(media_ids))
        free = await store.unattached_among(session, account_id, ordered)
        missing = [media_id for media_id in ordered if media_id not in free]
        if missing:
            raise media_not_found(missing)
        for position, media_id in enumerate(ordered):
            # Checked again by the UPDATE itself: a racing post may have taken it meanwhile.
            if not await take(session, account_id, media_id, owner_id, position):
                raise media_not_found([media_id])

    async def replace(
        self, session: AsyncSession, account_id: int, status_id: int, media_ids: Sequence[int]
    ) -> None:
        """Inside an edit: the status's pictures become `media_ids`, in that order. Its own
        may stay or move; new ones must be the author's unattached uploads; those left out
        are deleted (files after commit), since edit history keeps text only."""
        self.check_count(media_ids)
        ordered = list(dict.fromkeys(media_ids))
        current = set(await store.ids_of_status(session, status_id))
        new = [media_id for media_id in ordered if media_id not in current]
        free = await store.unattached_among(session, account_id, new)
        missing = [media_id for media_id in new if media_id not in free]
        if missing:
            raise media_not_found(missing)
        keys = await store.delete_from_status(session, status_id, current - set(ordered))
        for position, media_id in enumerate(ordered):
            if media_id in current:
                await store.move(session, media_id, status_id, position)
            elif not await store.attach(session, account_id, media_id, status_id, position):
                raise media_not_found([media_id])
        if keys:
            self._delete_files_on_commit(session, keys)

    async def forget_status(self, session: AsyncSession, status_id: int) -> None:
        """Inside a status's deletion: its attachments go with it, their files after commit."""
        keys = await store.delete_of_status(session, status_id)
        if keys:
            self._delete_files_on_commit(session, keys)

    def _delete_files_on_commit(self, session: AsyncSession, keys: list[str]) -> None:
        storage = self.storage

        async def remove() -> None:
            await delete_quietly(storage, keys)

        on_commit(session, remove)

    async def sweep(self, now: datetime) -> int:
        """Remove uploads nobody attached within a day; returns how many. Safe to run in
        several processes at once (the DELETE checks each row again)."""
        before = now - UNATTACHED_TTL
        removed = 0
        while True:
            async with self.db.session() as session:
                stale = await store.stale_ids(session, before, SWEEP_BATCH)
            if not stale:
                return removed
            async with self.db.transaction() as session:
                keys = await store.delete_stale(session, stale, before)
            await delete_quietly(self.storage, keys)
            removed += len(keys) // 2
            if len(stale) < SWEEP_BATCH:
                return removed
