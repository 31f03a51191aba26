"""Profiles (`/@username`), the lists of followers and followings, follow requests, and the
buttons that change a relationship: follow, unfollow, block, unblock, mute, unmute.

What the profile lists is `StatusReads.by_account` as the viewer may see it; who may follow
whom is the relation actions' decision. These routes parse, call and render."""

from collections.abc import Awaitable, Callable

from babel.dates import format_date
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from myna.actions.relations import RelationActions
from myna.lib.clock import as_utc
from myna.lib.html import render_plain
from myna.lib.paging import Page
from myna.models import Account
from myna.reads.accounts import AccountList
from myna.store.relations import Relations
from myna.web import render, session
from myna.web.render import WebRoute

router = APIRouter(include_in_schema=False, route_class=WebRoute)

PAGE_SIZE = 20
LIST_SIZE = 40
PINNED_SHOWN = 5

# Profile tabs: name -> (exclude replies, only media).
TABS = {"posts": (True, False), "with_replies": (False, False), "media": (False, True)}


def _tab(request: Request) -> str:
    query = request.query_params
    if query.get("only_media") == "1":
        return "media"
    if query.get("with_replies") == "1":
        return "with_replies"
    return "posts"


async def _relations(request: Request, ids: list[int]) -> tuple[Account | None, Relations]:
    caller = await render.caller(request)
    viewer = caller.account if caller is not None else None
    if viewer is None or not ids:
        return viewer, Relations()
    return viewer, await session.container(request).account_reads.relations(viewer.id, ids)


@router.get("/@{username}")
async def profile(request: Request, username: str) -> Response:
    c = session.container(request)
    account = await c.account_reads.lookup(username)
    viewer, relations = await _relations(request, [account.id])
    tab = _tab(request)
    exclude_replies, only_media = TABS[tab]
    max_id = render.max_id(request)
    bundle = await c.status_reads.by_account(
        viewer.id if viewer is not None else None,
        account.id,
        Page(max_id=max_id, limit=PAGE_SIZE),
        exclude_replies=exclude_replies,
        only_media=only_media,
    )
    pinned = None
    if tab == "posts" and max_id is None:  # pins head the first page of posts, as on Weibo
        viewer_id = viewer.id if viewer is not None else None
        pins = await c.collection_reads.pinned(viewer_id, account.id, Page(limit=PINNED_SHOWN))
        pinned = pins.bundle
    owner = viewer is not None and viewer.id == account.id
    pending = await c.account_reads.follow_requests_count(account.id) if owner else 0
    tab_query = {"posts": "", "with_replies": "with_replies=1&", "media": "only_media=1&"}[tab]
    older = bundle.cursor_ids[-1] if len(bundle.cursor_ids) >= PAGE_SIZE else None
    return await render.render(
        request,
        "profile.html",
        title=f"{account.display_name or account.username} (@{account.username})",
        account=account,
        note=render_plain(account.note),
        joined=format_date(as_utc(account.created_at), "long", locale=render.locale_of(request)),
        relations=relations,
        owner=owner,
        pending=pending,
        bundle=bundle,
        pinned=pinned,
        tab=tab,
        paged=max_id is not None,
        older=f"/@{account.username}?{tab_query}max_id={older}" if older else None,
        newest=f"/@{account.username}" + (f"?{tab_query.rstrip('&')}" if tab_query else ""),
    )


async def _account_list(request: Request, username: str, which: str) -> Response:
    c = session.container(request)
    account = await c.account_reads.lookup(username)
    max_id = render.max_id(request)
    page = Page(max_id=max_id, limit=LIST_SIZE)
    listing: AccountList = await (
        c.account_reads.followers(account.id, page)
        if which == "followers"
        else c.account_reads.following(account.id, page)
    )
    _viewer, relations = await _relations(request, [a.id for a in listing.accounts])
    older = listing.cursor_ids[-1] if len(listing.cursor_ids) >= LIST_SIZE else None
    return await render.render(
        request,
        "follows.html",
        account=account,
        which=which,
        listing=listing,
        relations=relations,
        paged=max_id is not None,
        older=f"/@{account.username}/{which}?max_id={older}" if older else None,
    )


@router.get("/@{username}/followers")
async def followers(request: Request, username: str) -> Response:
    return await _account_list(request, username, "followers")


@router.get("/@{username}/following")
async def following(request: Request, username: str) -> Response:
    return await _account_list(request, username, "following")


@router.get("/follow_requests")
async def follow_requests(request: Request) -> Response:
    me = await render.me(request)
    c = session.container(request)
    max_id = render.max_id(request)
    listing = await c.account_reads.follow_requests(me.id, Page(max_id=max_id, limit=LIST_SIZE))
    _viewer, relations = await _relations(request, [a.id for a in listing.accounts])
    older = listing.cursor_ids[-1] if len(listing.cursor_ids) >= LIST_SIZE else None
    return await render.render(
        request,
        "follow_requests.html",
        listing=listing,
        relations=relations,
        paged=max_id is not None,
        older=f"/follow_requests?max_id={older}" if older else None,
    )


Change = Callable[[int, int], Awaitable[None]]


async def _change(
    request: Request, account_id: str, act: Callable[[RelationActions], Change]
) -> Response:
    """A relationship button: signed in, a genuine form, then the one action."""
    me = await render.me(request)
    form = await render.form(request)
    await act(session.container(request).relation_actions)(me.id, render.path_id(account_id))
    return render.back(request, form)


@router.post("/web/accounts/{account_id}/follow")
async def follow(request: Request, account_id: str) -> Response:
    return await _change(request, account_id, lambda a: a.do_follow)


@router.post("/web/accounts/{account_id}/unfollow")
async def unfollow(request: Request, account_id: str) -> Response:
    return await _change(request, account_id, lambda a: a.do_unfollow)


@router.post("/web/accounts/{account_id}/block")
async def block(request: Request, account_id: str) -> Response:
    return await _change(request, account_id, lambda a: a.do_block)


@router.post("/web/accounts/{account_id}/unblock")
async def unblock(request: Request, account_id: str) -> Response:
    return await _change(request, account_id, lambda a: a.do_unblock)


@router.post("/web/accounts/{account_id}/mute")
async def mute(request: Request, account_id: str) -> Response:
    return await _change(request, account_id, lambda a: a.do_mute)


@router.post("/web/accounts/{account_id}/unmute")
async def unmute(request: Request, account_id: str) -> Response:
    return await _change(request, account_id, lambda a: a.do_unmute)


@router.post("/web/follow_requests/{account_id}/authorize")
async def authorize_request(request: Request, account_id: str) -> Response:
    return await _change(request, account_id, lambda a: a.do_authorize_request)


@router.post("/web/follow_requests/{account_id}/reject")
async def reject_request(request: Request, account_id: str) -> Response:
    return await _change(request, account_id, lambda a: a.do_reject_request)
