"""Settings › Delete account: a person deletes their account and everything of it, for good,
confirming with their password and by typing their username (actions/account_deletion.py does
the deleting; docs/moderation.md says what goes)."""

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from myna.lib.errors import ValidationFailed
from myna.web import render, session
from myna.web.render import WebRoute

router = APIRouter(include_in_schema=False, route_class=WebRoute)


async def _page(request: Request, status: int = 200, error: str | None = None) -> Response:
    return await render.render(
        request, "settings_delete.html", status, section="delete", error=error
    )


@router.get("/settings/delete")
async def delete_page(request: Request) -> Response:
    await render.me(request)
    return await _page(request)


@router.post("/settings/delete")
async def delete_account(request: Request) -> Response:
    me = await render.me(request)
    form = await render.form(request)
    _ = render.translator(request)
    if render.text(form, "username").strip().lower() != me.username.lower():
        return await _page(request, 422, _("Type your username to confirm."))
    try:
        await session.container(request).account_deletion.do_delete_own(
            me.id, render.text(form, "password")
        )
    except ValidationFailed:
        return await _page(request, 422, _("The password is not right."))
    response = render.redirect("/?deleted=1")
    session.end(response)
    return response
