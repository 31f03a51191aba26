"""The visibility matrix: every visibility x every kind of viewer x every read path, checked
through the HTTP API against a real database. What each viewer may see is written out below as
data, by hand, from the product rule; it is never computed from the code under test.

The same posts are made by three authors, alike in everything but their moderation state
(issue 11): one in good standing, one limited and one suspended. Every viewer stands in the
same relation to each of them, so the cells of the three differ only where the state does: a
limited author's posts leave the public places (the public timeline and tag pages) for all but
the author and its followers, and nothing of a suspended author shows to anyone.

One world is built per module (a thread per visibility, by each author) and shared by every
cell. Write probes (favourite, repost, reply) undo what they did, so cells stay independent of
the order they run in.
"""

import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import or_, select, update
from sqlalchemy.exc import StatementError

from myna.actions.accounts import Registration
from myna.actions.lists import ListChange
from myna.actions.statuses import NewStatus
from myna.app import create_app
from myna.config import Settings
from myna.container import Container, build
from myna.lib.clock import utcnow
from myna.lib.ids import new_id
from myna.models import Account, Block, Follow, ListMember, Mention, Status, Visibility
from myna.policy.visibility import (
    Facts,
    listed_for,
    may_see,
    rules_for,
    timeline_filter,
    visible_filter,
)
from tests.conftest import (
    BASE_URL,
    POSTGRES_URL,
    User,
    drop_redis_keys,
    row_counts,
    scale_settings,
    truncate_all,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

VISIBILITIES = ["public", "unlisted", "private", "direct", "list"]  # wire names, and a circle
WIRE_TO_INTERNAL = {
    "public": Visibility.PUBLIC,
    "unlisted": Visibility.UNLISTED,
    "private": Visibility.FOLLOWERS,
    "direct": Visibility.DIRECT,
    "list": Visibility.FOLLOWERS,  # "private" with the author's list as list_id: a circle
}
# The author's list (the audience of the `list` post) holds follower, muted, blocked (until
# the block ends their follows, and with them the membership) and listmember.
# The authors, by moderation state: each posts the same thread per visibility, and every viewer
# below stands in the same relation to each (`author` is whichever of them wrote the post).
STATES = ["normal", "limited", "suspended"]
AUTHORS = {"normal": "author", "limited": "limitedauthor", "suspended": "suspendedauthor"}
VIEWERS = [
    "author",  # wrote the post
    "follower",  # follows the author; in the author's list
    "outsider",  # follows the author; not in the list
    "listmember",  # in the author's list, does not follow the author
    "mentioned",  # @mentioned in the post, does not follow the author, not in the list
    "stranger",  # signed in, no relation
    "blocked",  # the author blocked them (after they had followed and been mentioned)
    "blocker",  # blocked the author (before being mentioned)
    "muted",  # follows the author, and muted them; in the list
    "anonymous",  # no token
]
ANONYMOUS = "anonymous"
TAG = "matrixtag"
# Who may favourite each target before the blocks (so the author has a notification).
LIKER = {"list": "follower"}

Y, N = True, False

# The tables below up to REBLOG are those of the author in good standing.

# Columns: public, unlisted, private, direct, list.
# A direct look-up of the status (and everything that behaves like one). A list post is seen by
# its author and the list's members who follow the author: a mention grants nothing.
LOOKUP = {
    "author": (Y, Y, Y, Y, Y),
    "follower": (Y, Y, Y, N, Y),
    "outsider": (Y, Y, Y, N, N),
    "listmember": (Y, Y, N, N, N),
    "mentioned": (Y, Y, Y, Y, N),
    "stranger": (Y, Y, N, N, N),
    "blocked": (N, N, N, N, N),
    "blocker": (N, N, N, N, N),
    "muted": (Y, Y, Y, N, Y),
    "anonymous": (Y, Y, N, N, N),
}
# The home feed: followers (and the author); a direct post reaches only followers it mentions,
# a list post only followers in the list; a mute takes the author out of the feed.
HOME = {
    "author": (Y, Y, Y, Y, Y),
    "follower": (Y, Y, Y, N, Y),
    "outsider": (Y, Y, Y, N, N),
    "listmember": (N, N, N, N, N),
    "mentioned": (N, N, N, N, N),
    "stranger": (N, N, N, N, N),
    "blocked": (N, N, N, N, N),
    "blocker": (N, N, N, N, N),
    "muted": (N, N, N, N, N),
}
# Public places (the public timeline, local or not, and tag pages): public posts only.
LISTED = {
    "author": (Y, N, N, N, N),
    "follower": (Y, N, N, N, N),
    "outsider": (Y, N, N, N, N),
    "listmember": (Y, N, N, N, N),
    "mentioned": (Y, N, N, N, N),
    "stranger": (Y, N, N, N, N),
    "blocked": (N, N, N, N, N),
    "blocker": (N, N, N, N, N),
    "muted": (N, N, N, N, N),
    "anonymous": (Y, N, N, N, N),
}
# Descendants in a thread are a list: muted authors are left out, as in timelines.
THREAD_BELOW = {**LOOKUP, "muted": (N, N, N, N, N)}
# Notifications that carry the post: the author's (a like: by the mentioned viewer, or by the
# follower for the list post; and a third account's reposts of the open ones) and the mention
# itself, which a list post does not send to a mentioned outsider. Nobody else hears of it.
NOTIFIED = {
    "author": (Y, Y, Y, Y, Y),
    "follower": (N, N, N, N, N),
    "outsider": (N, N, N, N, N),
    "listmember": (N, N, N, N, N),
    "mentioned": (Y, Y, Y, Y, N),
    "stranger": (N, N, N, N, N),
    "blocked": (N, N, N, N, N),
    "blocker": (N, N, N, N, N),
    "muted": (N, N, N, N, N),
}
# A list feed: the author's followers each keep a list holding the author. It gets what their
# home gets, less direct posts (never in a list feed); a mute keeps the author out of it too.
LIST_FEED = {
    "follower": (Y, Y, Y, N, Y),
    "outsider": (Y, Y, Y, N, N),
    "blocked": (N, N, N, N, N),
    "muted": (N, N, N, N, N),
}
# Reposting: "ok", "refused" (visible, but followers-only, direct and list posts cannot be
# reposted) or "hidden" (404, like a missing status).
OK, REFUSED, HIDDEN = "ok", "refused", "hidden"
REBLOG = {
    "author": (OK, OK, REFUSED, REFUSED, REFUSED),
    "follower": (OK, OK, REFUSED, HIDDEN, REFUSED),
    "outsider": (OK, OK, REFUSED, HIDDEN, HIDDEN),
    "listmember": (OK, OK, HIDDEN, HIDDEN, HIDDEN),
    "mentioned": (OK, OK, REFUSED, REFUSED, HIDDEN),
    "stranger": (OK, OK, HIDDEN, HIDDEN, HIDDEN),
    "blocked": (HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "blocker": (HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "muted": (OK, OK, REFUSED, HIDDEN, REFUSED),
}

# A limited author: every path answers as for the author in good standing (LOOKUP, HOME,
# THREAD_BELOW, LIST_FEED, REBLOG) but the public places, which list the public post only to
# the author and those who follow it, and notifications (LIMITED_NOTIFIED, below). A mention,
# a place in the author's list or the author's follow back grant nothing in public places; a
# mute still keeps a follower's lists clear.
LIMITED_LISTED = {
    "author": (Y, N, N, N, N),
    "follower": (Y, N, N, N, N),
    "outsider": (Y, N, N, N, N),  # a follower, though outside the author's list
    "listmember": (N, N, N, N, N),  # the author follows them, they do not follow the author
    "mentioned": (N, N, N, N, N),
    "stranger": (N, N, N, N, N),
    "blocked": (N, N, N, N, N),
    "blocker": (N, N, N, N, N),
    "muted": (N, N, N, N, N),
    "anonymous": (N, N, N, N, N),
}
# Nor do its mentions notify those who do not follow it (as on Mastodon).
LIMITED_NOTIFIED = {**NOTIFIED, "mentioned": (N, N, N, N, N)}
# A suspended author: nothing shows to anyone on any path, to followers, the mentioned and the
# list's members included; the author is left out of the HTTP cells (a suspended account cannot
# sign in: `test_suspended_author_cannot_sign_in`), and its row holds for the rule itself.
NOBODY = {
    "author": (N, N, N, N, N),
    "follower": (N, N, N, N, N),
    "outsider": (N, N, N, N, N),
    "listmember": (N, N, N, N, N),
    "mentioned": (N, N, N, N, N),
    "stranger": (N, N, N, N, N),
    "blocked": (N, N, N, N, N),
    "blocker": (N, N, N, N, N),
    "muted": (N, N, N, N, N),
    "anonymous": (N, N, N, N, N),
}
# Nor can anyone repost a suspended author's post: it is missing (404) for everyone.
REBLOG_NOBODY = {
    "author": (HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "follower": (HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "outsider": (HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "listmember": (HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "mentioned": (HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "stranger": (HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "blocked": (HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "blocker": (HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "muted": (HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
}
REBLOGS = {"normal": REBLOG, "limited": REBLOG, "suspended": REBLOG_NOBODY}
# Who cannot ask at all: a suspended author's token no longer works.
SIGNED_OUT = {("suspended", "author")}

# A post under test: its author's state and its visibility.
Post = tuple[str, str]


def marker(vis: str, state: str = "normal") -> str:
    """A word only the target post of that visibility (by the author in that state) contains:
    it must never reach a body shown to someone who may not see the post. No marker holds
    another, so a search for one finds that post only."""
    return f"secret{vis}word" if state == "normal" else f"{state}{vis}secret"


def account_of(viewer: str, state: str) -> str:
    """The account that plays `viewer` towards the author in `state`."""
    return AUTHORS[state] if viewer == "author" else viewer


@dataclass
class World:
    client: httpx.AsyncClient
    container: Container
    users: dict[str, User]
    parent: dict[Post, int] = field(default_factory=dict)  # public opener by the author
    target: dict[Post, int] = field(default_factory=dict)  # the post under test, replies to parent
    followup: dict[Post, int] = field(default_factory=dict)  # public reply to the target
    reposts: dict[str, int] = field(default_factory=dict)  # sharer's reposts of open targets
    # sharer's reposts of the suspended author's open targets
    hidden_reposts: dict[str, int] = field(default_factory=dict)
    missing: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    lists: dict[str, int] = field(default_factory=dict)  # each follower's list of the authors

    def headers(self, viewer: str) -> dict[str, str]:
        return {} if viewer == ANONYMOUS else self.users[viewer].headers

    async def get(self, viewer: str, url: str, **params: Any) -> httpx.Response:
        return await self.client.get(url, params=params or None, headers=self.headers(viewer))

    async def post(self, viewer: str, url: str, **data: Any) -> httpx.Response:
        return await self.client.post(url, json=data, headers=self.headers(viewer))


async def _make_users(services: Container, names: list[str]) -> dict[str, User]:
    app = await services.app_actions.do_create_app(
        name="matrix",
        redirect_uris="urn:ietf:wg:oauth:2.0:oob",
        scopes="read write follow push",
        website=None,
    )
    users = {}
    for name in names:
        account = await services.account_actions.do_register(
            Registration(username=name, email=f"{name}@example.test", password="correct horse 1")
        )
        _token, raw = await services.app_actions.do_issue_token(
            app.app.id, account.id, "read write follow push"
        )
        users[name] = User(id=account.id, username=name, token=raw, password="correct horse 1")
    return users


async def _build_world(services: Container, client: httpx.AsyncClient) -> World:
    names = [v for v in VIEWERS if v not in (ANONYMOUS, "author")]
    users = await _make_users(services, [*AUTHORS.values(), *names, "sharer", "repostblocker"])
    world = World(client=client, container=services, users=users)
    rel = services.relation_actions
    uid = {name: u.id for name, u in users.items()}

    for name in LIST_FEED:
        watch = await services.list_actions.do_create(uid[name], ListChange(title="watch"))
        world.lists[name] = watch.id
    for name in ("blocker", "repostblocker"):
        await rel.do_follow(uid[name], uid["sharer"])
    for state in STATES:
        await _author_posts(world, state)

    # Blocks after the posts: fan-out and mention notifications already happened.
    for state in STATES:
        await rel.do_block(uid[AUTHORS[state]], uid["blocked"])
    await rel.do_block(uid["repostblocker"], uid["sharer"])
    # Moderation last, as a moderator would act on an account with a history (a suspended
    # author could not have posted). The columns are set directly: this world tests what
    # reads make of the state, not the moderation actions.
    async with services.db.transaction() as session:
        for state, column in (("limited", "silenced_at"), ("suspended", "suspended_at")):
            await session.execute(
                update(Account).where(Account.id == uid[AUTHORS[state]]).values({column: utcnow()})
            )
    return world


async def _author_posts(world: World, state: str) -> None:
    """The author in `state`: its relations with every viewer, then a thread per visibility."""
    services, uid = world.container, {name: u.id for name, u in world.users.items()}
    rel, statuses = services.relation_actions, services.status_actions
    author = uid[AUTHORS[state]]
    for name in ("follower", "outsider", "muted", "blocked"):
        await rel.do_follow(uid[name], author)
    circle = await services.list_actions.do_create(author, ListChange(title="圈子 circle"))
    members = ["follower", "muted", "blocked", "listmember"]
    for name in members:  # only accounts the author follows can be in its list
        await rel.do_follow(author, uid[name])
    await services.list_actions.do_add_accounts(author, circle.id, [uid[n] for n in members])
    for name, watch in world.lists.items():
        await services.list_actions.do_add_accounts(uid[name], watch, [author])
    await rel.do_mute(uid["muted"], author, notifications=True)
    await rel.do_block(uid["blocker"], author)

    for vis in VISIBILITIES:
        parent = await statuses.do_post(
            author, NewStatus(text=f"opener for {vis}", visibility=Visibility.PUBLIC)
        )
        target = await statuses.do_post(
            author,
            NewStatus(
                text=f"@mentioned @blocked @blocker {marker(vis, state)} #{TAG}",
                visibility=WIRE_TO_INTERNAL[vis],
                in_reply_to_id=parent.id,
                list_id=circle.id if vis == "list" else None,
            ),
        )
        followup = await statuses.do_post(
            author,
            NewStatus(
                text=f"more on {vis}", visibility=Visibility.PUBLIC, in_reply_to_id=target.id
            ),
        )
        post = (state, vis)
        world.parent[post], world.target[post], world.followup[post] = (
            parent.id,
            target.id,
            followup.id,
        )
        await statuses.do_favourite(uid[LIKER.get(vis, "mentioned")], target.id)
        if vis in ("public", "unlisted") and state != "limited":
            repost = await statuses.do_reblog(uid["sharer"], target.id, None)
            reposts = world.reposts if state == "normal" else world.hidden_reposts
            reposts[vis] = repost.id


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(
    migrated_database: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    if POSTGRES_URL:
        url = POSTGRES_URL
    else:
        target = tmp_path_factory.mktemp("matrix") / "myna.db"
        shutil.copyfile(migrated_database, target)
        url = f"sqlite+aiosqlite:///{target}"
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=url, base_url=BASE_URL, **scale_settings()
    )
    services = build(settings)
    if POSTGRES_URL:
        await truncate_all(services.db)
    transport = httpx.ASGITransport(app=create_app(settings, services))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        yield await _build_world(services, client)
    await services.close()
    if settings.redis_url:
        drop_redis_keys(settings.redis_prefix)


# Probes: each answers whether the viewer (the account `who`) was shown the target `post` on one
# read path, and returns every body it read so the caller can check that a hidden post left no
# trace.

Probe = Callable[[World, str, Post], Awaitable[tuple[bool, list[str]]]]
PAGE = 40  # Mastodon's largest page: feeds longer than that are read page by page


def _ids(items: list[dict[str, Any]]) -> set[str]:
    out = set()
    for item in items:
        out.add(item["id"])
        if item.get("reblog"):
            out.add(item["reblog"]["id"])
        if item.get("status"):  # a notification
            out.add(item["status"]["id"])
    return out


async def _missing_body(world: World, who: str, suffix: str = "") -> dict[str, Any]:
    """What a status id that never existed answers: a hidden one must answer the same."""
    if (who, suffix) not in world.missing:
        r = await world.get(who, f"/api/v1/statuses/{new_id()}{suffix}")
        assert r.status_code == 404
        world.missing[who, suffix] = r.json()
    return world.missing[who, suffix]


async def _lookup(world: World, who: str, post: Post, suffix: str = "") -> tuple[bool, list[str]]:
    target = world.target[post]
    r = await world.get(who, f"/api/v1/statuses/{target}{suffix}")
    if r.status_code == 404:
        assert r.json() == await _missing_body(world, who, suffix), "hidden != missing"
        return False, [r.text]
    assert r.status_code == 200, r.text
    if not suffix:
        assert r.json()["id"] == str(target)
    return True, [r.text]


async def probe_status(world: World, who: str, post: Post) -> tuple[bool, list[str]]:
    return await _lookup(world, who, post)


async def probe_reblogged_by(world: World, who: str, post: Post) -> tuple[bool, list[str]]:
    return await _lookup(world, who, post, "/reblogged_by")


async def probe_favourited_by(world: World, who: str, post: Post) -> tuple[bool, list[str]]:
    return await _lookup(world, who, post, "/favourited_by")


async def probe_batch(world: World, who: str, post: Post) -> tuple[bool, list[str]]:
    wanted = [str(world.target[post]), str(world.followup[post])]
    r = await world.client.get(
        "/api/v1/statuses", params={"id[]": wanted}, headers=world.headers(who)
    )
    assert r.status_code == 200, r.text
    return str(world.target[post]) in _ids(r.json()), [r.text]


async def _context(
    world: World, who: str, of: int, side: str, post: Post
) -> tuple[bool, list[str]]:
    r = await world.get(who, f"/api/v1/statuses/{of}/context")
    if r.status_code == 404:
        return False, [r.text]
    assert r.status_code == 200, r.text
    body = r.json()
    everything = _ids(body["ancestors"]) | _ids(body["descendants"])
    shown = str(world.target[post]) in _ids(body[side])
    assert shown or str(world.target[post]) not in everything
    return shown, [r.text]


async def probe_thread_below(world: World, who: str, post: Post) -> tuple[bool, list[str]]:
    return await _context(world, who, world.parent[post], "descendants", post)


async def probe_thread_above(world: World, who: str, post: Post) -> tuple[bool, list[str]]:
    return await _context(world, who, world.followup[post], "ancestors", post)


async def probe_replies_count(world: World, who: str, post: Post) -> tuple[bool, list[str]]:
    """The parent's only reply is the target: it counts 1 or 0 depending on who asks."""
    r = await world.get(who, f"/api/v1/statuses/{world.parent[post]}")
    if r.status_code == 404:
        return False, [r.text]
    count = r.json()["replies_count"]
    assert count in (0, 1), count
    return count == 1, [r.text]


async def _listing(
    world: World, who: str, post: Post, url: str, *, gone_ok: bool = False, **params: Any
) -> tuple[bool, list[str]]:
    """Every page of a feed (the three authors together fill more than one). With `gone_ok` a
    404 answers "not shown" (a suspended account's profile may be missing altogether)."""
    shown, bodies, older = False, [], {}
    while True:
        r = await world.get(who, url, limit=PAGE, **params, **older)
        bodies.append(r.text)
        if gone_ok and r.status_code == 404:
            return False, bodies
        assert r.status_code == 200, r.text
        items = r.json()
        shown = shown or str(world.target[post]) in _ids(items)
        if len(items) < PAGE:
            return shown, bodies
        older = {"max_id": items[-1]["id"]}


async def probe_home(world: World, who: str, post: Post) -> tuple[bool, list[str]]:
    return await _listing(world, who, post, "/api/v1/timelines/home")


async def probe_list(world: World, who: str, post: Post) -> tuple[bool, list[str]]:
    return await _listing(world, who, post, f"/api/v1/timelines/list/{world.lists[who]}")


async def probe_public(world: World, who: str, post: Post) -> tuple[bool, list[str]]:
    return await _listing(world, who, post, "/api/v1/timelines/public")


async def probe_public_local(world: World, who: str, post: Post) -> tuple[bool, list[str]]:
    return await _listing(world, who, post, "/api/v1/timelines/public", local="true")


async def probe_tag(world: World, who: str, post: Post) -> tuple[bool, list[str]]:
    return await _listing(world, who, post, f"/api/v1/timelines/tag/{TAG}")


async def probe_account(world: World, who: str, post: Post) -> tuple[bool, list[str]]:
    url = f"/api/v1/accounts/{world.users[AUTHORS[post[0]]].id}/statuses"
    return await _listing(world, who, post, url, gone_ok=post[0] == "suspended")


async def probe_notifications(world: World, who: str, post: Post) -> tuple[bool, list[str]]:
    r = await world.get(who, "/api/v1/notifications", limit=80)
    assert r.status_code == 200, r.text
    assert len(r.json()) < 80, "a full page: the post may be on the next"
    shown = any(
        n["status"] is not None and n["status"]["id"] == str(world.target[post]) for n in r.json()
    )
    return shown, [r.text]


async def _refused_without_writing(world: World, who: str, url: str, **data: Any) -> httpx.Response:
    before = await row_counts(world.container.db)
    r = await world.post(who, url, **data)
    assert r.status_code != 200, r.text
    assert await row_counts(world.container.db) == before, "a refused write changed rows"
    return r


async def probe_favourite(world: World, who: str, post: Post) -> tuple[bool, list[str]]:
    url = f"/api/v1/statuses/{world.target[post]}"
    r = await world.post(who, f"{url}/favourite")
    if r.status_code == 200:
        undo = await world.post(who, f"{url}/unfavourite")
        assert undo.status_code == 200, undo.text
        return True, [r.text]
    r = await _refused_without_writing(world, who, f"{url}/favourite")
    assert r.status_code == 404, r.text
    assert r.json() == await _missing_body(world, who), "hidden != missing"
    return False, [r.text]


async def probe_reply(world: World, who: str, post: Post) -> tuple[bool, list[str]]:
    target = str(world.target[post])
    r = await world.post(who, "/api/v1/statuses", status="a reply", in_reply_to_id=target)
    if r.status_code == 200:
        undo = await world.client.delete(
            f"/api/v1/statuses/{r.json()['id']}", headers=world.headers(who)
        )
        assert undo.status_code == 200, undo.text
        return True, [r.text]
    r = await _refused_without_writing(
        world, who, "/api/v1/statuses", status="a reply", in_reply_to_id=target
    )
    assert r.status_code == 404, r.text
    assert r.json() == await _missing_body(world, who), "hidden != missing"
    return False, [r.text]


PROBES: dict[str, Probe] = {
    "status": probe_status,
    "batch": probe_batch,
    "thread-below": probe_thread_below,
    "thread-above": probe_thread_above,
    "replies-count": probe_replies_count,
    "reblogged-by": probe_reblogged_by,
    "favourited-by": probe_favourited_by,
    "account": probe_account,
    "home": probe_home,
    "list": probe_list,
    "public": probe_public,
    "public-local": probe_public_local,
    "tag": probe_tag,
    "notifications": probe_notifications,
    "favourite": probe_favourite,
    "reply": probe_reply,
}
SIGNED_IN = {k: v for k, v in LOOKUP.items() if k != ANONYMOUS}
# What each path shows of the author in good standing's posts, by path.
NORMAL: dict[str, dict[str, tuple[bool, ...]]] = {
    "status": LOOKUP,
    "batch": LOOKUP,
    "thread-below": THREAD_BELOW,
    "thread-above": LOOKUP,
    "replies-count": LOOKUP,
    "reblogged-by": LOOKUP,
    "favourited-by": LOOKUP,
    "account": LOOKUP,
    "home": HOME,
    "list": LIST_FEED,
    "public": LISTED,
    "public-local": LISTED,
    "tag": LISTED,
    "notifications": NOTIFIED,
    "favourite": SIGNED_IN,
    "reply": SIGNED_IN,
}
# A limited author's: the same, but for the public places.
LIMITED: dict[str, dict[str, tuple[bool, ...]]] = {
    **NORMAL,
    "public": LIMITED_LISTED,
    "public-local": LIMITED_LISTED,
    "tag": LIMITED_LISTED,
    "notifications": LIMITED_NOTIFIED,
}
# A suspended author's: nothing, to each viewer a path serves.
SUSPENDED = {path: {v: NOBODY[v] for v in table} for path, table in NORMAL.items()}
TABLES = {"normal": NORMAL, "limited": LIMITED, "suspended": SUSPENDED}


def cell_id(state: str, vis: str, *rest: str) -> str:
    """Cell ids: the author in good standing's keep their old names; the others' say whose."""
    return "-".join([vis, *rest] if state == "normal" else [state, vis, *rest])


READ_CELLS = [
    pytest.param(state, path, viewer, vis, id=cell_id(state, vis, viewer, path))
    for state in STATES
    for path, table in TABLES[state].items()
    for viewer in VIEWERS
    if viewer in table and (state, viewer) not in SIGNED_OUT
    for vis in VISIBILITIES
]


@pytest.mark.parametrize(("state", "path", "viewer", "vis"), READ_CELLS)
async def test_matrix(world: World, state: str, path: str, viewer: str, vis: str) -> None:
    expected = TABLES[state][path][viewer][VISIBILITIES.index(vis)]
    shown, bodies = await PROBES[path](world, account_of(viewer, state), (state, vis))
    assert shown == expected, (
        f"{viewer} {'was' if shown else 'was not'} shown the {state} author's {vis} post on {path}"
    )
    if not expected:
        for body in bodies:
            assert marker(vis, state) not in body, (
                f"the {state} author's {vis} post's text leaked to {viewer} on {path}"
            )


REBLOG_CELLS = [
    pytest.param(state, viewer, vis, id=cell_id(state, vis, viewer, "reblog"))
    for state in STATES
    for viewer in REBLOGS[state]
    if (state, viewer) not in SIGNED_OUT
    for vis in VISIBILITIES
]


@pytest.mark.parametrize(("state", "viewer", "vis"), REBLOG_CELLS)
async def test_reblog_matrix(world: World, state: str, viewer: str, vis: str) -> None:
    expected = REBLOGS[state][viewer][VISIBILITIES.index(vis)]
    who = account_of(viewer, state)
    url = f"/api/v1/statuses/{world.target[state, vis]}"
    r = await world.post(who, f"{url}/reblog")
    if r.status_code == 200:
        assert expected == OK, f"{viewer} reposted the {state} author's {vis} post"
        assert r.json()["reblog"]["id"] == str(world.target[state, vis])
        undo = await world.post(who, f"{url}/unreblog")
        assert undo.status_code == 200, undo.text
        return
    r = await _refused_without_writing(world, who, f"{url}/reblog")
    if expected == REFUSED:
        assert r.status_code == 422, r.text
    else:
        assert expected == HIDDEN, f"{viewer} could not repost the {state} {vis} post: {r.text}"
        assert r.status_code == 404, r.text
        assert r.json() == await _missing_body(world, who)
        assert marker(vis, state) not in r.text


@pytest.mark.parametrize("vis", VISIBILITIES)
async def test_suspended_author_cannot_sign_in(world: World, vis: str) -> None:
    """The one viewer the suspended author's cells leave out: its token is refused, so it reads
    nothing of its own posts either (the rule agrees: NOBODY holds its row)."""
    who = AUTHORS["suspended"]
    r = await world.get(who, f"/api/v1/statuses/{world.target['suspended', vis]}")
    assert r.status_code == 401, r.text
    assert marker(vis, "suspended") not in r.text
    r = await world.get(who, "/api/v1/accounts/verify_credentials")
    assert r.status_code == 401, r.text


@pytest.mark.parametrize("vis", ["private", "direct", "list"])
async def test_quote_of_private_or_direct_is_refused(world: World, vis: str) -> None:
    for viewer in ("author", "follower" if vis == "list" else "mentioned"):
        r = await _refused_without_writing(
            world,
            viewer,
            "/api/v1/statuses",
            status="look",
            quoted_status_id=str(world.target["normal", vis]),
        )
        assert r.status_code == 422, r.text


async def test_repost_of_a_hidden_original_is_hidden(world: World) -> None:
    """`blocker` follows `sharer`, whose reposts of the author's posts were fanned out to it;
    but `blocker` blocked the author, so the reposts must not show anywhere."""
    sharer = world.users["sharer"].id
    reposts = {str(i) for i in world.reposts.values()}
    home = await world.get("blocker", "/api/v1/timelines/home")
    assert home.status_code == 200
    assert not reposts & _ids(home.json())
    profile = await world.get("blocker", f"/api/v1/accounts/{sharer}/statuses")
    assert not reposts & _ids(profile.json())
    for repost in reposts:
        r = await world.get("blocker", f"/api/v1/statuses/{repost}")
        assert r.status_code == 404
    # The same reposts do show to someone without the block: the checks above can fail.
    profile = await world.get("stranger", f"/api/v1/accounts/{sharer}/statuses")
    assert reposts <= _ids(profile.json())


@pytest.mark.parametrize("viewer", ["sharer", "stranger", ANONYMOUS])
async def test_repost_of_a_suspended_authors_post_is_hidden(world: World, viewer: str) -> None:
    """`sharer` reposted the suspended author's open posts before the suspension, as it did the
    author in good standing's: the reposts go with their originals, even from the reposter's
    own profile, while the other reposts stay (the check can fail)."""
    sharer = world.users["sharer"].id
    hidden = {str(i) for i in world.hidden_reposts.values()}
    profile = await world.get(viewer, f"/api/v1/accounts/{sharer}/statuses")
    assert profile.status_code == 200, profile.text
    assert not hidden & _ids(profile.json())
    assert {str(i) for i in world.reposts.values()} <= _ids(profile.json())
    for vis, repost in world.hidden_reposts.items():
        r = await world.get(viewer, f"/api/v1/statuses/{repost}")
        assert r.status_code == 404
        assert r.json() == await _missing_body(world, viewer)
        assert marker(vis, "suspended") not in profile.text + r.text


async def test_repost_by_an_account_the_viewer_blocked_is_hidden(world: World) -> None:
    """`repostblocker` followed `sharer`, got its reposts in home, then blocked it: the public
    original stays visible, the repost (and its count) does not."""
    sharer = world.users["sharer"].id
    original = world.target["normal", "public"]
    repost = str(world.reposts["public"])
    home = await world.get("repostblocker", "/api/v1/timelines/home")
    assert repost not in _ids(home.json())
    r = await world.get("repostblocker", f"/api/v1/statuses/{repost}")
    assert r.status_code == 404
    assert r.json() == await _missing_body(world, "repostblocker")
    r = await world.get("repostblocker", f"/api/v1/statuses/{original}")
    assert r.status_code == 200
    assert r.json()["reblogs_count"] == 0
    by = await world.get("repostblocker", f"/api/v1/statuses/{original}/reblogged_by")
    assert str(sharer) not in {a["id"] for a in by.json()}
    # Without the block the repost is there: the checks above can fail.
    r = await world.get("stranger", f"/api/v1/statuses/{original}")
    assert r.json()["reblogs_count"] == 1
    by = await world.get("stranger", f"/api/v1/statuses/{original}/reblogged_by")
    assert str(sharer) in {a["id"] for a in by.json()}


# The two forms of the one rule must not drift: `may_see` (Python) and `visible_filter` (SQL).

RULE_VIEWERS = [*VIEWERS, AUTHORS["limited"], AUTHORS["suspended"], "sharer", "repostblocker"]


async def _facts(session: Any, viewer_id: int | None, status: Status) -> Facts:
    author = await session.get(Account, status.account_id)
    if viewer_id is None:
        return Facts(author_shown=author.suspended_at is None)
    follows = await session.scalar(
        select(Follow.id).where(
            Follow.account_id == viewer_id, Follow.target_account_id == status.account_id
        )
    )
    mentioned = await session.scalar(
        select(Mention.id).where(Mention.status_id == status.id, Mention.account_id == viewer_id)
    )
    blocked = await session.scalar(
        select(Block.id).where(
            or_(
                (Block.account_id == viewer_id) & (Block.target_account_id == status.account_id),
                (Block.account_id == status.account_id) & (Block.target_account_id == viewer_id),
            )
        )
    )
    in_list = (
        await session.scalar(
            select(ListMember.account_id).where(
                ListMember.list_id == status.list_id, ListMember.account_id == viewer_id
            )
        )
        if status.list_id is not None
        else None
    )
    return Facts(
        follows_author=follows is not None,
        mentioned=mentioned is not None,
        blocked_either_way=blocked is not None,
        in_list=in_list is not None,
        author_shown=author.suspended_at is None,
    )


def _role(account: str, state: str) -> str | None:
    """Which row of the author in `state`'s tables the account plays (None: no row, as for
    another author)."""
    if account == AUTHORS[state]:
        return "author"
    return None if account in AUTHORS.values() or account not in VIEWERS else account


@pytest.mark.parametrize("viewer", RULE_VIEWERS, ids=[f"may_see-{v}" for v in RULE_VIEWERS])
async def test_python_rule_agrees_with_sql_filter(world: World, viewer: str) -> None:
    viewer_id = None if viewer == ANONYMOUS else world.users[viewer].id
    async with world.container.db.session() as session:
        everything = {s.id: s for s in await session.scalars(select(Status))}
        by_sql = set(await session.scalars(select(Status.id).where(visible_filter(viewer_id))))

        async def python_says(status: Status) -> bool:
            return may_see(viewer_id, status, await _facts(session, viewer_id, status))

        by_python = set()
        for status in everything.values():
            ok = await python_says(status)
            if ok and status.reblog_of_id is not None:
                ok = await python_says(everything[status.reblog_of_id])
            if ok:
                by_python.add(status.id)
    assert len(everything) > 3 * 15
    assert by_python == by_sql, {
        "python only": sorted(by_python - by_sql),
        "sql only": sorted(by_sql - by_python),
    }
    for state in STATES:  # and both agree with the tables written by hand
        role = _role(viewer, state)
        if role is None:
            continue
        for vis in VISIBILITIES:
            expected = TABLES[state]["status"][role][VISIBILITIES.index(vis)]
            assert (world.target[state, vis] in by_sql) == expected, (state, vis)


@pytest.mark.parametrize("viewer", RULE_VIEWERS, ids=[f"prebuilt-{v}" for v in RULE_VIEWERS])
async def test_prebuilt_rules_agree_with_the_rules_they_are_built_from(
    world: World, viewer: str
) -> None:
    """The per-process rules (the viewer a bound parameter) pick exactly what the rules built
    for that viewer pick, and one built for one viewer never reads as another."""
    viewer_id = None if viewer == ANONYMOUS else world.users[viewer].id
    prebuilt = rules_for(viewer_id)
    async with world.container.db.session() as session:
        for filtered, built in (
            (prebuilt.visible, visible_filter(viewer_id)),
            (prebuilt.timeline, timeline_filter(viewer_id)),
            (prebuilt.listed, listed_for(viewer_id)),
        ):
            by_prebuilt = set(
                await session.scalars(select(Status.id).where(filtered), prebuilt.params)
            )
            by_built = set(await session.scalars(select(Status.id).where(built)))
            assert by_prebuilt == by_built


async def test_prebuilt_rules_without_their_viewer_fail(world: World) -> None:
    prebuilt = rules_for(world.users[RULE_VIEWERS[-1]].id)
    async with world.container.db.session() as session:
        with pytest.raises(StatementError, match="myna_viewer_id"):
            await session.scalars(select(Status.id).where(prebuilt.visible))
