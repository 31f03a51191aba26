"""Settings: the profile (name, bio, avatar and header), privacy, password, authorized
applications, blocked and muted accounts, the interface language, and the XMPP address linked
for instant messaging.

Each page is a plain form. A saved change answers 303 back to the page with `?saved=1`; a
rejected one answers the page again with the message, what was typed, and a 4xx status.
The actions validate; a rejection has written nothing."""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from myna.actions.accounts import (
    AVATAR_SIZE,
    DISPLAY_NAME_MAX,
    HEADER_SIZE,
    NOTE_MAX,
    PictureRefused,
)
from myna.actions.im_links import CODE_TTL
from myna.lib import images, passwords
from myna.lib.errors import NotFound, ValidationFailed
from myna.lib.ids import parse_id
from myna.lib.paging import Page
from myna.models import Account, ImLink, Visibility
from myna.policy.visibility import default_visibility_ok
from myna.reads.accounts import profile_pictures
from myna.web import data as data_settings
from myna.web import i18n, render, session
from myna.web.render import WebRoute
from myna.web.routes import remember_language
from myna.web.session import WEB_APP_NAME

router = APIRouter(include_in_schema=False, route_class=WebRoute)
router.include_router(data_settings.router)  # Your data: web/data.py

# The choices for new posts' default audience, as the policy allows them.
DEFAULT_VISIBILITIES = tuple(v for v in Visibility if default_visibility_ok(v))
LIST_SIZE = 40
FORM_OVERHEAD = 64 * 1024  # the profile form's text fields and multipart boundaries
TYPED_MAX = 1000  # what the IM forms show again of a rejected field


async def _page(
    request: Request, name: str, section: str, status: int = 200, **context: Any
) -> HTMLResponse:
    context.setdefault("error", None)
    context.setdefault("saved", request.query_params.get("saved") == "1")
    context.setdefault("min_length", passwords.MIN_LENGTH)
    return await render.render(request, name, status, section=section, **context)


def _saved(section: str) -> Response:
    return render.redirect(f"/settings/{section}?saved=1")


@router.get("/settings")
async def settings_index(request: Request) -> Response:
    await render.me(request)
    return render.redirect("/settings/profile")


# Profile


async def _profile_page(
    request: Request, me: Account, status: int = 200, **context: Any
) -> HTMLResponse:
    c = session.container(request)
    context.setdefault("display_name", me.display_name)
    context.setdefault("note", me.note)
    context.update(
        display_name_max=DISPLAY_NAME_MAX,
        note_max=NOTE_MAX,
        pictures=profile_pictures(me, c.storage.url),
        has_avatar=me.avatar_key is not None,
        has_header=me.header_key is not None,
        picture_mb=c.settings.media_max_bytes // (1024 * 1024),
        avatar_size=AVATAR_SIZE,
        header_size=HEADER_SIZE,
    )
    return await _page(request, "settings_profile.html", "profile", status, **context)


@router.get("/settings/profile")
async def profile_page(request: Request) -> Response:
    return await _profile_page(request, await render.me(request))


def _picture_error(_: Callable[[str], str], refused: PictureRefused, name: str, mb: int) -> str:
    """The refusal in the reader's words, naming the file that was refused."""
    if refused.reason == images.TOO_LARGE:
        return _("“%(name)s” is too large (at most %(mb)s MB).") % {"name": name, "mb": mb}
    if refused.reason == images.TOO_MANY_PIXELS:
        return _("“%(name)s” has too many pixels.") % {"name": name}
    return _("“%(name)s” could not be read as a picture.") % {"name": name}


@router.post("/settings/profile")
async def save_profile(request: Request) -> Response:
    """Name, bio and pictures change together or not at all: one action, one transaction."""
    me = await render.me(request)
    c = session.container(request)
    _ = render.translator(request)
    limit = c.settings.media_max_bytes
    mb = limit // (1024 * 1024)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > 2 * limit + FORM_OVERHEAD:
        # Refused before the body is read; the page cannot keep what was typed.
        error = _("The pictures are too large (at most %(mb)s MB each).") % {"mb": mb}
        return await _profile_page(request, me, 422, error=error)
    form = await render.form(request)
    display_name = render.text(form, "display_name")
    note = render.text(form, "note")
    uploads = {field: render.files(form, field)[:1] for field in ("avatar", "header")}
    pictures = {
        field: await found[0].read(limit + 1) if found else None for field, found in uploads.items()
    }
    try:
        await c.account_actions.do_update_credentials(
            me.id,
            display_name=display_name,
            note=note,
            avatar=pictures["avatar"],
            header=pictures["header"],
            remove_avatar=bool(form.get("remove_avatar")),
            remove_header=bool(form.get("remove_header")),
        )
    except PictureRefused as refused:
        name = uploads[refused.field][0].filename or "?"
        error = _picture_error(_, refused, name, mb)
        return await _profile_page(
            request, me, 422, error=error, display_name=display_name, note=note
        )
    except ValidationFailed as rejected:
        return await _profile_page(
            request, me, 422, error=_(rejected.message), display_name=display_name, note=note
        )
    return _saved("profile")


# Privacy


async def _privacy_page(
    request: Request, me: Account, status: int = 200, **context: Any
) -> HTMLResponse:
    return await _page(
        request,
        "settings_privacy.html",
        "privacy",
        status,
        visibilities=[v.value for v in DEFAULT_VISIBILITIES],
        locked=context.pop("locked", me.locked),
        discoverable=context.pop("discoverable", me.discoverable),
        chosen=context.pop("chosen", me.default_visibility),
        **context,
    )


@router.get("/settings/privacy")
async def privacy_page(request: Request) -> Response:
    return await _privacy_page(request, await render.me(request))


@router.post("/settings/privacy")
async def save_privacy(request: Request) -> Response:
    me = await render.me(request)
    form = await render.form(request)
    _ = render.translator(request)
    # Unticked boxes are absent from a form: the form always carries all three settings.
    locked, discoverable = bool(form.get("locked")), bool(form.get("discoverable"))
    chosen = render.text(form, "default_visibility")
    if chosen not in {v.value for v in DEFAULT_VISIBILITIES}:
        return await _privacy_page(
            request,
            me,
            422,
            error=_("Please choose who may see your posts by default."),
            locked=locked,
            discoverable=discoverable,
        )
    await session.container(request).account_actions.do_update_credentials(
        me.id, locked=locked, discoverable=discoverable, default_visibility=chosen
    )
    return _saved("privacy")


# Password


@router.get("/settings/password")
async def password_page(request: Request) -> Response:
    await render.me(request)
    return await _page(request, "settings_password.html", "password")


@router.post("/settings/password")
async def change_password(request: Request) -> Response:
    me = await render.me(request)
    form = await render.form(request)
    _ = render.translator(request)
    new = render.text(form, "new_password")
    error: str | None = None
    if new != render.text(form, "repeat_password"):
        error = _("The two new passwords do not match.")
    else:
        try:
            # The session's token stays valid: this browser remains signed in.
            await session.container(request).account_actions.do_change_password(
                me.id, render.text(form, "current_password"), new
            )
        except ValidationFailed as rejected:
            error = _(rejected.message)
    if error is not None:
        return await _page(request, "settings_password.html", "password", 422, error=error)
    return _saved("password")


# Authorized applications


@router.get("/settings/apps")
async def apps_page(request: Request) -> Response:
    caller = await render.signed_in(request)
    assert caller.account is not None
    apps = await session.container(request).account_reads.authorized_apps(caller.account.id)
    return await _page(
        request,
        "settings_apps.html",
        "apps",
        apps=apps,
        current_app_id=caller.app.id,
        web_app_name=WEB_APP_NAME,
    )


@router.post("/settings/apps/{app_id}/revoke")
async def revoke_app(request: Request, app_id: str) -> Response:
    """Signs the account out of one application: every live token it holds stops working.
    Revoking the web app itself signs this browser out too."""
    caller = await render.signed_in(request)
    assert caller.account is not None
    await render.form(request)
    wanted = parse_id(app_id)
    if wanted is None:
        raise NotFound()
    c = session.container(request)
    revoked = await c.app_actions.do_revoke_authorization(caller.account.id, wanted)
    if not revoked:
        raise NotFound()
    if caller.token.id in revoked:
        response = render.redirect("/")
        session.end(response)
        return response
    return render.redirect("/settings/apps?saved=1")


# Blocked and muted accounts


async def _people_page(request: Request, which: str) -> Response:
    me = await render.me(request)
    c = session.container(request)
    max_id = parse_id(request.query_params.get("max_id"))
    page = Page(max_id=max_id, limit=LIST_SIZE)
    listing = await (
        c.account_reads.blocks(me.id, page)
        if which == "blocks"
        else c.account_reads.mutes(me.id, page)
    )
    older = listing.cursor_ids[-1] if len(listing.cursor_ids) >= LIST_SIZE else None
    return await _page(
        request,
        "settings_people.html",
        which,
        listing=listing,
        paged=max_id is not None,
        older=f"/settings/{which}?max_id={older}" if older else None,
    )


@router.get("/settings/blocks")
async def blocks_page(request: Request) -> Response:
    return await _people_page(request, "blocks")


@router.get("/settings/mutes")
async def mutes_page(request: Request) -> Response:
    return await _people_page(request, "mutes")


# Language


@router.get("/settings/language")
async def language_page(request: Request) -> Response:
    await render.me(request)
    return await _page(request, "settings_language.html", "language")


@router.post("/settings/language")
async def save_language(request: Request) -> Response:
    """Remembers the language with the account and in this browser's cookie."""
    me = await render.me(request)
    form = await render.form(request)
    _ = render.translator(request)
    chosen = render.text(form, "locale")
    if chosen not in i18n.LOCALES:
        return await _page(
            request,
            "settings_language.html",
            "language",
            422,
            error=_("Please choose one of the languages."),
        )
    await session.container(request).account_actions.do_update_credentials(me.id, locale=chosen)
    response = _saved("language")
    remember_language(response, chosen)
    return response


# Instant messaging


async def _im_page(
    request: Request, me: Account, status: int = 200, **context: Any
) -> HTMLResponse:
    c = session.container(request)
    link: ImLink | None = await c.im_reads.link(me.id)
    context.setdefault("address", "")
    context.setdefault("code", "")
    context.setdefault("error_field", None)
    return await _page(
        request,
        "settings_im.html",
        "im",
        status,
        enabled=c.im_link_actions.enabled,
        link=link,
        linked=link is not None and link.confirmed_at is not None,
        my_address=f"{me.username.lower()}@{c.settings.xmpp_domain}",
        xmpp_domain=c.settings.xmpp_domain,
        rooms_domain=c.settings.xmpp_rooms_domain,
        code_minutes=int(CODE_TTL.total_seconds() // 60),
        **context,
    )


async def _im_refused(
    request: Request, me: Account, error: ValidationFailed | NotFound, **typed: str
) -> HTMLResponse:
    """The page again with the refusal: nothing was written, and what was typed is kept."""
    status = 404 if isinstance(error, NotFound) else 422
    field = next(iter(typed), None)
    return await _im_page(
        request,
        me,
        status,
        error=render.refusal(request, error.message),
        error_field=field,
        **typed,
    )


@router.get("/settings/im")
async def im_page(request: Request) -> Response:
    return await _im_page(request, await render.me(request))


@router.post("/settings/im")
async def start_im_link(request: Request) -> Response:
    """Asks for a link (or a new code): the gateway sends a code to the address."""
    me = await render.me(request)
    form = await render.form(request)
    address = render.text(form, "address")[:TYPED_MAX]
    try:
        await session.container(request).im_link_actions.do_start(me.id, address)
    except (ValidationFailed, NotFound) as refused:
        return await _im_refused(request, me, refused, address=address)
    return _saved("im")


@router.post("/settings/im/confirm")
async def confirm_im_link(request: Request) -> Response:
    me = await render.me(request)
    form = await render.form(request)
    code = render.text(form, "code")[:TYPED_MAX]
    try:
        await session.container(request).im_link_actions.do_confirm(me.id, code)
    except (ValidationFailed, NotFound) as refused:
        return await _im_refused(request, me, refused, code=code)
    return _saved("im")


@router.post("/settings/im/notify")
async def save_im_notify(request: Request) -> Response:
    me = await render.me(request)
    form = await render.form(request)
    # An unticked box is absent from the form: absent is "off".
    notify = bool(form.get("notify"))
    try:
        await session.container(request).im_link_actions.do_set_notify(me.id, notify)
    except (ValidationFailed, NotFound) as refused:
        return await _im_refused(request, me, refused)
    return _saved("im")


@router.post("/settings/im/unlink")
async def unlink_im(request: Request) -> Response:
    """Undoes a made link, or cancels one waiting for its code."""
    me = await render.me(request)
    await render.form(request)
    try:
        await session.container(request).im_link_actions.do_unlink(me.id)
    except (ValidationFailed, NotFound) as refused:
        return await _im_refused(request, me, refused)
    return _saved("im")
