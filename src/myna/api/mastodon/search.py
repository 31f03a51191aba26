"""/api/v2/search: statuses, accounts and hashtags (reads/search.py says how each is found)."""

from typing import Any

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from myna.api.deps import base_url, container, media_url, read_scope, viewer_id
from myna.api.mastodon.statuses import renderer
from myna.api.openapi import BOOL, ID, doc, text
from myna.api.params import Params
from myna.api.responses import json_response
from myna.api.schemas.accounts import render_account
from myna.api.schemas.tags import render_tags
from myna.lib.errors import Unauthorized, ValidationFailed
from myna.lib.paging import DEFAULT_LIMIT, MAX_LIMIT
from myna.reads.search import TYPES, SearchQuery
from myna.reads.tokens import Caller

router = APIRouter(prefix="/api/v2", tags=["search"])

Q_MAX = 500
OFFSET_MAX = 10_000

SEARCH_NOTES = (
    "Statuses are found by words (case-insensitive) and, in Chinese, Japanese and Korean, by "
    "any run of two or more characters inside a sentence (a single character works too); "
    "every part of the query must match. Results are ranked by relevance, recency and "
    "engagement among the newest matches and paged with `offset`; `max_id`/`min_id` move the "
    "window. Only what the caller may see is searched; unlisted statuses are left out (the "
    "caller's own excepted). Accounts: username prefix (exact username first, then by "
    "followers), then the words of usernames and display names, matched as statuses are "
    "(`爱吃` finds `小明爱吃面`), by followers. Hashtags: name prefix. Without a "
    "token, `offset` and `resolve` are refused (401), as on Mastodon."
)


@router.get(
    "/search",
    **doc(
        "Search statuses, accounts and hashtags",
        returns="Search",
        scope="read:search",
        anonymous=True,
        description=SEARCH_NOTES,
        query={
            "q": text("北京大学"),
            "type": {"type": "string", "enum": list(TYPES)},
            "resolve": BOOL,
            "following": BOOL,
            "account_id": ID,
            "exclude_unreviewed": BOOL,
            "max_id": ID,
            "min_id": ID,
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
            "offset": {"type": "integer", "minimum": 0, "maximum": OFFSET_MAX},
        },
        required=("q",),
    ),
)
async def search(
    request: Request, caller: Caller | None = Depends(read_scope("read:search"))
) -> Response:
    params = await Params.read(request)
    q = params.required_text("q", max_length=Q_MAX)
    kind = params.text("type")
    if kind is not None and kind != "" and kind not in TYPES:
        raise ValidationFailed(f"Validation failed: type must be one of {', '.join(TYPES)}")
    offset = params.integer("offset", default=0, minimum=0, maximum=OFFSET_MAX) or 0
    resolve = bool(params.flag("resolve", default=False))
    viewer = viewer_id(caller)
    if viewer is None and offset:
        raise Unauthorized("Search queries pagination is not supported without authentication")
    if viewer is None and resolve:
        raise Unauthorized(
            "Search queries that resolve remote resources are not supported without authentication"
        )
    params.flag("exclude_unreviewed")  # checked; every tag here counts as reviewed
    limit = params.integer("limit", default=DEFAULT_LIMIT, minimum=1) or DEFAULT_LIMIT
    query = SearchQuery(
        q=q,
        type=kind or None,
        following=bool(params.flag("following", default=False)),
        account_id=params.id("account_id"),
        max_id=params.id("max_id"),
        min_id=params.id("min_id"),
        offset=offset,
        limit=min(limit, MAX_LIMIT),
    )
    found = await container(request).search_reads.search(viewer, query)
    base, url = base_url(request), media_url(request)
    body: dict[str, Any] = {
        "accounts": [render_account(a, base, media_url=url) for a in found.accounts],
        "statuses": renderer(request).many(found.statuses),
        "hashtags": render_tags(found.hashtags, base),
    }
    return json_response(body)
