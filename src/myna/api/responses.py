"""Responses as orjson bytes in an explicit Response: several times faster than FastAPI's
default encoder (see docs/architecture.md)."""

from collections.abc import AsyncIterator, Mapping
from typing import Any

import orjson
from starlette.responses import Response, StreamingResponse

JSON = "application/json; charset=utf-8"


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type=JSON, headers=headers)


def error_response(
    status: int,
    error: str,
    description: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {"error": error}
    if description:
        body["error_description"] = description
    body.update(extra)
    return json_response(body, status, headers)


def private_download(
    chunks: AsyncIterator[bytes], size: int, filename: str, media_type: str
) -> StreamingResponse:
    """A file only its owner may fetch (a data archive), streamed as an attachment and kept
    out of every cache."""
    return StreamingResponse(
        chunks,
        media_type=media_type,
        headers={
            "Content-Length": str(size),
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
