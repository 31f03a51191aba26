"""Bookmarks, the caller's likes, and pins: statuses an account keeps for itself."""

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from myna.api.deps import account_of, container, scope
from myna.api.mastodon.statuses import render_one, renderer
from myna.api.openapi import doc
from myna.api.pagination import link_header, page_from
from myna.api.params import Params, path_id
from myna.api.responses import json_response
from myna.reads.collections import KeptPage
from myna.reads.tokens import Caller

router = APIRouter(prefix="/api/v1", tags=["bookmarks"])


def render_kept(request: Request, listing: KeptPage) -> Response:
    """A list of kept statuses, paged by the bookmark, like or pin ids."""
    return json_response(
        renderer(request).many(listing.bundle),
        headers=link_header(request, listing.cursor_ids),
    )


@router.get(
    "/bookmarks",
    **doc("Your bookmarks, newest first", returns="Status[]", scope="read:bookmarks", paged=True),
)
async def bookmarks(
    request: Request, caller: Caller = Depends(scope("read:bookmarks"))
) -> Response:
    params = await Params.read(request)
    listing = await container(request).collection_reads.bookmarks(
        account_of(caller).id, page_from(params)
    )
    return render_kept(request, listing)


@router.get(
    "/favourites",
    **doc(
        "The statuses you liked, newest like first",
        returns="Status[]",
        scope="read:favourites",
        paged=True,
    ),
)
async def favourites(
    request: Request, caller: Caller = Depends(scope("read:favourites"))
) -> Response:
    params = await Params.read(request)
    listing = await container(request).collection_reads.favourites(
        account_of(caller).id, page_from(params)
    )
    return render_kept(request, listing)


@router.post(
    "/statuses/{status_id}/bookmark", **doc("Bookmark", returns="Status", scope="write:bookmarks")
)
async def bookmark(
    request: Request, status_id: str, caller: Caller = Depends(scope("write:bookmarks"))
) -> Response:
    c = container(request)
    me = account_of(caller).id
    status = await c.collection_actions.do_bookmark(me, path_id(status_id))
    return render_one(request, await c.status_reads.bundle(me, [status]))


@router.post(
    "/statuses/{status_id}/unbookmark",
    **doc("Remove a bookmark", returns="Status", scope="write:bookmarks"),
)
async def unbookmark(
    request: Request, status_id: str, caller: Caller = Depends(scope("write:bookmarks"))
) -> Response:
    c = container(request)
    me = account_of(caller).id
    status = await c.collection_actions.do_unbookmark(me, path_id(status_id))
    return render_one(request, await c.status_reads.bundle(me, [status]))


@router.post(
    "/statuses/{status_id}/pin",
    **doc("Pin your status to your profile (at most 5)", returns="Status", scope="write:accounts"),
)
async def pin(
    request: Request, status_id: str, caller: Caller = Depends(scope("write:accounts"))
) -> Response:
    c = container(request)
    me = account_of(caller).id
    status = await c.collection_actions.do_pin(me, path_id(status_id))
    return render_one(request, await c.status_reads.bundle(me, [status]))


@router.post(
    "/statuses/{status_id}/unpin",
    **doc("Unpin your status", returns="Status", scope="write:accounts"),
)
async def unpin(
    request: Request, status_id: str, caller: Caller = Depends(scope("write:accounts"))
) -> Response:
    c = container(request)
    me = account_of(caller).id
    status = await c.collection_actions.do_unpin(me, path_id(status_id))
    return render_one(request, await c.status_reads.bundle(me, [status]))
