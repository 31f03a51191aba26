"""The notifications page, and the fragment the live layer inserts when one arrives.

Opening the newest page of all notifications moves the `notifications` marker (the same one
`POST /api/v1/markers` moves), which is what `unread_count` counts from: the badge goes to
zero. What is shown is `NotificationReads` as the viewer may see it."""

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from myna.lib.errors import NotFound
from myna.lib.paging import Page
from myna.models import NotificationType
from myna.web import render, session
from myna.web.render import WebRoute

router = APIRouter(include_in_schema=False, route_class=WebRoute)

PAGE_SIZE = 20
# Tabs: name -> the notification types shown (None: all).
TABS: dict[str, list[str] | None] = {"all": None, "mentions": [NotificationType.MENTION.value]}


@router.get("/notifications")
async def notifications(request: Request) -> Response:
    me = await render.me(request)
    c = session.container(request)
    tab = "mentions" if request.query_params.get("types") == "mention" else "all"
    max_id = render.max_id(request)
    page = await c.notification_reads.page(
        me.id, Page(max_id=max_id, limit=PAGE_SIZE), types=TABS[tab]
    )
    markers = await c.marker_reads.get(me.id, ["notifications"])
    last_read = markers[0].last_read_id if markers else 0
    unread: int | None = None
    newest = max(page.cursor_ids, default=0)
    if tab == "all" and max_id is None:
        # Seeing the newest of everything is reading it (a filtered tab has not shown it all).
        if newest > last_read:
            await c.marker_actions.do_save(me.id, {"notifications": newest})
        unread = 0
    older = page.cursor_ids[-1] if len(page.cursor_ids) >= PAGE_SIZE else None
    query = "types=mention&" if tab == "mentions" else ""
    context = {"unread": unread} if unread is not None else {}
    return await render.render(
        request,
        "notifications.html",
        page=page,
        tab=tab,
        last_read=last_read,
        paged=max_id is not None,
        older=f"/notifications?{query}max_id={older}" if older else None,
        **context,
    )


@router.get("/web/fragments/notifications/{notification_id}")
async def notification_fragment(request: Request, notification_id: str) -> Response:
    """One of the viewer's own notifications, rendered as on the page: what the live layer
    inserts at the top when a `notification` event arrives."""
    me = await render.me(request)
    wanted = render.path_id(notification_id)
    page = await session.container(request).notification_reads.one(me.id, wanted)
    if not page.notifications:
        raise NotFound()
    return await render.render(
        request, "_notification.html", page=page, last_read=0, unread=0, me=me
    )
