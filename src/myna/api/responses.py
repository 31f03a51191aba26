"""Responses as orjson bytes in an explicit Response: several times faster than FastAPI's
default encoder (see docs/architecture.md)."""

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

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
