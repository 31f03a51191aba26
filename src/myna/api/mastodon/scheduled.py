"""/api/v1/scheduled_statuses: one's posts waiting for their time (scheduled by posting with
`scheduled_at`, see statuses.py)."""

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from myna.api.deps import account_of, container, media_url, scope
from myna.api.openapi import DATETIME, doc
from myna.api.pagination import link_header, page_from
from myna.api.params import Params, path_id
from myna.api.responses import json_response
from myna.api.schemas.scheduled import render_scheduled
from myna.lib.errors import ValidationFailed
from myna.reads.tokens import Caller

router = APIRouter(prefix="/api/v1/scheduled_statuses", tags=["scheduled statuses"])


@router.get(
    "",
    **doc(
        "Your scheduled statuses, soonest id first",
        returns="ScheduledStatus[]",
        scope="read:statuses",
        paged=True,
    ),
)
async def list_scheduled(
    request: Request, caller: Caller = Depends(scope("read:statuses"))
) -> Response:
    params = await Params.read(request)
    page = await container(request).scheduled_reads.mine(
        account_of(caller).id, page_from(params, maximum=40)
    )
    return json_response(
        render_scheduled(page, media_url(request)),
        headers=link_header(request, [row.id for row in page.rows]),
    )


@router.get(
    "/{scheduled_id}",
    **doc("One of your scheduled statuses", returns="ScheduledStatus", scope="read:statuses"),
)
async def get_scheduled(
    request: Request, scheduled_id: str, caller: Caller = Depends(scope("read:statuses"))
) -> Response:
    page = await container(request).scheduled_reads.one(
        account_of(caller).id, path_id(scheduled_id)
    )
    return json_response(render_scheduled(page, media_url(request))[0])


@router.put(
    "/{scheduled_id}",
    **doc(
        "Move a scheduled status to another time",
        returns="ScheduledStatus",
        scope="write:statuses",
        body={"scheduled_at": DATETIME},
        required=("scheduled_at",),
    ),
)
async def reschedule(
    request: Request, scheduled_id: str, caller: Caller = Depends(scope("write:statuses"))
) -> Response:
    c = container(request)
    params = await Params.read(request)
    at = params.timestamp("scheduled_at")
    if at is None:
        raise ValidationFailed("Validation failed: scheduled_at can't be blank")
    me = account_of(caller).id
    await c.scheduled_actions.do_reschedule(me, path_id(scheduled_id), at)
    page = await c.scheduled_reads.one(me, path_id(scheduled_id))
    return json_response(render_scheduled(page, media_url(request))[0])


@router.delete("/{scheduled_id}", **doc("Cancel a scheduled status", scope="write:statuses"))
async def cancel(
    request: Request, scheduled_id: str, caller: Caller = Depends(scope("write:statuses"))
) -> Response:
    await container(request).scheduled_actions.do_cancel(
        account_of(caller).id, path_id(scheduled_id)
    )
    return json_response({})
