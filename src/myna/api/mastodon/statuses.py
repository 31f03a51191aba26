"""/api/v1/statuses: post, read, delete, thread, repost and like."""

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from myna.actions.statuses import NewStatus
from myna.api.deps import (
    account_of,
    base_url,
    container,
    media_url,
    read_scope,
    scope,
    viewer_id,
)
from myna.api.mastodon.polls import poll_from
from myna.api.openapi import ID, NEW_STATUS, POST_NOTES, STATUS_OR_SCHEDULED, VISIBILITY, array, doc
from myna.api.pagination import link_header, page_from
from myna.api.params import Params, path_id
from myna.api.responses import json_response
from myna.api.schemas.accounts import render_account
from myna.api.schemas.enums import visibility_from_wire
from myna.api.schemas.scheduled import render_scheduled
from myna.api.schemas.statuses import StatusRenderer
from myna.reads.bundle import StatusBundle
from myna.reads.tokens import Caller

router = APIRouter(prefix="/api/v1/statuses", tags=["statuses"])

TEXT_MAX_CHARS = 100_000  # far above any unit limit: only guards memory


def renderer(request: Request) -> StatusRenderer:
    return StatusRenderer(base_url(request), media_url(request))


def render_page(request: Request, bundle: StatusBundle) -> Response:
    """A list of statuses with its Link header, paged from the page as read (before filters
    hid anything: a page they emptied still leads on)."""
    body = renderer(request).many(bundle)
    return json_response(body, headers=link_header(request, bundle.cursor_ids))


def render_one(request: Request, bundle: StatusBundle) -> Response:
    return json_response(renderer(request).first(bundle))


@router.post(
    "",
    **doc(
        "Post a status, a reply (in_reply_to_id) or a quote (quoted_status_id)",
        returns=STATUS_OR_SCHEDULED,
        scope="write:statuses",
        body=NEW_STATUS,
        errors=(404,),
        description=POST_NOTES,
    ),
)
async def post_status(
    request: Request, caller: Caller = Depends(scope("write:statuses"))
) -> Response:
    c = container(request)
    params = await Params.read(request)
    new = NewStatus(
        text=params.text("status", max_length=TEXT_MAX_CHARS) or "",
        visibility=visibility_from_wire(params.text("visibility")),
        in_reply_to_id=params.id("in_reply_to_id"),
        quoted_status_id=params.id("quoted_status_id"),
        group_id=params.id("group_id"),
        list_id=params.id("list_id"),
        spoiler_text=params.text("spoiler_text", max_length=TEXT_MAX_CHARS) or "",
        sensitive=bool(params.flag("sensitive", default=False)),
        language=params.text("language", max_length=64) or None,
        idempotency_key=request.headers.get("idempotency-key") or None,
        app_id=caller.app.id,
        poll=poll_from(params),
        media_ids=tuple(params.ids("media_ids")),
    )
    scheduled_at = params.timestamp("scheduled_at")
    if scheduled_at is not None:
        # Posted later by the housekeeping loop; the answer is a ScheduledStatus.
        me = account_of(caller).id
        row = await c.scheduled_actions.do_schedule(me, new, scheduled_at)
        page = await c.scheduled_reads.one(me, row.id)
        return json_response(render_scheduled(page, media_url(request))[0])
    status = await c.status_actions.do_post(account_of(caller).id, new)
    bundle = await c.status_reads.bundle(account_of(caller).id, [status])
    return render_one(request, bundle)


@router.get(
    "",
    **doc(
        "Several statuses by id[]",
        returns="Status[]",
        scope="read:statuses",
        anonymous=True,
        query={"id[]": array(ID)},
    ),
)
async def get_statuses(
    request: Request, caller: Caller | None = Depends(read_scope("read:statuses"))
) -> Response:
    params = await Params.read(request)
    ids = params.ids("id")[:40]
    bundle = await container(request).status_reads.many(viewer_id(caller), ids)
    return json_response(renderer(request).many(bundle))


@router.get(
    "/{status_id}", **doc("One status", returns="Status", scope="read:statuses", anonymous=True)
)
async def get_status(
    request: Request, status_id: str, caller: Caller | None = Depends(read_scope("read:statuses"))
) -> Response:
    bundle = await container(request).status_reads.one(viewer_id(caller), path_id(status_id))
    return render_one(request, bundle)


@router.delete(
    "/{status_id}",
    **doc(
        "Delete your status; answers with its source text", returns="Status", scope="write:statuses"
    ),
)
async def delete_status(
    request: Request, status_id: str, caller: Caller = Depends(scope("write:statuses"))
) -> Response:
    c = container(request)
    me = account_of(caller).id
    status = await c.status_actions.do_delete(me, path_id(status_id))
    bundle = await c.status_reads.bundle(me, [status])
    return json_response(renderer(request).deleted(bundle, status))


@router.get(
    "/{status_id}/context",
    **doc(
        "Ancestors and descendants the caller may see",
        returns="Context",
        scope="read:statuses",
        anonymous=True,
    ),
)
async def context(
    request: Request, status_id: str, caller: Caller | None = Depends(read_scope("read:statuses"))
) -> Response:
    ctx = await container(request).status_reads.context(viewer_id(caller), path_id(status_id))
    r = renderer(request)
    return json_response(
        {"ancestors": r.many(ctx.ancestors), "descendants": r.many(ctx.descendants)}
    )


@router.post(
    "/{status_id}/reblog",
    **doc("Repost", returns="Status", scope="write:statuses", body={"visibility": VISIBILITY}),
)
async def reblog(
    request: Request, status_id: str, caller: Caller = Depends(scope("write:statuses"))
) -> Response:
    c = container(request)
    params = await Params.read(request)
    me = account_of(caller).id
    status = await c.status_actions.do_reblog(
        me, path_id(status_id), visibility_from_wire(params.text("visibility"))
    )
    return render_one(request, await c.status_reads.bundle(me, [status]))


@router.post(
    "/{status_id}/unreblog", **doc("Undo a repost", returns="Status", scope="write:statuses")
)
async def unreblog(
    request: Request, status_id: str, caller: Caller = Depends(scope("write:statuses"))
) -> Response:
    c = container(request)
    me = account_of(caller).id
    status = await c.status_actions.do_unreblog(me, path_id(status_id))
    return render_one(request, await c.status_reads.bundle(me, [status]))


@router.post("/{status_id}/favourite", **doc("Like", returns="Status", scope="write:favourites"))
async def favourite(
    request: Request, status_id: str, caller: Caller = Depends(scope("write:favourites"))
) -> Response:
    c = container(request)
    me = account_of(caller).id
    status = await c.status_actions.do_favourite(me, path_id(status_id))
    return render_one(request, await c.status_reads.bundle(me, [status]))


@router.post(
    "/{status_id}/unfavourite", **doc("Undo a like", returns="Status", scope="write:favourites")
)
async def unfavourite(
    request: Request, status_id: str, caller: Caller = Depends(scope("write:favourites"))
) -> Response:
    c = container(request)
    me = account_of(caller).id
    status = await c.status_actions.do_unfavourite(me, path_id(status_id))
    return render_one(request, await c.status_reads.bundle(me, [status]))


@router.get(
    "/{status_id}/reblogged_by",
    **doc(
        "Who reposted it", returns="Account[]", scope="read:statuses", anonymous=True, paged=True
    ),
)
async def reblogged_by(
    request: Request, status_id: str, caller: Caller | None = Depends(read_scope("read:statuses"))
) -> Response:
    params = await Params.read(request)
    listing = await container(request).status_reads.reblogged_by(
        viewer_id(caller), path_id(status_id), page_from(params, maximum=80)
    )
    base = base_url(request)
    return json_response(
        [render_account(a, base) for a in listing.accounts],
        headers=link_header(request, listing.cursor_ids),
    )


@router.get(
    "/{status_id}/favourited_by",
    **doc("Who liked it", returns="Account[]", scope="read:statuses", anonymous=True, paged=True),
)
async def favourited_by(
    request: Request, status_id: str, caller: Caller | None = Depends(read_scope("read:statuses"))
) -> Response:
    params = await Params.read(request)
    listing = await container(request).status_reads.favourited_by(
        viewer_id(caller), path_id(status_id), page_from(params, maximum=80)
    )
    base = base_url(request)
    return json_response(
        [render_account(a, base) for a in listing.accounts],
        headers=link_header(request, listing.cursor_ids),
    )
