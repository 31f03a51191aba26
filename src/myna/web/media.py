"""Uploaded files, when they live in MYNA_MEDIA_DIR: /system/media/<key>.

Only names the storage made can be asked for (`ab/cd/<32 hex>[-small].ext`), so `..`, other
files and directories never reach the file system. A file never changes under its name, so
caches may keep it for a year. With a bucket, its public URL serves the files, and this path
redirects there: an address given before the bucket was known, or by a caller that had no
storage at hand, still leads to the picture."""

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from myna.backends.storage import CACHE_CONTROL, DirectoryStorage, content_type_of
from myna.lib.errors import NotFound
from myna.web.session import container

router = APIRouter(include_in_schema=False)


@router.api_route("/system/media/{key:path}", methods=["GET", "HEAD"])
async def media_file(request: Request, key: str) -> Response:
    storage = container(request).storage
    content_type = content_type_of(key)
    if not isinstance(storage, DirectoryStorage):
        if content_type is None:
            raise NotFound()
        return RedirectResponse(storage.url(key), status_code=302)
    path = storage.path_of(key)
    if path is None or content_type is None or not path.is_file():
        raise NotFound()
    return FileResponse(
        path,
        media_type=content_type,
        headers={
            "Cache-Control": CACHE_CONTROL,
            "X-Content-Type-Options": "nosniff",
            # Pictures only: nothing in them may run or load anything.
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
