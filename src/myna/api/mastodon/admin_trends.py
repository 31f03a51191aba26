"""/api/v1/admin/trends: admins hide a tag, link or status from the trends (reject) or let it
trend again (approve). Hidden things stay what they were: posts are still posts."""

from typing import Any

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from myna.api.deps import account_of, base_url, container, staff_scope
from myna.api.mastodon.statuses import render_one
from myna.api.mastodon.trends import render_link
from myna.api.openapi import doc
from myna.api.params import path_id
from myna.api.responses import json_response
from myna.api.schemas.tags import render_tag
from myna.models import TrendKind
from myna.reads.tokens import Caller
from myna.reads.trends import AdminTagView

router = APIRouter(prefix="/api/v1/admin/trends", tags=["admin"])

READ = "admin:read"
WRITE = "admin:write"
ADMIN_ONLY = (403,)


def render_admin_tag(view: AdminTagView, base: str) -> dict[str, Any]:
    return {
        **render_tag(view.tag, base),
        "trendable": not view.hidden,
        "usable": True,
        "requires_review": False,
    }


@router.get(
    "/tags",
    **doc(
        "Admins: the trending tags, and those hidden from the trends (trendable false)",
        returns="AdminTag[]",
        scope=READ,
        errors=ADMIN_ONLY,
    ),
)
async def admin_tags(request: Request, caller: Caller = Depends(staff_scope(READ))) -> Response:
    found = await container(request).trend_reads.admin_tags(account_of(caller))
    base = base_url(request)
    return json_response([render_admin_tag(view, base) for view in found])


async def _tag_review(request: Request, caller: Caller, raw_id: str, hide: bool) -> Response:
    c = container(request)
    admin, tag_id = account_of(caller), path_id(raw_id)
    await c.trend_actions.do_review(admin.id, TrendKind.TAG, tag_id, hidden=hide)
    view = await c.trend_reads.admin_tag(admin, tag_id)
    return json_response(render_admin_tag(view, base_url(request)))


@router.post(
    "/tags/{tag_id}/reject",
    **doc("Admins: hide a tag from the trends", returns="AdminTag", scope=WRITE, errors=ADMIN_ONLY),
)
async def reject_tag(
    request: Request, tag_id: str, caller: Caller = Depends(staff_scope(WRITE))
) -> Response:
    return await _tag_review(request, caller, tag_id, hide=True)


@router.post(
    "/tags/{tag_id}/approve",
    **doc("Admins: let a tag trend again", returns="AdminTag", scope=WRITE, errors=ADMIN_ONLY),
)
async def approve_tag(
    request: Request, tag_id: str, caller: Caller = Depends(staff_scope(WRITE))
) -> Response:
    return await _tag_review(request, caller, tag_id, hide=False)


async def _link_review(request: Request, caller: Caller, raw_id: str, hide: bool) -> Response:
    c = container(request)
    admin, link_id = account_of(caller), path_id(raw_id)
    await c.trend_actions.do_review(admin.id, TrendKind.LINK, link_id, hidden=hide)
    return json_response(render_link(await c.trend_reads.admin_link(admin, link_id)))


@router.post(
    "/links/{link_id}/reject",
    **doc(
        "Admins: hide a link from the trends", returns="TrendLink", scope=WRITE, errors=ADMIN_ONLY
    ),
)
async def reject_link(
    request: Request, link_id: str, caller: Caller = Depends(staff_scope(WRITE))
) -> Response:
    return await _link_review(request, caller, link_id, hide=True)


@router.post(
    "/links/{link_id}/approve",
    **doc("Admins: let a link trend again", returns="TrendLink", scope=WRITE, errors=ADMIN_ONLY),
)
async def approve_link(
    request: Request, link_id: str, caller: Caller = Depends(staff_scope(WRITE))
) -> Response:
    return await _link_review(request, caller, link_id, hide=False)


async def _status_review(request: Request, caller: Caller, raw_id: str, hide: bool) -> Response:
    c = container(request)
    admin, status_id = account_of(caller), path_id(raw_id)
    await c.trend_actions.do_review(admin.id, TrendKind.STATUS, status_id, hidden=hide)
    return render_one(request, await c.status_reads.one(admin.id, status_id))


@router.post(
    "/statuses/{status_id}/reject",
    **doc(
        "Admins: hide a status from the trends", returns="Status", scope=WRITE, errors=ADMIN_ONLY
    ),
)
async def reject_status(
    request: Request, status_id: str, caller: Caller = Depends(staff_scope(WRITE))
) -> Response:
    return await _status_review(request, caller, status_id, hide=True)


@router.post(
    "/statuses/{status_id}/approve",
    **doc("Admins: let a status trend again", returns="Status", scope=WRITE, errors=ADMIN_ONLY),
)
async def approve_status(
    request: Request, status_id: str, caller: Caller = Depends(staff_scope(WRITE))
) -> Response:
    return await _status_review(request, caller, status_id, hide=False)
