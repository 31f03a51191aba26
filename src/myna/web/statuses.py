"""Posts: posting from a compose box (with pictures, a poll, an audience), a status's own page
with its comments, reposts and likes, tag and topic pages, and the small forms on every
status card (like, repost, delete, vote) that work without JavaScript.

A status the viewer may not see is a 404 page, as a missing one, and nothing is written."""

from dataclasses import replace
from urllib.parse import quote, urlsplit

from fastapi import APIRouter
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from myna.lib.errors import MynaError, NotFound, ValidationFailed
from myna.lib.images import TOO_LARGE
from myna.lib.paging import MAX_LIMIT, Page
from myna.lib.text import TAG_MAX_CHARS, written_tag
from myna.models import Account, Status, Visibility
from myna.reads.bundle import StatusBundle
from myna.reads.tokens import Caller
from myna.web import discovery, home, render, session
from myna.web.render import WebRoute

router = APIRouter(include_in_schema=False, route_class=WebRoute)

PAGE_SIZE = 20
ACCOUNTS_PAGE = 40
TABS = ("comments", "reposts", "likes")
# Comments nest visibly this deep; deeper replies line up with the last level.
MAX_DEPTH = 4
CHOICES_MAX = 100


# --- posting -------------------------------------------------------------------------------


async def _upload(
    request: Request, account_id: int, pictures: list[UploadFile], descriptions: list[str]
) -> list[int]:
    """Uploads the pictures in order; if one is refused, those already stored are deleted and
    the refusal is raised with a message naming the file."""
    c = session.container(request)
    _ = render.translator(request)
    limit = c.settings.media_max_bytes
    uploaded: list[int] = []
    try:
        for index, picture in enumerate(pictures):
            data = await picture.read(limit + 1)
            description = descriptions[index].strip() if index < len(descriptions) else ""
            try:
                media = await c.media_actions.do_upload(
                    account_id, data, description=description or None
                )
            except ValidationFailed as refused:
                name = picture.filename or "?"
                if refused.message == TOO_LARGE:
                    raise ValidationFailed(
                        _("“%(name)s” is too large (at most %(mb)s MB).")
                        % {"name": name, "mb": limit // (1024 * 1024)}
                    ) from None
                raise ValidationFailed(
                    _("“%(name)s” could not be read as a picture.") % {"name": name}
                ) from None
            uploaded.append(media.id)
    except MynaError:
        await _discard(request, account_id, uploaded)
        raise
    return uploaded


async def _discard(request: Request, account_id: int, media_ids: list[int]) -> None:
    for media_id in media_ids:
        await session.container(request).media_actions.do_delete(account_id, media_id)


@router.post("/web/statuses")
async def compose(request: Request) -> Response:
    """Post the compose box: a status, a reply (comment), a quote, with pictures or a poll.
    A refusal shows the box again with the draft and the reason, and writes nothing."""
    caller = await render.signed_in(request)
    me = caller.account
    assert me is not None
    form = await render.form(request)
    _ = render.translator(request)
    c = session.container(request)
    draft = home.draft_from(form)
    pictures = render.files(form, "media")
    try:
        new = await home.check_draft(request, caller, draft, pictures)
        media_ids = await _upload(request, me.id, pictures, draft.descriptions)
        key = render.text(form, "idempotency_key")[:200] or None
        try:
            await c.status_actions.do_post(
                me.id, replace(new, media_ids=tuple(media_ids), idempotency_key=key)
            )
        except MynaError:
            await _discard(request, me.id, media_ids)
            raise
    except MynaError as rejected:
        message = _(rejected.message)
        if pictures:
            message += " " + _("Please choose the pictures again.")
        return await _compose_failed(request, caller, draft, message)
    return render.back(request, form)


async def _compose_failed(
    request: Request, caller: Caller, draft: home.Draft, message: str
) -> HTMLResponse:
    """The page the box was on, again: a comment box on its status page, else home."""
    if draft.in_reply_to_id is not None:
        try:
            return await status_page(
                request, caller, draft.in_reply_to_id, status=422, draft=draft, error=message
            )
        except (NotFound, _Moved):
            pass
        draft.in_reply_to_id = None
    return await home.home_page(request, caller, status=422, error=message, draft=draft)


# --- the actions on a card -----------------------------------------------------------------


@router.post("/web/statuses/{status_id}/favourite")
async def favourite(request: Request, status_id: str) -> Response:
    me = await render.me(request)
    form = await render.form(request)
    await session.container(request).status_actions.do_favourite(me.id, render.path_id(status_id))
    return render.back(request, form)


@router.post("/web/statuses/{status_id}/unfavourite")
async def unfavourite(request: Request, status_id: str) -> Response:
    me = await render.me(request)
    form = await render.form(request)
    await session.container(request).status_actions.do_unfavourite(me.id, render.path_id(status_id))
    return render.back(request, form)


@router.post("/web/statuses/{status_id}/reblog")
async def reblog(request: Request, status_id: str) -> Response:
    me = await render.me(request)
    form = await render.form(request)
    _ = render.translator(request)
    actions = session.container(request).status_actions
    try:
        await actions.do_reblog(me.id, render.path_id(status_id), None)
    except ValidationFailed:
        raise ValidationFailed(_("This post cannot be reposted.")) from None
    return render.back(request, form)


@router.post("/web/statuses/{status_id}/unreblog")
async def unreblog(request: Request, status_id: str) -> Response:
    me = await render.me(request)
    form = await render.form(request)
    await session.container(request).status_actions.do_unreblog(me.id, render.path_id(status_id))
    return render.back(request, form)


@router.post("/web/statuses/{status_id}/pin")
async def pin(request: Request, status_id: str) -> Response:
    """Pins one's own post to the top of one's profile (Weibo's 置顶)."""
    me = await render.me(request)
    form = await render.form(request)
    await session.container(request).collection_actions.do_pin(me.id, render.path_id(status_id))
    return render.back(request, form)


@router.post("/web/statuses/{status_id}/unpin")
async def unpin(request: Request, status_id: str) -> Response:
    me = await render.me(request)
    form = await render.form(request)
    await session.container(request).collection_actions.do_unpin(me.id, render.path_id(status_id))
    return render.back(request, form)


@router.post("/web/statuses/{status_id}/delete")
async def delete(request: Request, status_id: str) -> Response:
    me = await render.me(request)
    form = await render.form(request)
    deleted = render.path_id(status_id)
    await session.container(request).status_actions.do_delete(me.id, deleted)
    if render.wants_fragment(request):
        return Response(status_code=204)
    target = render.local_path(render.text(form, "next"), "/")
    if urlsplit(target).path.rstrip("/").endswith(f"/{deleted}"):
        target = f"/@{me.username}"  # its own page is gone
    return render.redirect(target)


@router.post("/web/statuses/{status_id}/vote")
async def vote(request: Request, status_id: str) -> Response:
    me = await render.me(request)
    form = await render.form(request)
    _ = render.translator(request)
    c = session.container(request)
    wanted = render.path_id(status_id)
    raw = form.getlist("choices")
    choices = [int(v) for v in raw[:CHOICES_MAX] if isinstance(v, str) and v.isdigit()]
    if not choices or len(choices) != len(raw):
        raise ValidationFailed(_("Choose an option first."))
    bundle = await c.status_reads.one(me.id, wanted)
    shown = bundle.statuses[0] if bundle.statuses else None
    original = (shown.reblog_of_id or shown.id) if shown is not None else wanted
    view = bundle.polls.get(original)
    if view is None:
        raise NotFound()
    try:
        await c.poll_actions.do_vote(me.id, view.poll.id, choices)
    except ValidationFailed as refused:
        if view.expired:
            raise ValidationFailed(_("This poll has ended.")) from None
        if view.voted:
            raise ValidationFailed(_("You have already voted in this poll.")) from None
        raise ValidationFailed(_(refused.message)) from None
    return render.back(request, form)


# --- a status's page -----------------------------------------------------------------------


def _depths(root_id: int, replies: list[Status]) -> dict[int, int]:
    """How deep each comment sits below the status (1: a direct reply)."""
    depth = {root_id: 0}
    for reply in replies:  # depth-first order: a parent always comes before its replies
        parent = reply.in_reply_to_id
        depth[reply.id] = depth.get(parent, 0) + 1 if parent is not None else 1
    return {key: min(value, MAX_DEPTH) for key, value in depth.items()}


async def status_page(
    request: Request,
    caller: Caller | None,
    status_id: int,
    *,
    username: str | None = None,
    tab: str = "comments",
    max_id: int | None = None,
    status: int = 200,
    draft: home.Draft | None = None,
    error: str | None = None,
) -> HTMLResponse:
    c = session.container(request)
    viewer = caller.account if caller is not None else None
    viewer_id = viewer.id if viewer is not None else None
    bundle = await c.status_reads.one(viewer_id, status_id)
    if not bundle.statuses:
        raise NotFound()
    item = bundle.statuses[0]
    author = bundle.accounts.get(item.account_id)
    if author is None:
        raise NotFound()
    if item.reblog_of_id is not None:
        original = bundle.related.get(item.reblog_of_id)
        by = bundle.accounts.get(original.account_id) if original is not None else None
        if original is None or by is None:
            raise NotFound()
        raise _Moved(f"/@{by.username}/{original.id}")
    if username is not None and username.lower() != author.username.lower():
        raise _Moved(f"/@{author.username}/{item.id}")
    context = await c.status_reads.context(viewer_id, status_id)
    page = Page(max_id=max_id, limit=ACCOUNTS_PAGE)
    quotes = reposters = likers = None
    if tab == "reposts":
        if max_id is None:
            quotes = await c.status_reads.quotes_of(viewer_id, status_id, Page(limit=MAX_LIMIT))
        reposters = await c.status_reads.reblogged_by(viewer_id, status_id, page)
    elif tab == "likes":
        likers = await c.status_reads.favourited_by(viewer_id, status_id, page)
    listing = reposters or likers
    older = listing.cursor_ids[-1] if listing and len(listing.cursor_ids) >= ACCOUNTS_PAGE else None
    box = None
    if viewer is not None:
        if draft is None:
            draft = _reply_draft(item, bundle.mentions.get(item.id, []), bundle, viewer)
        here = f"/@{author.username}/{item.id}"
        box = await home.compose_box(
            request, viewer, draft, next_=f"{here}#comments", error=error, reply=True
        )
    replies = context.descendants
    return await render.render(
        request,
        "status.html",
        status,
        bundle=bundle,
        item=item,
        author=author,
        ancestors=context.ancestors,
        replies=replies,
        depths=_depths(item.id, replies.statuses),
        tab=tab,
        quotes=quotes,
        reposters=reposters,
        likers=likers,
        older=older,
        box=box,
        media_url=c.storage.url,
        title=(
            f"{author.display_name or author.username}: {_excerpt(item.text)}"
            f" · {c.settings.instance_title}"
        ),
    )


def _reply_draft(
    item: Status, mentioned: list[int], bundle: StatusBundle, me: Account
) -> home.Draft:
    """A comment box for `item`: its author (and, in a direct conversation, everyone in it)
    mentioned, and an audience no wider than the status's own unless I chose so before."""
    people = (
        [item.account_id, *mentioned] if item.visibility == Visibility.DIRECT else [item.account_id]
    )
    names = [
        bundle.accounts[a].username
        for a in dict.fromkeys(people)
        if a != me.id and a in bundle.accounts
    ]
    text = "".join(f"@{name} " for name in names)
    if item.group_id is not None:
        audience = f"{home.GROUP_PREFIX}{item.group_id}"
    elif item.list_id is not None and item.account_id == me.id:
        audience = f"{home.LIST_PREFIX}{item.list_id}"
    else:
        order = list(home.PLAIN_AUDIENCES)
        mine = me.default_visibility if me.default_visibility in order else order[0]
        theirs = item.visibility if item.visibility in order else order[0]
        audience = max(mine, theirs, key=order.index)
    return home.Draft(text=text, in_reply_to_id=item.id, audience=audience)


def _excerpt(text: str, length: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1] + "…"


class _Moved(Exception):
    """The status lives at another address (a repost's original, or under its author's name)."""

    def __init__(self, path: str) -> None:
        self.path = path


@router.get("/@{username}/{status_id:int}")
async def show_status(request: Request, username: str, status_id: int) -> Response:
    wanted = render.path_id(status_id)
    tab = request.query_params.get("tab", "comments")
    if tab not in TABS:
        tab = "comments"
    caller = await render.caller(request)
    try:
        return await status_page(
            request,
            caller,
            wanted,
            username=username,
            tab=tab,
            max_id=render.max_id(request),
        )
    except _Moved as moved:
        return render.redirect(moved.path)


# --- tags and topics -----------------------------------------------------------------------


@router.get("/tags/{name:path}")
async def tag_page(request: Request, name: str) -> Response:
    c = session.container(request)
    name = name.strip().lstrip("#").rstrip("#").strip()
    if not name or len(name) > TAG_MAX_CHARS or "\n" in name:
        raise NotFound()
    caller = await render.caller(request)
    viewer = caller.account if caller is not None else None
    max_id = render.max_id(request)
    bundle = await c.status_reads.tag(
        viewer.id if viewer is not None else None, name, Page(max_id=max_id, limit=PAGE_SIZE)
    )
    older = bundle.cursor_ids[-1] if len(bundle.cursor_ids) >= PAGE_SIZE else None
    here = f"/tags/{quote(name, safe='')}"
    written = written_tag(name)
    topic = await discovery.topic(request, viewer, name)
    box = None
    if viewer is not None:
        box = await home.compose_box(request, viewer, home.Draft(text=f"{written} "), next_=here)
    return await render.render(
        request,
        "tag.html",
        bundle=bundle,
        tag=name,
        topic=topic,
        written=written,
        base=here,
        older=older,
        paged=max_id is not None,
        # The live layer names streams in a space-separated list: a topic with a space in it
        # cannot be one of them, and its page is not live.
        live=not any(ch.isspace() for ch in name),
        box=box,
        media_url=c.storage.url,
        title=f"{written} · {c.settings.instance_title}",
    )
