"""Finding things: search (`/search`, by tab: posts, people, topics), the hot-topics board
(`/hot`, 热搜榜), following a topic from its page, and the suggestions on the home page.

What is found, what trends and who is suggested are the reads' decisions (reads/search.py,
reads/trends.py, reads/suggestions.py), each already cut to what the viewer may see; these
routes parse, call and render."""

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from myna.lib.errors import NotFound, ValidationFailed
from myna.lib.paging import Page
from myna.models import Account, TrendKind
from myna.policy.moderation import is_staff
from myna.reads.bundle import StatusBundle
from myna.reads.search import ACCOUNTS, HASHTAGS, STATUSES, SearchQuery
from myna.reads.suggestions import Suggestion
from myna.reads.tags import TagView
from myna.store.relations import Relations
from myna.web import render, session
from myna.web.render import WebRoute

router = APIRouter(include_in_schema=False, route_class=WebRoute)

PAGE_SIZE = 20
Q_MAX = 100
# The search box's tabs, in order: the tab's name in the URL -> what it searches.
TABS = {"posts": STATUSES, "people": ACCOUNTS, "topics": HASHTAGS}
HOT_SIZE = 30
HOT_POSTS = 20
SUGGESTED = 4


# --- search ----------------------------------------------------------------------------------


def _offset(request: Request) -> int:
    raw = request.query_params.get("offset", "0")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 5:
        raise ValidationFailed(render.translator(request)("That page of results does not exist."))
    return int(raw)


@router.get("/search")
async def search(request: Request) -> Response:
    c = session.container(request)
    _ = render.translator(request)
    caller = await render.caller(request)
    viewer = caller.account if caller is not None else None
    q = request.query_params.get("q", "").strip()
    tab = request.query_params.get("tab", "posts")
    if tab not in TABS:
        tab = "posts"
    if len(q) > Q_MAX:
        raise ValidationFailed(_("Search for at most %(n)s characters.") % {"n": Q_MAX})
    # Paging further than the first page is for signed-in people, as in the API.
    offset = _offset(request) if viewer is not None else 0
    context: dict[str, Any] = {"q": q, "tab": tab, "tabs": list(TABS), "offset": offset}
    if not q:
        context["trending"] = await c.trend_reads.tags(0, 10)
        context["title"] = f"{_('Search')} · {c.settings.instance_title}"
        return await render.render(request, "search.html", **context)
    viewer_id = viewer.id if viewer is not None else None
    found = await c.search_reads.search(
        viewer_id, SearchQuery(q=q, type=TABS[tab], offset=offset, limit=PAGE_SIZE)
    )
    shown = {
        "posts": len(found.statuses.statuses),
        "people": len(found.accounts),
        "topics": len(found.hashtags),
    }[tab]
    more = None
    if viewer is not None and shown >= PAGE_SIZE:
        more = "/search?" + urlencode({"q": q, "tab": tab, "offset": offset + PAGE_SIZE})
    relations = Relations()
    if viewer is not None and found.accounts:
        relations = await c.account_reads.relations(viewer.id, [a.id for a in found.accounts])
    context.update(
        bundle=found.statuses,
        accounts=found.accounts,
        hashtags=found.hashtags,
        relations=relations,
        more=more,
        sign_in_for_more=viewer is None and shown >= PAGE_SIZE,
        title=f"{q} · {_('Search')} · {c.settings.instance_title}",
    )
    return await render.render(request, "search.html", **context)


# --- hot topics ------------------------------------------------------------------------------


@router.get("/hot")
async def hot(request: Request) -> Response:
    c = session.container(request)
    _ = render.translator(request)
    caller = await render.caller(request)
    viewer = caller.account if caller is not None else None
    tab = "posts" if request.query_params.get("tab") == "posts" else "topics"
    topics: list[TagView] = []
    hidden: list[TagView] = []
    bundle: StatusBundle | None = None
    admin = is_staff(viewer)
    if tab == "topics":
        topics = await c.trend_reads.tags(0, HOT_SIZE)
        if admin and viewer is not None:  # and what admins hid, to show again
            hidden = [view.tag for view in await c.trend_reads.admin_tags(viewer) if view.hidden]
    else:
        bundle = await c.trend_reads.statuses(viewer.id if viewer else None, 0, HOT_POSTS)
    return await render.render(
        request,
        "hot.html",
        tab=tab,
        topics=topics,
        hidden=hidden,
        admin=admin,
        bundle=bundle,
        title=f"{_('Hot topics')} · {c.settings.instance_title}",
    )


async def _review(request: Request, tag_id: str, hide: bool) -> Response:
    me = await render.me(request)
    form = await render.form(request)
    actions = session.container(request).trend_actions
    target = render.path_id(tag_id)
    await actions.do_review(me.id, TrendKind.TAG, target, hidden=hide)
    return render.back(request, form, default="/hot")


@router.post("/web/trends/tags/{tag_id}/hide")
async def hide_topic(request: Request, tag_id: str) -> Response:
    return await _review(request, tag_id, hide=True)


@router.post("/web/trends/tags/{tag_id}/unhide")
async def unhide_topic(request: Request, tag_id: str) -> Response:
    return await _review(request, tag_id, hide=False)


# --- following a topic, suggestions ------------------------------------------------------------


async def topic(request: Request, viewer: Account | None, name: str) -> TagView | None:
    """The topic of a tag page as the viewer sees it (None before any post used it)."""
    try:
        return await session.container(request).tag_reads.one(
            viewer.id if viewer is not None else None, name
        )
    except NotFound:
        return None


async def _follow_topic(request: Request, name: str, follow: bool) -> Response:
    me = await render.me(request)
    form = await render.form(request)
    actions = session.container(request).tag_follow_actions
    if follow:
        await actions.do_follow(me.id, name)
    else:
        await actions.do_unfollow(me.id, name)
    return render.back(request, form)


@router.post("/web/tags/{name:path}/follow")
async def follow_topic(request: Request, name: str) -> Response:
    return await _follow_topic(request, name, follow=True)


@router.post("/web/tags/{name:path}/unfollow")
async def unfollow_topic(request: Request, name: str) -> Response:
    return await _follow_topic(request, name, follow=False)


async def suggestions(request: Request, viewer: Account) -> list[Suggestion]:
    return await session.container(request).suggestion_reads.suggestions(viewer.id, SUGGESTED)


@router.post("/web/suggestions/{account_id}/dismiss")
async def dismiss(request: Request, account_id: str) -> Response:
    me = await render.me(request)
    form = await render.form(request)
    await session.container(request).suggestion_actions.do_dismiss(
        me.id, render.path_id(account_id)
    )
    return render.back(request, form)


@router.get("/followed_tags")
async def followed_tags(request: Request) -> Response:
    me = await render.me(request)
    c = session.container(request)
    _ = render.translator(request)
    max_id = render.max_id(request)
    listing = await c.tag_follow_reads.followed(me.id, Page(max_id=max_id, limit=PAGE_SIZE))
    return await render.render(
        request,
        "followed_tags.html",
        listing=listing,
        paged=max_id is not None,
        title=f"{_('Followed topics')} · {c.settings.instance_title}",
    )
