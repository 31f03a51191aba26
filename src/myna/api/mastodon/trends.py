"""/api/v1/trends: hot topics (热搜), the statuses and the links people are taking up now,
each scored against its own usual level (docs/api.md, "Hot topics"). Paged by offset."""

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from myna.api.deps import base_url, container, read_scope, viewer_id
from myna.api.mastodon.statuses import renderer
from myna.api.openapi import doc
from myna.api.params import Params
from myna.api.responses import json_response
from myna.api.schemas.tags import render_history, render_tags
from myna.reads.tokens import Caller
from myna.reads.trends import LinkView

router = APIRouter(prefix="/api/v1", tags=["trends"])

READ = "read:statuses"
OFFSET_MAX = 1000  # the rankings hold far fewer
PAGING = {
    "limit": {"type": "integer", "minimum": 1, "description": "How many (capped)"},
    "offset": {"type": "integer", "minimum": 0, "description": "Skip this many"},
}


def _window(params: Params, default: int, maximum: int) -> tuple[int, int]:
    limit = params.integer("limit", default=default, minimum=1) or default
    offset = params.integer("offset", default=0, minimum=0, maximum=OFFSET_MAX) or 0
    return offset, min(limit, maximum)


def render_link(link: LinkView) -> dict[str, Any]:
    """A PreviewCard with history. Nothing is fetched from the link (no request leaves the
    server on a post's behalf), so the card names the link by its host and path."""
    parts = urlsplit(link.url)
    host = parts.hostname or ""
    return {
        "id": str(link.id),
        "url": link.url,
        "title": (host + parts.path).rstrip("/") or link.url,
        "description": "",
        "type": "link",
        "author_name": "",
        "author_url": "",
        "provider_name": host,
        "provider_url": "",
        "html": "",
        "width": 0,
        "height": 0,
        "image": None,
        "embed_url": "",
        "blurhash": None,
        "history": render_history(link.history),
    }


async def _tags(request: Request, caller: Caller | None) -> Response:
    offset, limit = _window(await Params.read(request), 10, 20)
    found = await container(request).trend_reads.tags(offset, limit, viewer_id(caller))
    return json_response(render_tags(found, base_url(request)))


@router.get(
    "/trends/tags",
    **doc(
        "Trending tags and topics (热搜): used by many accounts now, far above their usual "
        "level; limit 10 by default, at most 20",
        returns="Tag[]",
        scope=READ,
        anonymous=True,
        query=PAGING,
    ),
)
async def trending_tags(
    request: Request, caller: Caller | None = Depends(read_scope(READ))
) -> Response:
    return await _tags(request, caller)


@router.get(
    "/trends",
    **doc(
        "Trending tags (the older path of /api/v1/trends/tags)",
        returns="Tag[]",
        scope=READ,
        anonymous=True,
        query=PAGING,
    ),
)
async def trends(request: Request, caller: Caller | None = Depends(read_scope(READ))) -> Response:
    return await _tags(request, caller)


@router.get(
    "/trends/statuses",
    **doc(
        "Trending public statuses: liked and reposted by many accounts now; limit 20 by "
        "default, at most 40",
        returns="Status[]",
        scope=READ,
        anonymous=True,
        query=PAGING,
    ),
)
async def trending_statuses(
    request: Request, caller: Caller | None = Depends(read_scope(READ))
) -> Response:
    offset, limit = _window(await Params.read(request), 20, 40)
    bundle = await container(request).trend_reads.statuses(viewer_id(caller), offset, limit)
    # Paged by offset: no max_id Link header.
    return json_response(renderer(request).many(bundle))


@router.get(
    "/trends/links",
    **doc(
        "Trending links: shared in public posts by many accounts now; limit 10 by default, "
        "at most 20",
        returns="TrendLink[]",
        scope=READ,
        anonymous=True,
        query=PAGING,
    ),
)
async def trending_links(
    request: Request, caller: Caller | None = Depends(read_scope(READ))
) -> Response:
    offset, limit = _window(await Params.read(request), 10, 20)
    found = await container(request).trend_reads.links(offset, limit)
    return json_response([render_link(link) for link in found])
