"""max_id / since_id / min_id / limit in, a `Link` header out (Mastodon's paging)."""

from urllib.parse import quote, urlencode

from starlette.requests import Request

from myna.api.params import Params
from myna.lib.paging import DEFAULT_LIMIT, MAX_LIMIT, Page


def page_from(params: Params, *, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> Page:
    limit = params.integer("limit", default=default, minimum=1) or default
    return Page(
        max_id=params.id("max_id"),
        since_id=params.id("since_id"),
        min_id=params.id("min_id"),
        limit=min(limit, maximum),
    )


def link_header(request: Request, cursor_ids: list[int]) -> dict[str, str]:
    """`next` pages to older items (max_id), `prev` to newer ones (min_id)."""
    if not cursor_ids:
        return {}
    keep = [
        (k, v)
        for k, v in request.query_params.multi_items()
        if k not in ("max_id", "since_id", "min_id")
    ]
    # The public base URL, and a percent-encoded path: headers are Latin-1 and tags are not.
    base = request.app.state.container.settings.base_url.rstrip("/") + quote(
        request.url.path, safe="/:@"
    )

    def url(extra: tuple[str, str]) -> str:
        return f"{base}?{urlencode([*keep, extra])}"

    next_url = url(("max_id", str(cursor_ids[-1])))
    prev_url = url(("min_id", str(cursor_ids[0])))
    return {"Link": f'<{next_url}>; rel="next", <{prev_url}>; rel="prev"'}
