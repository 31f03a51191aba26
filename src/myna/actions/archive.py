"""An account's archive (docs/data.md): asking for one, the job that builds it, and the sweep
that deletes old ones.

Asking records a pending row (replacing the account's previous archive, whose file is deleted
after commit) and pushes the job. The job claims the row, reads the account's data in
bounded batches into a zip in a temporary file (statuses as an outbox, profile, likes,
bookmarks, Mastodon's CSVs, then the pictures), stores it, and marks the row done with the
zip's key and size. A job that dies leaves the row running without moving; the sweep takes it
up again, and deletes archives older than a week."""

import asyncio
import logging
import tempfile
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from myna.actions import archive_formats as formats
from myna.backends.archive_files import KEEP, ArchiveFiles, new_archive_key
from myna.backends.background import Background
from myna.db.database import Database, on_commit
from myna.lib.clock import utcnow
from myna.lib.errors import NotFound
from myna.lib.ids import new_id
from myna.models import Account, ArchiveExport, Bookmark, Favourite, JobState, Status
from myna.policy.visibility import visible_filter
from myna.store import accounts as account_store
from myna.store import archive as store
from myna.store import media as media_store

log = logging.getLogger("myna.archives")

JOB = "build_archive"
BATCH = 500  # statuses per query
KEPT_BATCH = 2000  # likes or bookmarks per query
# A pending export not claimed by then, or a running one not moved by then, lost its job.
PENDING_GRACE = timedelta(minutes=5)
STALL = timedelta(minutes=15)
UNFINISHED = (JobState.PENDING, JobState.RUNNING)

Entry = tuple[str, str]  # (path in the zip, storage key)


class ArchiveActions:
    def __init__(
        self, db: Database, files: ArchiveFiles, background: Background, uris: formats.Uris
    ) -> None:
        self.db = db
        self.files = files
        self.background = background
        self.uris = uris

    async def do_request(self, account_id: int) -> ArchiveExport:
        """A new archive, replacing the last one; while one is being made, that one."""
        now = utcnow()
        async with self.db.transaction() as session:
            # One request per account at a time (PostgreSQL; SQLite writes are serial).
            if await account_store.get_for_update(session, account_id) is None:
                raise NotFound()
            current = await store.export_of(session, account_id)
            if current is not None and current.state in UNFINISHED:
                return current
            if current is not None:
                await store.delete_export(session, current.id)
            export = ArchiveExport(
                id=new_id(),
                account_id=account_id,
                state=JobState.PENDING,
                file_key=None,
                size=0,
                created_at=now,
                updated_at=now,
            )
            await store.add_export(session, export)
            old_key = current.file_key if current is not None else None
            on_commit(session, lambda: self._after_request(export.id, old_key))
        return export

    async def _after_request(self, export_id: int, old_key: str | None) -> None:
        if old_key:
            await self.files.delete_archives([old_key])
        await self.background.push(JOB, export_id)

    # The job ----------------------------------------------------------------------------------

    async def build(self, export_id: int) -> None:
        """The job: idempotent (a second run finds the row claimed, or finished, and stops)."""
        async with self.db.transaction() as session:
            if not await store.claim_export(session, export_id, utcnow()):
                return
            export = await store.get_export(session, export_id)
        assert export is not None
        try:
            key, size = await self._build(export)
        except Exception:
            log.exception("archive %d failed", export_id)
            async with self.db.transaction() as session:
                await store.finish_export(session, export_id, JobState.FAILED, utcnow(), None, 0)
            return
        async with self.db.transaction() as session:
            kept = await store.finish_export(session, export_id, JobState.DONE, utcnow(), key, size)
        if not kept:  # the row went meanwhile (the account was deleted)
            await self.files.delete_archives([key])

    async def _build(self, export: ArchiveExport) -> tuple[str, int]:
        async with self.db.session() as session:
            account = await account_store.get(session, export.account_id)
            newest = await store.newest_status_id(session, export.account_id)
        if account is None:
            raise NotFound()
        with tempfile.TemporaryDirectory(prefix="myna-archive-") as folder:
            path = Path(folder) / "archive.zip"
            archive = await asyncio.to_thread(
                zipfile.ZipFile, path, "w", zipfile.ZIP_DEFLATED, allowZip64=True
            )
            try:
                await self._write(archive, export, account, newest)
            finally:
                await asyncio.to_thread(archive.close)
            key = new_archive_key()
            size = path.stat().st_size
            await self.files.put_archive(key, path)
        return key, size

    async def _write(
        self, archive: zipfile.ZipFile, export: ArchiveExport, account: Account, newest: int
    ) -> None:
        uris = self.uris
        media = await self._write_outbox(archive, export.id, account, newest)
        await _put(archive, "actor.json", orjson.dumps(formats.actor(account, uris)))
        likes = await self._kept(Favourite, account.id)
        bookmarks = await self._kept(Bookmark, account.id)
        await _put(archive, "likes.json", orjson.dumps(formats.collection("likes.json", likes)))
        bookmarks_json = formats.collection("bookmarks.json", bookmarks)
        await _put(archive, "bookmarks.json", orjson.dumps(bookmarks_json))
        async with self.db.session() as session:
            following = await store.following(session, account.id)
            blocked = await store.blocked(session, account.id)
            muted = await store.muted(session, account.id)
            lists = await store.list_members(session, account.id)
        csvs = {
            "following_accounts.csv": formats.following_csv(uris, following),
            "blocked_accounts.csv": formats.blocked_csv(uris, blocked),
            "muted_accounts.csv": formats.muted_csv(uris, muted),
            "lists.csv": formats.lists_csv(uris, lists),
            "bookmarks.csv": formats.bookmarks_csv(bookmarks),
        }
        for name, text in csvs.items():
            await _put(archive, name, text.encode())
        pictures = [
            (formats.media_path(kind, key), key)
            for kind, key in (("avatars", account.avatar_key), ("headers", account.header_key))
            if key
        ]
        await self._write_media(archive, export.id, [*pictures, *media])

    async def _write_outbox(
        self, archive: zipfile.ZipFile, export_id: int, account: Account, newest: int
    ) -> list[Entry]:
        """outbox.json, written item by item; the stored files its statuses attach."""
        media: list[Entry] = []
        handle = await asyncio.to_thread(archive.open, "outbox.json", "w", force_zip64=True)
        try:
            await _write_to(handle, formats.outbox_head())
            after, written = 0, 0
            while True:
                async with self.db.session() as session:
                    batch = await store.statuses_after(
                        session, account.id, after, newest, BATCH, visible_filter(account.id)
                    )
                    if not batch:
                        break
                    context = await _context(session, batch)
                chunk: list[bytes] = []
                for status in batch:
                    item = formats.activity(status, account.username, self.uris, context)
                    if item is None:
                        continue
                    chunk.append(orjson.dumps(item))
                    for attached in context.media.get(status.id, []):
                        media.append(
                            (formats.media_path("files", attached.file_key), attached.file_key)
                        )
                if chunk:
                    await _write_to(handle, (b"," if written else b"") + b",".join(chunk))
                    written += len(chunk)
                after = batch[-1].id
                await self._touch(export_id)
            await _write_to(handle, formats.outbox_tail(written))
        finally:
            await asyncio.to_thread(handle.close)
        return media

    async def _kept(self, model: type[Favourite] | type[Bookmark], account_id: int) -> list[str]:
        """The URIs of the statuses the account liked (or bookmarked) and may still see."""
        uris: list[str] = []
        after = 0
        while True:
            async with self.db.session() as session:
                rows = await store.kept_after(
                    session, model, account_id, after, KEPT_BATCH, visible_filter(account_id)
                )
            if not rows:
                return uris
            uris += [self.uris.status(author, status_id) for _row, status_id, author in rows]
            after = rows[-1][0]

    async def _write_media(
        self, archive: zipfile.ZipFile, export_id: int, entries: list[Entry]
    ) -> None:
        """The stored pictures, as they are (already compressed). A file that cannot be read
        is left out; the archive is still worth having."""
        seen: set[str] = set()
        for number, (name, key) in enumerate(entries, start=1):
            if name in seen:
                continue
            seen.add(name)
            data = await self.files.read_media(key)
            if data is None:
                log.warning("archive %d: %s is missing", export_id, key)
                continue
            await _put(archive, name, data, zipfile.ZIP_STORED)
            if number % BATCH == 0:
                await self._touch(export_id)

    async def _touch(self, export_id: int) -> None:
        async with self.db.transaction() as session:
            await store.touch_export(session, export_id, utcnow())

    # Housekeeping -----------------------------------------------------------------------------

    async def sweep(self, now: datetime) -> int:
        """Deletes archives older than a week; pushes again the jobs that were lost."""
        async with self.db.transaction() as session:
            keys = await store.delete_exports_before(session, now - KEEP)
            lost = await store.lost_exports(session, now, now - PENDING_GRACE, now - STALL)
        await self.files.delete_archives(keys)
        for export_id in lost:
            await self.background.push(JOB, export_id)
        return len(keys) + len(lost)


async def _context(session: AsyncSession, batch: list[Status]) -> formats.Context:
    ids = [status.id for status in batch]
    referred = {
        ref
        for status in batch
        for ref in (status.reblog_of_id, status.in_reply_to_id, status.quote_of_id)
        if ref is not None
    }
    replied_to = {s.in_reply_to_account_id for s in batch if s.in_reply_to_account_id is not None}
    groups = {s.group_id for s in batch if s.group_id is not None}
    return formats.Context(
        statuses=await store.statuses_with_authors(session, referred),
        usernames=await store.usernames(session, replied_to),
        mentions=await store.mentions_of(session, ids),
        tags=await store.tags_of(session, ids),
        media=await media_store.of_statuses(session, ids),
        groups=await store.group_handles(session, groups),
    )


async def _put(
    archive: zipfile.ZipFile, name: str, data: bytes, compression: int = zipfile.ZIP_DEFLATED
) -> None:
    await asyncio.to_thread(archive.writestr, name, data, compress_type=compression)


async def _write_to(handle: IO[bytes], data: bytes) -> None:
    await asyncio.to_thread(handle.write, data)
