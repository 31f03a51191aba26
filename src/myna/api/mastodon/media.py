"""/api/v1/media and /api/v2/media: upload a picture, read it back, describe it, delete it.

Pictures are processed while the request waits (a second or so at most), so both upload
endpoints answer 200 with a finished attachment, never 202."""

from fastapi import APIRouter, Depends
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message

from myna.api.deps import account_of, container, media_url, scope
from myna.api.openapi import MEDIA_CHANGE, UPLOAD, doc
from myna.api.params import Params, path_id
from myna.api.responses import json_response
from myna.api.schemas.media import render_media
from myna.lib.errors import ValidationFailed
from myna.lib.images import TOO_LARGE
from myna.reads.tokens import Caller

router = APIRouter(tags=["media"])

DESCRIPTION_PARAM_MAX = 10_000  # the action's own limit (1500) gives the real message
FORM_OVERHEAD = 64 * 1024  # multipart boundaries and the other fields around the file


async def _bounded(request: Request, cap: int) -> Request:
    """The request, its body at most `cap` bytes: refused from Content-Length before the body
    is read, or, for a chunked body without one, as soon as it grows past the cap."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit():
        if int(declared) > cap:
            raise ValidationFailed(TOO_LARGE)
        return request
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise ValidationFailed(TOO_LARGE)
        chunks.append(chunk)
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, replay)


async def _upload(request: Request, caller: Caller) -> Response:
    c = container(request)
    limit = c.settings.media_max_bytes
    request = await _bounded(request, limit + FORM_OVERHEAD)
    params = await Params.read(request)
    upload = params.raw("file")
    if not isinstance(upload, UploadFile):
        raise ValidationFailed("Validation failed: File can't be blank")
    data = await upload.read(limit + 1)  # one byte over the limit is enough to refuse
    media = await c.media_actions.do_upload(
        account_of(caller).id,
        data,
        description=params.text("description", max_length=DESCRIPTION_PARAM_MAX),
        focus=params.text("focus", max_length=100),
    )
    return json_response(render_media(media, media_url(request)))


@router.post(
    "/api/v2/media",
    **doc(
        "Upload a picture (processed at once: answers 200)",
        returns="MediaAttachment",
        scope="write:media",
        body=UPLOAD,
        required=("file",),
        upload=True,
        errors=(413,),
    ),
)
async def upload_v2(request: Request, caller: Caller = Depends(scope("write:media"))) -> Response:
    return await _upload(request, caller)


@router.post(
    "/api/v1/media",
    **doc(
        "Upload a picture (deprecated by Mastodon; same as v2)",
        returns="MediaAttachment",
        scope="write:media",
        body=UPLOAD,
        required=("file",),
        upload=True,
        errors=(413,),
    ),
)
async def upload_v1(request: Request, caller: Caller = Depends(scope("write:media"))) -> Response:
    return await _upload(request, caller)


@router.get(
    "/api/v1/media/{media_id}",
    **doc("Your upload, before it is posted", returns="MediaAttachment", scope="write:media"),
)
async def get_media(
    request: Request, media_id: str, caller: Caller = Depends(scope("write:media"))
) -> Response:
    media = await container(request).media_reads.own_unposted(
        account_of(caller).id, path_id(media_id)
    )
    return json_response(render_media(media, media_url(request)))


@router.put(
    "/api/v1/media/{media_id}",
    **doc(
        "Describe an upload or set its focal point",
        returns="MediaAttachment",
        scope="write:media",
        body=MEDIA_CHANGE,
    ),
)
async def update_media(
    request: Request, media_id: str, caller: Caller = Depends(scope("write:media"))
) -> Response:
    params = await Params.read(request)
    media = await container(request).media_actions.do_update(
        account_of(caller).id,
        path_id(media_id),
        description=params.text("description", max_length=DESCRIPTION_PARAM_MAX),
        focus=params.text("focus", max_length=100),
    )
    return json_response(render_media(media, media_url(request)))


@router.delete(
    "/api/v1/media/{media_id}", **doc("Delete an upload no status uses", scope="write:media")
)
async def delete_media(
    request: Request, media_id: str, caller: Caller = Depends(scope("write:media"))
) -> Response:
    await container(request).media_actions.do_delete(account_of(caller).id, path_id(media_id))
    return json_response({})
