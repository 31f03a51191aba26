"""/api/v1/notifications."""

from typing import Any

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from myna.api.deps import account_of, base_url, container, media_url, scope
from myna.api.openapi import ID, NOTIFICATION_FILTERS, doc
from myna.api.pagination import link_header, page_from
from myna.api.params import Params, path_id
from myna.api.responses import json_response
from myna.api.schemas.enums import notification_types
from myna.api.schemas.notifications import render_notifications
from myna.lib.errors import NotFound, ValidationFailed
from myna.reads.notifications import NotificationPage
from myna.reads.tokens import Caller

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


def _render(request: Request, page: NotificationPage) -> list[dict[str, Any]]:
    return render_notifications(page, base_url(request), media_url(request))


@router.get(
    "",
    **doc(
        "Your notifications; filter with types[] / exclude_types[]",
        returns="Notification[]",
        scope="read:notifications",
        paged=True,
        query=NOTIFICATION_FILTERS,
    ),
)
async def list_notifications(
    request: Request, caller: Caller = Depends(scope("read:notifications"))
) -> Response:
    params = await Params.read(request)
    asked = params.strings("types")
    types = notification_types(asked)
    if asked and not types:  # only types this server never produces
        return json_response([])
    page = await container(request).notification_reads.page(
        account_of(caller).id,
        page_from(params, maximum=80),
        types=types or None,
        exclude_types=notification_types(params.strings("exclude_types")) or None,
        account_id=params.id("account_id"),
    )
    return json_response(_render(request, page), headers=link_header(request, page.cursor_ids))


@router.get(
    "/unread_count",
    **doc(
        "How many notifications arrived after the notifications marker",
        returns="UnreadCount",
        scope="read:notifications",
    ),
)
async def unread_count(
    request: Request, caller: Caller = Depends(scope("read:notifications"))
) -> Response:
    count = await container(request).notification_reads.unread_count(account_of(caller).id)
    return json_response({"count": count})


@router.post("/clear", **doc("Dismiss all notifications", scope="write:notifications"))
async def clear(
    request: Request, caller: Caller = Depends(scope("write:notifications"))
) -> Response:
    await container(request).notification_actions.do_clear(account_of(caller).id)
    return json_response({})


@router.post(
    "/dismiss",
    **doc(
        "Dismiss one notification (the older form, id in the body)",
        scope="write:notifications",
        body={"id": ID},
        required=("id",),
        errors=(404,),
    ),
)
async def dismiss_legacy(
    request: Request, caller: Caller = Depends(scope("write:notifications"))
) -> Response:
    params = await Params.read(request)
    notification_id = params.id("id")
    if notification_id is None:
        raise ValidationFailed("Validation failed: id can't be blank")
    await container(request).notification_actions.do_dismiss(account_of(caller).id, notification_id)
    return json_response({})


@router.get(
    "/{notification_id}",
    **doc("One notification", returns="Notification", scope="read:notifications"),
)
async def get_notification(
    request: Request, notification_id: str, caller: Caller = Depends(scope("read:notifications"))
) -> Response:
    page = await container(request).notification_reads.one(
        account_of(caller).id, path_id(notification_id)
    )
    rendered = _render(request, page)
    if not rendered:
        raise NotFound()
    return json_response(rendered[0])


@router.post(
    "/{notification_id}/dismiss", **doc("Dismiss one notification", scope="write:notifications")
)
async def dismiss(
    request: Request, notification_id: str, caller: Caller = Depends(scope("write:notifications"))
) -> Response:
    await container(request).notification_actions.do_dismiss(
        account_of(caller).id, path_id(notification_id)
    )
    return json_response({})
