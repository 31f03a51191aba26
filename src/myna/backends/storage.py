"""Where uploaded files live: a directory served by the app (the default), or an S3-compatible
bucket served by whatever fronts it (MYNA_MEDIA_PUBLIC_URL).

Keys are names we make (`ab/cd/<random>.jpg`), never anything a client sent. The random part
is 128 bits, so a file's URL cannot be guessed: only the entities that show it reveal it."""

import asyncio
import contextlib
import logging
import os
import re
import secrets
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger("myna.storage")

CACHE_CONTROL = "public, max-age=31536000, immutable"
KEY_PATTERN = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}(?:-small)?\.(jpg|png|webp)$")
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
S3_DELETE_BATCH = 1000  # the most keys one DeleteObjects request takes


def new_keys(extension: str) -> tuple[str, str]:
    """A fresh (file, preview) key pair: `ab/cd/<32 hex>.ext` and `ab/cd/<32 hex>-small.ext`."""
    name = secrets.token_hex(16)
    stem = f"{name[:2]}/{name[2:4]}/{name}"
    return f"{stem}.{extension}", f"{stem}-small.{extension}"


def content_type_of(key: str) -> str | None:
    """The MIME type of a key we made, or None for anything else."""
    match = KEY_PATTERN.match(key)
    return CONTENT_TYPES[match.group(1)] if match else None


class Storage(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def delete(self, keys: Iterable[str]) -> None: ...

    def url(self, key: str) -> str: ...


class DirectoryStorage:
    """Files under one directory, served by the app at /system/media/<key>."""

    URL_PATH = "/system/media/"

    def __init__(self, root: str | Path, base_url: str) -> None:
        self.root = Path(root).resolve()
        self.base_url = base_url.rstrip("/")

    def url(self, key: str) -> str:
        return f"{self.base_url}{self.URL_PATH}{key}"

    def path_of(self, key: str) -> Path | None:
        """The file of a key we made, or None: anything else (`..`, absolute paths, other
        names) never reaches the file system."""
        if content_type_of(key) is None:
            return None
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            return None
        return path

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self.path_of(key)
        if path is None:
            raise ValueError(f"not a media key: {key!r}")
        await asyncio.to_thread(self._write, path, data)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        """Atomically: a reader sees the whole file or none (temp file, fsync, rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".tmp")
        renamed = False
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temp, 0o644)
            os.replace(temp, path)
            renamed = True
        finally:
            if not renamed:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temp)

    async def delete(self, keys: Iterable[str]) -> None:
        paths = [p for p in (self.path_of(k) for k in keys) if p is not None]
        if paths:
            await asyncio.to_thread(self._unlink, paths)

    @staticmethod
    def _unlink(paths: list[Path]) -> None:
        for path in paths:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


class S3Storage:
    """An S3-compatible bucket (AWS, MinIO, Garage, R2, ...). boto3 blocks, so every call
    runs in a worker thread; one client is shared (boto3 clients are thread-safe)."""

    def __init__(
        self,
        bucket: str,
        *,
        public_url: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
    ) -> None:
        import boto3  # only deployments that use a bucket pay for importing boto3

        self.bucket = bucket
        # Without a public URL (a CDN, the bucket's website), path-style on the endpoint.
        fallback = f"{(endpoint_url or 'https://s3.amazonaws.com').rstrip('/')}/{bucket}"
        self.public_url = (public_url or fallback).rstrip("/")
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None,
        )

    def url(self, key: str) -> str:
        return f"{self.public_url}/{key}"

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(
            self.client.put_object,
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            CacheControl=CACHE_CONTROL,
        )

    async def delete(self, keys: Iterable[str]) -> None:
        wanted = list(dict.fromkeys(keys))
        for start in range(0, len(wanted), S3_DELETE_BATCH):
            batch = wanted[start : start + S3_DELETE_BATCH]
            await asyncio.to_thread(
                self.client.delete_objects,
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
            )


async def delete_quietly(storage: Storage, keys: list[str]) -> None:
    """Remove files whose rows are gone. A failure leaves orphan files, never a failed
    request: the write that made them orphans already committed."""
    if not keys:
        return
    try:
        await storage.delete(keys)
    except Exception:
        log.exception("could not delete %d media files", len(keys))
