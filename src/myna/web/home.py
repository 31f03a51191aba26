"""The front page: the landing page when signed out; the home timeline, with one's lists as
tabs, and the compose box when signed in.

The compose box is built here for every page that shows one (home, a list, a tag page, a
status page's comment box): its audience choices (public, unlisted, followers, one of my lists,
one of my groups, direct), the draft being written, and the checks that give a person a clear
message before anything is uploaded or written. statuses.py posts it."""

from dataclasses import dataclass, field, replace
from typing import Any

from fastapi import APIRouter
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from myna.actions.media import DESCRIPTION_MAX
from myna.actions.polls import NewPoll
from myna.actions.statuses import SPOILER_MAX, NewStatus
from myna.lib.errors import NotFound, ValidationFailed
from myna.lib.ids import parse_id
from myna.lib.paging import MAX_LIMIT, Page
from myna.lib.text import weibo_length
from myna.models import Account, AccountList, Visibility
from myna.reads.bundle import StatusBundle
from myna.reads.tokens import Caller
from myna.store.relations import Relations
from myna.web import discovery, render, session
from myna.web.render import WebRoute
from myna.web.routes import landing

router = APIRouter(include_in_schema=False, route_class=WebRoute)

PAGE_SIZE = 20
HOT_ON_HOME = 5
# The audiences a form may name without an id; lists and groups are "list:ID" / "group:ID".
PLAIN_AUDIENCES = {
    v.value: v
    for v in (Visibility.PUBLIC, Visibility.UNLISTED, Visibility.FOLLOWERS, Visibility.DIRECT)
}
LIST_PREFIX = "list:"
GROUP_PREFIX = "group:"
# Poll durations offered, in seconds; those outside the instance's limits are left out.
POLL_DURATIONS = (300, 1800, 3600, 6 * 3600, 86400, 3 * 86400, 7 * 86400)
DEFAULT_POLL_DURATION = 86400
TEXT_MAX_CHARS = 100_000  # far above any unit limit: only guards memory


@dataclass
class Draft:
    """What a person has typed into a compose box, kept when the post is refused."""

    text: str = ""
    spoiler_text: str = ""
    audience: str = ""
    in_reply_to_id: int | None = None
    quoted_status_id: int | None = None
    poll_options: list[str] = field(default_factory=list)
    poll_expires_in: int = DEFAULT_POLL_DURATION
    poll_multiple: bool = False
    descriptions: list[str] = field(default_factory=list)

    @property
    def has_poll(self) -> bool:
        return any(option.strip() for option in self.poll_options)


@dataclass
class ComposeBox:
    """Everything `_compose.html`'s `compose_box` renders."""

    draft: Draft
    audiences: list[tuple[str, str]]
    lists: list[AccountList]
    groups: list[tuple[int, str]]
    chosen: str
    limit: int
    units: int
    next: str
    idempotency_key: str
    max_pictures: int
    max_poll_options: int
    durations: list[tuple[int, str]]
    error: str | None = None
    quoted: StatusBundle | None = None
    reply: bool = False


def draft_from(form: FormData) -> Draft:
    expires = parse_id(render.text(form, "poll_expires_in"))
    return Draft(
        text=render.text(form, "status")[:TEXT_MAX_CHARS],
        spoiler_text=render.text(form, "spoiler_text")[:TEXT_MAX_CHARS],
        audience=render.text(form, "visibility")[:100],
        in_reply_to_id=parse_id(render.text(form, "in_reply_to_id")),
        quoted_status_id=parse_id(render.text(form, "quoted_status_id")),
        poll_options=[
            v[:TEXT_MAX_CHARS]
            for v in form.getlist("poll_options")[:MAX_LIMIT]
            if isinstance(v, str)
        ],
        poll_expires_in=expires if expires is not None else DEFAULT_POLL_DURATION,
        poll_multiple=bool(form.get("poll_multiple")),
        descriptions=[
            v.replace("\r\n", "\n")[:TEXT_MAX_CHARS]
            for v in form.getlist("media_description")[:MAX_LIMIT]
            if isinstance(v, str)
        ],
    )


def _durations(request: Request) -> list[tuple[int, str]]:
    _ = render.translator(request)
    names = {
        300: _("5 minutes"),
        1800: _("30 minutes"),
        3600: _("1 hour"),
        6 * 3600: _("6 hours"),
        86400: _("1 day"),
        3 * 86400: _("3 days"),
        7 * 86400: _("7 days"),
    }
    s = session.container(request).settings
    return [
        (seconds, names[seconds])
        for seconds in POLL_DURATIONS
        if s.min_poll_expiration <= seconds <= s.max_poll_expiration
    ]


async def compose_box(
    request: Request,
    account: Account,
    draft: Draft | None = None,
    *,
    next_: str = "/",
    error: str | None = None,
    reply: bool = False,
) -> ComposeBox:
    c = session.container(request)
    _ = render.translator(request)
    draft = draft or Draft()
    lists = await c.list_reads.mine(account.id)
    mine = await c.group_reads.mine(account.id, Page(limit=MAX_LIMIT))
    quoted = None
    if draft.quoted_status_id is not None:
        try:
            quoted = await c.status_reads.one(account.id, draft.quoted_status_id)
        except NotFound:
            draft.quoted_status_id = None
    plain = [
        (Visibility.PUBLIC.value, _("Public")),
        (Visibility.UNLISTED.value, _("Unlisted")),
        (Visibility.FOLLOWERS.value, _("Followers only")),
        (Visibility.DIRECT.value, _("Mentioned people only")),
    ]
    return ComposeBox(
        draft=draft,
        audiences=plain,
        lists=lists,
        groups=[(view.group.id, view.group.name) for view in mine.groups if view.role],
        chosen=draft.audience or account.default_visibility,
        limit=c.settings.max_status_units,
        units=weibo_length(draft.text) + weibo_length(draft.spoiler_text),
        next=next_,
        idempotency_key=render.idempotency_key(),
        max_pictures=c.settings.max_media_attachments,
        max_poll_options=c.settings.max_poll_options,
        durations=_durations(request),
        error=error,
        quoted=quoted,
        reply=reply,
    )


def _audience(request: Request, value: str) -> tuple[Visibility | None, int | None, int | None]:
    """(visibility, list id, group id) named by the audience picker."""
    _ = render.translator(request)
    if not value:
        return None, None, None
    if value in PLAIN_AUDIENCES:
        return PLAIN_AUDIENCES[value], None, None
    if value.startswith(LIST_PREFIX):
        list_id = parse_id(value.removeprefix(LIST_PREFIX))
        if list_id is not None:
            return Visibility.FOLLOWERS, list_id, None
    if value.startswith(GROUP_PREFIX):
        group_id = parse_id(value.removeprefix(GROUP_PREFIX))
        if group_id is not None:
            return Visibility.GROUP, None, group_id
    raise ValidationFailed(_("Please choose who may see the post."))


def _check_poll(request: Request, draft: Draft, pictures: int) -> NewPoll | None:
    _ = render.translator(request)
    if not draft.has_poll:
        return None
    s = session.container(request).settings
    options = [option.strip() for option in draft.poll_options if option.strip()]
    if pictures:
        raise ValidationFailed(_("A post can have pictures or a poll, not both."))
    if len(options) < 2:
        raise ValidationFailed(_("A poll needs at least two options."))
    if len(options) > s.max_poll_options:
        raise ValidationFailed(
            _("A poll can have at most %(n)s options.") % {"n": s.max_poll_options}
        )
    if any(len(option) > s.max_poll_option_chars for option in options):
        raise ValidationFailed(
            _("Each poll option can be at most %(n)s characters long.")
            % {"n": s.max_poll_option_chars}
        )
    if len(set(options)) != len(options):
        raise ValidationFailed(_("Two poll options are the same."))
    if draft.poll_expires_in not in dict(_durations(request)):
        raise ValidationFailed(_("Please choose how long the poll runs."))
    return NewPoll(
        options=tuple(options), expires_in=draft.poll_expires_in, multiple=draft.poll_multiple
    )


async def check_draft(
    request: Request, caller: Caller, draft: Draft, pictures: list[UploadFile]
) -> NewStatus:
    """The status the draft asks for, or ValidationFailed with a message for the person.
    Reads only: nothing is uploaded or written here."""
    c = session.container(request)
    _ = render.translator(request)
    me = caller.account
    assert me is not None
    visibility, list_id, group_id = _audience(request, draft.audience)
    limit = c.settings.max_status_units
    if len(pictures) > c.settings.max_media_attachments:
        raise ValidationFailed(
            _("You can add at most %(n)s pictures.") % {"n": c.settings.max_media_attachments}
        )
    for picture in pictures:
        if not (picture.content_type or "").startswith("image/"):
            raise ValidationFailed(
                _("“%(name)s” is not a picture.") % {"name": picture.filename or "?"}
            )
    if any(len(d) > DESCRIPTION_MAX for d in draft.descriptions):
        raise ValidationFailed(
            _("A picture description can be at most %(n)s characters long.")
            % {"n": DESCRIPTION_MAX}
        )
    if not draft.text.strip() and not pictures:
        raise ValidationFailed(_("Write something first: the post is empty."))
    units = weibo_length(draft.text) + weibo_length(draft.spoiler_text)
    if units > limit:
        raise ValidationFailed(
            _("The post is %(units)s units long; the limit is %(limit)s units.")
            % {"units": units, "limit": limit}
        )
    if len(draft.spoiler_text) > SPOILER_MAX:
        raise ValidationFailed(
            _("The content warning can be at most %(n)s characters long.") % {"n": SPOILER_MAX}
        )
    new = NewStatus(
        text=draft.text,
        visibility=visibility,
        in_reply_to_id=draft.in_reply_to_id,
        quoted_status_id=draft.quoted_status_id,
        group_id=group_id,
        list_id=list_id,
        spoiler_text=draft.spoiler_text.strip(),
        app_id=caller.app.id,
        poll=_check_poll(request, draft, len(pictures)),
    )
    # What the action checks without the database; the pictures count by their number here,
    # before any is uploaded.
    c.status_actions.check(replace(new, media_ids=tuple(range(1, len(pictures) + 1))))
    if list_id is not None:
        try:
            await c.list_reads.one(me.id, list_id)
        except NotFound:
            raise ValidationFailed(_("That list is not one of yours.")) from None
    if group_id is not None:
        try:
            view = await c.group_reads.one(me.id, group_id)
        except NotFound:
            view = None
        if view is None or not view.role:
            raise ValidationFailed(_("You are not a member of that group."))
    if draft.in_reply_to_id is not None:
        try:
            await c.status_reads.one(me.id, draft.in_reply_to_id)
        except NotFound:
            raise ValidationFailed(_("The post you are replying to is not available.")) from None
    if draft.quoted_status_id is not None:
        try:
            await c.status_reads.one(me.id, draft.quoted_status_id)
        except NotFound:
            raise ValidationFailed(_("The post you are quoting is not available.")) from None
    return new


async def home_page(
    request: Request,
    caller: Caller,
    *,
    list_id: int | None = None,
    max_id: int | None = None,
    status: int = 200,
    error: str | None = None,
    draft: Draft | None = None,
) -> HTMLResponse:
    c = session.container(request)
    account = caller.account
    assert account is not None
    page = Page(max_id=max_id, limit=PAGE_SIZE)
    lists = await c.list_reads.mine(account.id)
    current = None
    if list_id is not None:
        current = next((found for found in lists if found.id == list_id), None)
        if current is None:
            raise NotFound()
        bundle = await c.list_reads.timeline(account.id, list_id, page)
    else:
        bundle = await c.status_reads.home(account.id, page)
    base = f"/lists/{list_id}" if list_id is not None else "/"
    older = bundle.cursor_ids[-1] if len(bundle.cursor_ids) >= PAGE_SIZE else None
    context: dict[str, Any] = {
        "bundle": bundle,
        "lists": lists,
        "current": current,
        "base": base,
        "older": older,
        "paged": max_id is not None,
        "box": await compose_box(request, account, draft, next_=base, error=error),
        "media_url": c.storage.url,
    }
    if list_id is None and max_id is None:
        # The first page of home shows whom to follow and what is hot beside the timeline.
        context["suggested"] = await discovery.suggestions(request, account)
        context["hot"] = await c.trend_reads.tags(0, HOT_ON_HOME)
        context["no_relations"] = Relations()
    return await render.render(request, "home.html", status, **context)


@router.get("/")
async def front(request: Request) -> Response:
    caller = await render.caller(request)
    if caller is None:
        return await landing(request)
    draft = Draft(quoted_status_id=parse_id(request.query_params.get("quote")))
    return await home_page(request, caller, max_id=render.max_id(request), draft=draft)


@router.get("/lists/{list_id}")
async def list_timeline(request: Request, list_id: str) -> Response:
    caller = await render.signed_in(request)
    found = parse_id(list_id)
    if found is None:
        raise NotFound()
    return await home_page(request, caller, list_id=found, max_id=render.max_id(request))
