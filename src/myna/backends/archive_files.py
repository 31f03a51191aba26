"""Archives in the storage backend, and the stored files an archive copies (docs/data.md).

`Storage` (backends/storage.py) writes pictures under names it serves to anyone who has the
URL. An archive is private: it lives beside them under `archives/<32 hex>.zip`, a name the
media route never serves (it answers only picture names), and is read back only by the
authenticated download routes, streamed in chunks. In a bucket, keep `archives/` out of public
access (a bucket policy on the prefix); the name is random either way."""

import asyncio
import contextlib
import logging
import re
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from myna.backends.storage import DirectoryStorage, S3Storage, Storage, content_type_of

log = logging.getLogger("myna.archives")

ARCHIVE_KEY = re.compile(r"^archives/[0-9a-f]{32}\.zip$")
CHUNK = 256 * 1024
KEEP = timedelta(days=7)  # how long an archive is kept (the housekeeping sweep deletes it)


def new_archive_key() -> str:
    return f"archives/{secrets.token_hex(16)}.zip"


@dataclass(frozen=True)
class StoredArchive:
    size: int
    chunks: AsyncIterator[bytes]


class ArchiveFiles:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    # Pictures that go into an archive -----------------------------------------------------

    async def read_media(self, key: str) -> bytes | None:
        """A stored picture's bytes, or None when it is gone (an archive goes without it)."""
        if content_type_of(key) is None:
            return None
        try:
            if isinstance(self.storage, DirectoryStorage):
                path = self.storage.path_of(key)
                return None if path is None else await asyncio.to_thread(path.read_bytes)
            if isinstance(self.storage, S3Storage):
                return await asyncio.to_thread(self._s3_read, self.storage, key)
        except FileNotFoundError:
            return None
        except Exception:
            log.warning("could not read %s for an archive", key, exc_info=True)
            return None
        return None

    @staticmethod
    def _s3_read(storage: S3Storage, key: str) -> bytes:
        answer = storage.client.get_object(Bucket=storage.bucket, Key=key)
        data: bytes = answer["Body"].read()
        return data

    # Archives ---------------------------------------------------------------------------------

    def _archive_path(self, key: str) -> Path:
        assert isinstance(self.storage, DirectoryStorage)
        if not ARCHIVE_KEY.match(key):
            raise ValueError(f"not an archive key: {key!r}")
        return self.storage.root / key

    async def put_archive(self, key: str, source: Path) -> None:
        """Store the zip at `source` (a local file, left in place) under `key`."""
        if isinstance(self.storage, S3Storage):
            s3 = self.storage
            await asyncio.to_thread(
                s3.client.upload_file,
                str(source),
                s3.bucket,
                key,
                ExtraArgs={"ContentType": "application/zip", "CacheControl": "private, no-store"},
            )
            return
        await asyncio.to_thread(self._copy_in, source, self._archive_path(key))

    @staticmethod
    def _copy_in(source: Path, target: Path) -> None:
        """Atomically, as the directory storage writes pictures: a reader sees all or none."""
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".tmp")
        try:
            with open(fd, "wb") as out, source.open("rb") as inp:
                shutil.copyfileobj(inp, out, CHUNK)
            Path(temp).chmod(0o600)
            Path(temp).replace(target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                Path(temp).unlink()

    async def open_archive(self, key: str) -> StoredArchive | None:
        """The archive's size and its bytes in chunks; None when the file is missing."""
        if isinstance(self.storage, S3Storage):
            s3 = self.storage
            try:
                head = await asyncio.to_thread(s3.client.head_object, Bucket=s3.bucket, Key=key)
            except Exception:
                return None
            return StoredArchive(int(head["ContentLength"]), self._s3_chunks(s3, key))
        path = self._archive_path(key)
        try:
            size = (await asyncio.to_thread(path.stat)).st_size
        except FileNotFoundError:
            return None
        return StoredArchive(size, self._file_chunks(path))

    @staticmethod
    async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
        handle = await asyncio.to_thread(path.open, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                yield chunk
        finally:
            handle.close()

    @staticmethod
    async def _s3_chunks(s3: S3Storage, key: str) -> AsyncIterator[bytes]:
        answer: Any = await asyncio.to_thread(s3.client.get_object, Bucket=s3.bucket, Key=key)
        body = answer["Body"]
        try:
            while chunk := await asyncio.to_thread(body.read, CHUNK):
                yield chunk
        finally:
            body.close()

    async def delete_archives(self, keys: Iterable[str]) -> None:
        """Remove archives whose rows are gone; a failure is logged (the rows already went)."""
        wanted = [key for key in keys if ARCHIVE_KEY.match(key)]
        if not wanted:
            return
        try:
            if isinstance(self.storage, S3Storage):
                await self.storage.delete(wanted)
            else:
                paths = [self._archive_path(key) for key in wanted]
                await asyncio.to_thread(_unlink, paths)
        except Exception:
            log.exception("could not delete %d archives", len(wanted))


def _unlink(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
