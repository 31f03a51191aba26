"""Direct messages as chats: the list of conversations, one conversation as a chat, writing
to people, and the live pieces both chats share (one message, a typing notice, a person with
their presence) that static/chat.js fetches as server-rendered HTML.

A direct message is a status with visibility `direct` addressed to its recipients by
@mentions, so the send boxes put the `@name`s in front of what the person typed, and the
bubbles leave them out again. Who may see which message is decided by the reads."""

import re
from typing import Any

from fastapi import APIRouter
from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from myna.actions.statuses import NewStatus
from myna.lib.errors import NotFound, ValidationFailed
from myna.lib.html import render_status
from myna.lib.paging import Page
from myna.lib.text import parse, unaddressed, weibo_length
from myna.models import Account, Status, Visibility
from myna.policy.groups import MANAGERS
from myna.reads.bundle import StatusBundle
from myna.reads.conversations import ConversationPage
from myna.reads.tokens import Caller
from myna.web import render, session
from myna.web.render import WebRoute

router = APIRouter(include_in_schema=False, route_class=WebRoute)

INBOX_PAGE = 20
CHAT_PAGE = 40
RECIPIENTS_MAX = 20
EXCERPT_CHARS = 60
# The header a page script sends when it posts a form with fetch and wants the new bubble
# back instead of a redirect to the whole page.

_NAME_SEPARATORS = re.compile(r"[\s,，、;；]+")


def _mentioned(status: Status, bundle: StatusBundle) -> list[Account]:
    ids = bundle.mentions.get(status.id, [])
    return [bundle.accounts[a] for a in ids if a in bundle.accounts]


def bodies(request: Request, bundle: StatusBundle) -> dict[int, Markup]:
    """The HTML of each direct message without the @names in front that address it."""
    base = session.container(request).settings.base_url
    out: dict[int, Markup] = {}
    for status in bundle.statuses:
        if status.conversation_id is None:
            continue
        mentioned = _mentioned(status, bundle)
        rest = unaddressed(status.text, {a.username_key for a in mentioned})
        if not rest or rest == status.text.strip():
            continue
        urls = {a.username_key: f"{base}/@{a.username}" for a in mentioned}
        out[status.id] = Markup(render_status(parse(rest), base_url=base, mention_urls=urls))
    return out


def excerpts(bundle: StatusBundle) -> dict[int, str]:
    """A line of each message's plain text for the list of conversations."""
    out = {}
    for status in bundle.statuses:
        names = {a.username_key for a in _mentioned(status, bundle)}
        line = " ".join((unaddressed(status.text, names) or status.text).split())
        out[status.id] = line if len(line) <= EXCERPT_CHARS else line[:EXCERPT_CHARS] + "…"
    return out


def check_message(request: Request, text: str, address: str) -> str:
    """The message as posted (`address` in front), or ValidationFailed in the reader's
    language when it is empty or too long."""
    _ = render.translator(request)
    if not text.strip():
        raise ValidationFailed(_("Write a message first: it is empty."))
    full = f"{address}{text}"
    limit = session.container(request).settings.max_status_units
    units = weibo_length(full)
    if units > limit:
        raise ValidationFailed(
            _("The message is %(units)s units long; the limit is %(limit)s.")
            % {"units": units, "limit": limit}
        )
    return full


def idempotency_key(form: FormData) -> str | None:
    return render.text(form, "idempotency_key")[:200] or None


async def bubbles(
    request: Request, viewer: Account, bundle: StatusBundle, *, moderator: bool = False
) -> HTMLResponse:
    """The fragment of chat bubbles for `bundle` (oldest first)."""
    return await render.render(
        request,
        "_message.html",
        bubbles_fragment=True,
        bundle=bundle,
        bodies=bodies(request, bundle),
        moderator=moderator,
        me=viewer,
        unread=0,
    )


def _names(request: Request, accounts: list[Account]) -> str:
    _ = render.translator(request)
    if not accounts:
        return _("Just you")
    return _(", ").join(a.display_name or a.username for a in accounts)


# The list of conversations and the "new message" form.


async def inbox_page(
    request: Request,
    viewer: Account,
    *,
    max_id: int | None = None,
    status: int = 200,
    error: str | None = None,
    to: str = "",
    draft: str = "",
) -> HTMLResponse:
    reads = session.container(request).conversation_reads
    page = await reads.page(viewer.id, Page(max_id=max_id, limit=INBOX_PAGE))
    older = page.cursor_ids[-1] if len(page.cursor_ids) >= INBOX_PAGE else None
    return await render.render(
        request,
        "messages.html",
        status,
        page=page,
        **_rows(page),
        older=older,
        paged=max_id is not None,
        error=error,
        to=to,
        draft=draft,
        idempotency_key=render.idempotency_key(),
    )


def _rows(page: ConversationPage) -> dict[str, Any]:
    statuses = page.statuses.statuses if page.statuses is not None else []
    lasts = {s.id: s for s in statuses}
    return {
        "lasts": lasts,
        "excerpts": excerpts(page.statuses) if page.statuses is not None else {},
    }


@router.get("/messages")
async def inbox(request: Request) -> Response:
    viewer = await render.me(request)
    return await inbox_page(request, viewer, max_id=render.max_id(request))


async def _recipients(request: Request, viewer: Account, raw: str) -> list[Account]:
    """The accounts named in a "to" field (usernames, with or without @), the viewer left
    out; ValidationFailed naming a name that is nobody's."""
    _ = render.translator(request)
    names: dict[str, str] = {}
    for part in _NAME_SEPARATORS.split(raw):
        name = part.strip().lstrip("@")
        if name:
            names.setdefault(name.lower(), name)
    if len(names) > RECIPIENTS_MAX:
        raise ValidationFailed(
            _("A message may go to at most %(n)s people.") % {"n": RECIPIENTS_MAX}
        )
    reads = session.container(request).account_reads
    found: list[Account] = []
    for name in names.values():
        try:
            account = await reads.lookup(name)
        except NotFound:
            raise ValidationFailed(
                _("There is nobody called @%(name)s here.") % {"name": name[:30]}
            ) from None
        if account.id != viewer.id and account.id not in {a.id for a in found}:
            found.append(account)
    if not found:
        raise ValidationFailed(_("Say who the message is for."))
    # A direct message never reaches anyone across a block (docs/streaming.md): say so
    # rather than start a conversation with nobody in it.
    relations = await reads.relations(viewer.id, [a.id for a in found])
    for account in found:
        if account.id in relations.blocking or account.id in relations.blocked_by:
            raise ValidationFailed(
                _("You cannot send direct messages to @%(name)s.") % {"name": account.username}
            )
    return found


async def new_chat_page(
    request: Request,
    viewer: Account,
    recipients: list[Account],
    *,
    status: int = 200,
    error: str | None = None,
    draft: str = "",
) -> HTMLResponse:
    c = session.container(request)
    online = set(await c.conversation_reads.partners_online(viewer.id))
    return await render.render(
        request,
        "messages_chat.html",
        status,
        conversation_id=None,
        names=_names(request, recipients),
        partners=recipients,
        online=online,
        bundle=StatusBundle(viewer_id=viewer.id, statuses=[]),
        bodies={},
        action="/web/messages",
        to=" ".join(a.username for a in recipients),
        draft=draft,
        error=error,
        older_url="",
        newest_url="",
        read_url="",
        idempotency_key=render.idempotency_key(),
    )


@router.get("/messages/new")
async def new_chat(request: Request) -> Response:
    """A chat with the people in `?to=` (linked from profiles): their conversation with the
    viewer if there is one, else an empty chat whose first message starts it."""
    viewer = await render.me(request)
    raw = request.query_params.get("to", "")
    if not raw.strip():
        return render.redirect("/messages")
    try:
        recipients = await _recipients(request, viewer, raw[:1000])
    except ValidationFailed as rejected:
        return await inbox_page(request, viewer, status=422, error=rejected.message, to=raw[:1000])
    reads = session.container(request).conversation_reads
    existing = await reads.between(viewer.id, [a.id for a in recipients])
    if existing is not None:
        return render.redirect(f"/messages/{existing}")
    return await new_chat_page(request, viewer, recipients)


@router.post("/web/messages")
async def send_new(request: Request) -> Response:
    """The first message to some people (or the next one, if they already share a
    conversation): a direct status addressed to them; then their conversation."""
    caller = await render.signed_in(request)
    viewer = caller.account
    assert viewer is not None
    form = await render.form(request)
    raw_to = render.text(form, "to")[:1000]
    text = render.text(form, "text")
    from_chat = render.text(form, "next").startswith("/messages/new")
    recipients: list[Account] = []
    try:
        recipients = await _recipients(request, viewer, raw_to)
        address = "".join(f"@{a.username} " for a in recipients)
        full = check_message(request, text, address)
        posted = await _post_direct(request, caller, full, idempotency_key(form))
    except ValidationFailed as rejected:
        if from_chat and recipients:
            return await new_chat_page(
                request, viewer, recipients, status=422, error=rejected.message, draft=text
            )
        return await inbox_page(
            request, viewer, status=422, error=rejected.message, to=raw_to, draft=text
        )
    if posted.conversation_id is None:
        return render.redirect("/messages")
    return render.redirect(f"/messages/{posted.conversation_id}")


async def _post_direct(request: Request, caller: Caller, text: str, key: str | None) -> Status:
    assert caller.account is not None
    new = NewStatus(
        text=text, visibility=Visibility.DIRECT, idempotency_key=key, app_id=caller.app.id
    )
    return await session.container(request).status_actions.do_post(caller.account.id, new)


# One conversation.


async def chat_page(
    request: Request,
    viewer: Account,
    conversation_id: int,
    *,
    max_id: int | None = None,
    status: int = 200,
    error: str | None = None,
    draft: str = "",
) -> HTMLResponse:
    c = session.container(request)
    found = await c.conversation_reads.messages(
        viewer.id, conversation_id, Page(max_id=max_id, limit=CHAT_PAGE)
    )
    if found.conversation.unread and max_id is None:
        await c.conversation_actions.do_read(viewer.id, conversation_id)
    online = set(await c.conversation_reads.partners_online(viewer.id))
    partners = [found.accounts[a] for a in found.conversation.account_ids if a in found.accounts]
    shown = found.messages.statuses
    here = f"/messages/{conversation_id}"
    return await render.render(
        request,
        "messages_chat.html",
        status,
        conversation_id=conversation_id,
        names=_names(request, partners),
        partners=partners,
        online=online,
        bundle=found.messages,
        bodies=bodies(request, found.messages),
        action=f"/web/messages/{conversation_id}",
        to="",
        draft=draft,
        error=error,
        older_url=f"{here}?max_id={shown[-1].id}" if len(shown) >= CHAT_PAGE else "",
        newest_url=here if max_id is not None else "",
        read_url=f"/web/messages/{conversation_id}/read",
        idempotency_key=render.idempotency_key(),
    )


@router.get("/messages/{conversation_id}")
async def conversation(request: Request, conversation_id: str) -> Response:
    viewer = await render.me(request)
    return await chat_page(
        request,
        viewer,
        render.path_id(conversation_id),
        max_id=render.max_id(request),
    )


@router.post("/web/messages/{conversation_id}")
async def send(request: Request, conversation_id: str) -> Response:
    """A message in a conversation, addressed to its other participants."""
    caller = await render.signed_in(request)
    viewer = caller.account
    assert viewer is not None
    cid = render.path_id(conversation_id)
    form = await render.form(request)
    c = session.container(request)
    text = render.text(form, "text")
    current = await c.conversation_reads.one(viewer.id, cid)  # NotFound for anyone else's
    others = [current.accounts[a] for a in current.conversations[0].account_ids]
    _ = render.translator(request)
    try:
        if not others:
            raise ValidationFailed(_("Nobody else is left in this conversation to write to."))
        address = "".join(f"@{a.username} " for a in others)
        full = check_message(request, text, address)
        posted = await _post_direct(request, caller, full, idempotency_key(form))
    except ValidationFailed as rejected:
        return await chat_page(request, viewer, cid, status=422, error=rejected.message, draft=text)
    if render.wants_fragment(request):
        return await bubbles(request, viewer, await c.status_reads.many(viewer.id, [posted.id]))
    return render.redirect(f"/messages/{posted.conversation_id or cid}")


@router.post("/web/messages/{conversation_id}/read")
async def mark_read(request: Request, conversation_id: str) -> Response:
    viewer = await render.me(request)
    form = await render.form(request)
    cid = render.path_id(conversation_id)
    await session.container(request).conversation_actions.do_read(viewer.id, cid)
    return render.back(request, form, f"/messages/{cid}")


@router.post("/web/messages/{conversation_id}/hide")
async def hide(request: Request, conversation_id: str) -> Response:
    """Removes the conversation from the viewer's list only; the next message brings it back."""
    viewer = await render.me(request)
    await render.form(request)
    await session.container(request).conversation_actions.do_hide(
        viewer.id, render.path_id(conversation_id)
    )
    return render.redirect("/messages")


@router.post("/web/chat/{status_id}/delete")
async def delete_message(request: Request, status_id: str) -> Response:
    """Deletes a message: one's own, or, for a group's owner and admins, any in the group."""
    viewer = await render.me(request)
    form = await render.form(request)
    c = session.container(request)
    deleted = await c.status_actions.do_delete(viewer.id, render.path_id(status_id))
    if render.wants_fragment(request):
        return Response(status_code=204)
    if deleted.conversation_id is not None:
        try:
            await c.conversation_reads.one(viewer.id, deleted.conversation_id)
        except NotFound:  # that was its last message: the conversation is gone
            return render.redirect("/messages")
    default = f"/groups/{deleted.group_id}" if deleted.group_id else "/messages"
    return render.back(request, form, default)


# The live pieces.


@router.get("/web/fragments/messages/{status_id}")
async def message_fragment(request: Request, status_id: str) -> Response:
    """One message as a chat bubble, if the viewer may see it (else 404)."""
    viewer = await render.me(request)
    c = session.container(request)
    bundle = await c.status_reads.many(viewer.id, [render.path_id(status_id)])
    if not bundle.statuses:
        raise NotFound()
    moderator = False
    group_id = bundle.statuses[0].group_id
    if group_id is not None:
        moderator = (await c.group_reads.one(viewer.id, group_id)).role in MANAGERS
    return await bubbles(request, viewer, bundle, moderator=moderator)


@router.get("/web/fragments/conversations/{conversation_id}")
async def conversation_fragment(request: Request, conversation_id: str) -> Response:
    """One row of the list of conversations, as the viewer sees it now."""
    viewer = await render.me(request)
    page = await session.container(request).conversation_reads.one(
        viewer.id, render.path_id(conversation_id)
    )
    return await render.render(
        request, "messages_row.html", rows_fragment=True, page=page, **_rows(page), unread=0
    )


@router.get("/web/fragments/chat/typing/{account_id}")
async def typing_fragment(request: Request, account_id: str) -> Response:
    """ "Name is typing…" for a chat (names are public, like profiles)."""
    await render.me(request)
    account = await session.container(request).account_reads.one(render.path_id(account_id))
    return await render.render(
        request, "_chat.html", chat_fragment="typing", account=account, unread=0
    )


@router.get("/web/fragments/chat/person/{account_id}")
async def person_fragment(request: Request, account_id: str) -> Response:
    """Someone who has just come online, for a chat's list of people."""
    await render.me(request)
    account = await session.container(request).account_reads.one(render.path_id(account_id))
    return await render.render(
        request, "_chat.html", chat_fragment="person", account=account, unread=0
    )


@router.get("/web/fragments/conversations/{conversation_id}/since/{status_id}")
async def conversation_since(request: Request, conversation_id: str, status_id: str) -> Response:
    """The conversation's messages after `status_id`, oldest first: what a chat page missed
    while its connection was down."""
    viewer = await render.me(request)
    found = await session.container(request).conversation_reads.messages(
        viewer.id,
        render.path_id(conversation_id),
        Page(min_id=render.path_id(status_id), limit=CHAT_PAGE),
    )
    return await bubbles(request, viewer, found.messages)
