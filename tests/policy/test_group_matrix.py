"""The group leak matrix (issue 4, acceptance 1): group privacy (public, restricted, secret)
x every kind of viewer x every read path, through the HTTP API and the streaming server, on a
real database. What each viewer may see is written out below as data, by hand, from the rule
in docs/groups.md and policy/visibility.py; it is never computed from the code under test.

The rule: a group post is visible to the members of its group, or to anyone when the group is
public. Being its author or being mentioned in it grants nothing, so a removed member (or one
who left) no longer sees the group's posts, their own old ones included, unless the group is
public. Group posts never reach public or tag timelines, are never fanned out to followers,
do not count in their author's profile, and their mentions notify members only.

One world is built per module: a group per privacy, each with every kind of viewer in place
(their own accounts, so the three groups stay apart). Each group is created `restricted`, so
that an account can ask to join it, and then given its final privacy: a pending request thus
exists in all three (in a public group it is left over from before; in a secret one it grants
nothing).

Status search has its cells in tests/policy/test_search_matrix.py, on this same world.
"""

import asyncio
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import pytest_asyncio

from myna.actions.accounts import Registration
from myna.actions.groups import NewGroup
from myna.actions.statuses import NewStatus
from myna.app import create_app
from myna.config import Settings
from myna.container import Container, build
from myna.lib.ids import new_id
from myna.models import Visibility
from tests.conftest import (
    BASE_URL,
    POSTGRES_URL,
    MakeUser,
    User,
    drop_redis_keys,
    scale_settings,
    truncate_all,
)
from tests.streaming import conftest as streaming_fixtures
from tests.streaming.conftest import QUIET_WAIT, Listener, Socket, Streams

# The real uvicorn server and streaming clients of tests/streaming, for the streaming cells.
server = streaming_fixtures.server
http = streaming_fixtures.http
streams = streaming_fixtures.streams

PRIVACIES = ["public", "restricted", "secret"]
VIEWERS = [
    "owner",  # created the group, wrote `early` and `target`
    "admin",  # made admin by the owner; replied to `target`
    "member",  # asked, was accepted; liked `target`, wrote `aside`
    "quiet",  # a member who turned `in_home` off
    "pending",  # asked to join, not (yet) accepted
    "invited",  # holds an invitation, has not accepted it
    "banned",  # was a member, then banned
    "removed",  # was a member and wrote `old_removed`, then removed
    "former",  # was a member and wrote `old_former`, then left
    "stranger",  # signed in, no relation at all
    "anonymous",  # no token
]
ANONYMOUS = "anonymous"
# pending, invited, banned, removed and former follow the owner: following grants nothing.
FOLLOWERS_OF_OWNER = ("pending", "invited", "banned", "removed", "former")
TAG = "leakmatrix"
TOPIC = "泄漏话题"

# The group posts. `early`, `old_removed` and `old_former` were written while everyone who
# was ever a member still was; the rest after the removal, the departure and the ban.
POSTS = ["early", "old_removed", "old_former", "target", "reply", "aside"]
# early: the owner's, mentioning every viewer, #tag and #topic#.
# old_removed, old_former: by the removed member and the former member, #tag and #topic#.
# target: the owner's, mentioning every viewer, #tag and #topic#; liked by the member.
# reply: the admin's reply to `target` (it stays in the group), mentioning the owner.
# aside: the member's group reply to `opener`, a public post of the owner's.

ALL = frozenset(POSTS)
NONE: frozenset[str] = frozenset()


def only(*labels: str) -> frozenset[str]:
    return frozenset(labels)


Row = tuple[frozenset[str], frozenset[str], frozenset[str]]  # public, restricted, secret

# Looking a post up, and everything that behaves like it: by id, ?id[]=, its thread, who liked
# or reposted it, its author's profile, the group's timeline. Members see everything; anyone
# else everything of the public group and nothing of the others.
MEMBER: Row = (ALL, ALL, ALL)
OUTSIDER: Row = (ALL, NONE, NONE)
LOOKUP: dict[str, Row] = {
    "owner": MEMBER,
    "admin": MEMBER,
    "member": MEMBER,
    "quiet": MEMBER,
    "pending": OUTSIDER,
    "invited": OUTSIDER,
    "banned": OUTSIDER,
    "removed": OUTSIDER,
    "former": OUTSIDER,
    "stranger": OUTSIDER,
    "anonymous": OUTSIDER,
}
# Home: the posts of the groups a member shows at home; never through a follow.
HOME: dict[str, Row] = {
    "owner": MEMBER,
    "admin": MEMBER,
    "member": MEMBER,
    "quiet": (NONE, NONE, NONE),
    "pending": (NONE, NONE, NONE),
    "invited": (NONE, NONE, NONE),
    "banned": (NONE, NONE, NONE),
    "removed": (NONE, NONE, NONE),
    "former": (NONE, NONE, NONE),
    "stranger": (NONE, NONE, NONE),
}
# Public places (public timeline, local or not, tag and topic pages): never a group post.
LISTED: dict[str, Row] = {viewer: (NONE, NONE, NONE) for viewer in VIEWERS}
# Conversations hold direct messages only.
CONVERSATIONS: dict[str, Row] = {v: (NONE, NONE, NONE) for v in VIEWERS if v != ANONYMOUS}
# Notifications that carry a group post: mentions reach those who were members when the post
# was written, likes and replies reach the author; what a viewer may no longer see is gone.
NOTIFIED: dict[str, Row] = {
    "owner": (only("target", "reply"),) * 3,  # the member's like, the admin's reply
    "admin": (only("early", "target"),) * 3,
    "member": (only("early", "target"),) * 3,
    "quiet": (only("early", "target"),) * 3,
    "pending": (NONE, NONE, NONE),
    "invited": (NONE, NONE, NONE),
    # Mentioned in `early` while still members; `target` did not notify them.
    "banned": (only("early"), NONE, NONE),
    "removed": (only("early"), NONE, NONE),
    "former": (only("early"), NONE, NONE),
    "stranger": (NONE, NONE, NONE),
}

# The group itself, per viewer: (public, restricted, secret). A secret group is seen by its
# members and the accounts invited to it; its member list, by its members only; search and
# "my groups" list it to members only.
SEES_GROUP = {
    "owner": (True, True, True),
    "admin": (True, True, True),
    "member": (True, True, True),
    "quiet": (True, True, True),
    "pending": (True, True, False),
    "invited": (True, True, True),
    "banned": (True, True, False),
    "removed": (True, True, False),
    "former": (True, True, False),
    "stranger": (True, True, False),
    "anonymous": (True, True, False),
}
SEES_MEMBERS = {**SEES_GROUP, "invited": (True, True, False)}
LISTED_IN_SEARCH = SEES_MEMBERS
IN_MY_GROUPS = {
    "owner": (True, True, True),
    "admin": (True, True, True),
    "member": (True, True, True),
    "quiet": (True, True, True),
    "pending": (False, False, False),
    "invited": (False, False, False),
    "banned": (False, False, False),
    "removed": (False, False, False),
    "former": (False, False, False),
    "stranger": (False, False, False),
}
# The caller's own fields on the Group entity: role, requested, invited.
OWN_FIELDS = {
    "owner": ("owner", False, False),
    "admin": ("admin", False, False),
    "member": ("member", False, False),
    "quiet": ("member", False, False),
    "pending": (None, True, False),
    "invited": (None, False, True),
    "banned": (None, False, False),
    "removed": (None, False, False),
    "former": (None, False, False),
    "stranger": (None, False, False),
    "anonymous": (None, False, False),
}
MEMBERS_AT_THE_END = {"owner", "admin", "member", "quiet"}
GROUP_MEMBERS_COUNT = 4
GROUP_STATUSES_COUNT = 6  # the six group posts; nobody deleted one
# Profiles count no group post: the owner's only counted post is the public opener.
PROFILE_COUNTS = {"owner": 1, "admin": 0, "member": 0, "removed": 0, "former": 0}


def marker(privacy: str) -> str:
    """A word only the group posts of that group contain."""
    return f"hush{privacy}word"


def group_name(privacy: str) -> str:
    """Only the group's own entity carries it: it must not reach anyone who may not see it."""
    return f"密群{privacy}名"


def username(privacy: str, viewer: str) -> str:
    return f"{privacy[:3]}_{viewer}"


@dataclass
class Group:
    privacy: str
    id: int
    handle: str
    users: dict[str, User]
    posts: dict[str, int] = field(default_factory=dict)
    opener: int = 0


@dataclass
class World:
    client: httpx.AsyncClient
    container: Container
    groups: dict[str, Group] = field(default_factory=dict)
    missing: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)

    def headers(self, privacy: str, viewer: str) -> dict[str, str]:
        if viewer == ANONYMOUS:
            return {}
        return self.groups[privacy].users[viewer].headers

    async def get(self, privacy: str, viewer: str, url: str, **params: Any) -> httpx.Response:
        return await self.client.get(
            url, params=params or None, headers=self.headers(privacy, viewer)
        )

    def label(self, privacy: str, status_id: str) -> str | None:
        for label, sid in self.groups[privacy].posts.items():
            if str(sid) == status_id:
                return label
        return None

    def labels(self, privacy: str, ids: set[str]) -> frozenset[str]:
        return frozenset(x for i in ids if (x := self.label(privacy, i)) is not None)


async def _make_users(services: Container, app_id: int, privacy: str) -> dict[str, User]:
    users = {}
    for viewer in VIEWERS:
        if viewer == ANONYMOUS:
            continue
        name = username(privacy, viewer)
        account = await services.account_actions.do_register(
            Registration(username=name, email=f"{name}@example.test", password="correct horse 1")
        )
        _token, raw = await services.app_actions.do_issue_token(
            app_id, account.id, "read write follow push"
        )
        users[viewer] = User(id=account.id, username=name, token=raw, password="correct horse 1")
    return users


async def _build_group(services: Container, app_id: int, privacy: str) -> Group:
    users = await _make_users(services, app_id, privacy)
    uid = {name: u.id for name, u in users.items()}
    groups, statuses, rel = (
        services.group_actions,
        services.status_actions,
        services.relation_actions,
    )
    owner = uid["owner"]
    handle = f"leak{privacy}"
    group_id = await groups.do_create(
        owner,
        NewGroup(handle=handle, name=group_name(privacy), description="", privacy="restricted"),
    )
    group = Group(privacy=privacy, id=group_id, handle=handle, users=users)
    # Asking, and being accepted; being invited, and accepting.
    await groups.do_join(uid["pending"], group_id)
    await groups.do_join(uid["member"], group_id)
    await groups.do_authorize(owner, group_id, uid["member"])
    for viewer in ("admin", "quiet", "banned", "removed", "former", "invited"):
        await groups.do_invite(owner, group_id, uid[viewer])
        if viewer != "invited":
            await groups.do_join(uid[viewer], group_id)
    await groups.do_set_role(owner, group_id, uid["admin"], "admin")
    if privacy != "restricted":
        await groups.do_update(owner, group_id, privacy=privacy)
    for viewer in FOLLOWERS_OF_OWNER:
        await rel.do_follow(uid[viewer], owner)

    everyone = " ".join(f"@{u.username}" for u in users.values())
    body = f"#{TOPIC}# {marker(privacy)} #{TAG}"

    async def group_post(author: str, text: str, **extra: Any) -> int:
        new = NewStatus(text=text, visibility=Visibility.GROUP, group_id=group_id, **extra)
        return (await statuses.do_post(uid[author], new)).id

    opener = await statuses.do_post(
        owner, NewStatus(text=f"opener #{TOPIC}# #{TAG}", visibility=Visibility.PUBLIC)
    )
    group.opener = opener.id
    group.posts["early"] = await group_post("owner", f"{body} {everyone}")
    group.posts["old_removed"] = await group_post("removed", body)
    group.posts["old_former"] = await group_post("former", body)

    await groups.do_remove(owner, group_id, uid["removed"])
    await groups.do_leave(uid["former"], group_id)
    await groups.do_ban(owner, group_id, uid["banned"])
    await groups.do_set_home(uid["quiet"], group_id, False)

    group.posts["target"] = await group_post("owner", f"{body} {everyone}")
    await statuses.do_favourite(uid["member"], group.posts["target"])
    reply = NewStatus(
        text=f"{marker(privacy)} @{users['owner'].username}",
        in_reply_to_id=group.posts["target"],
    )
    group.posts["reply"] = (await statuses.do_post(uid["admin"], reply)).id
    group.posts["aside"] = await group_post("member", body, in_reply_to_id=opener.id)
    return group


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(
    migrated_database: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    if POSTGRES_URL:
        url = POSTGRES_URL
    else:
        target = tmp_path_factory.mktemp("groupmatrix") / "myna.db"
        shutil.copyfile(migrated_database, target)
        url = f"sqlite+aiosqlite:///{target}"
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=url, base_url=BASE_URL, **scale_settings()
    )
    services = build(settings)
    if POSTGRES_URL:
        await truncate_all(services.db)
    app = await services.app_actions.do_create_app(
        name="groupmatrix",
        redirect_uris="urn:ietf:wg:oauth:2.0:oob",
        scopes="read write follow push",
        website=None,
    )
    transport = httpx.ASGITransport(app=create_app(settings, services))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        world = World(client=client, container=services)
        for privacy in PRIVACIES:
            world.groups[privacy] = await _build_group(services, app.app.id, privacy)
        yield world
    await services.close()
    if settings.redis_url:
        drop_redis_keys(settings.redis_prefix)


# Probes: each answers which group posts (by label) the viewer was shown on one read path, the
# labels that path could show at all, and every body it read.

Shown = tuple[frozenset[str], frozenset[str], list[str]]
Probe = Callable[[World, str, str], Awaitable[Shown]]


def _ids(items: list[dict[str, Any]]) -> set[str]:
    out = set()
    for item in items:
        out.add(item["id"])
        for key in ("reblog", "status", "last_status"):
            if item.get(key):
                out.add(item[key]["id"])
    return out


async def _missing_status(world: World, privacy: str, viewer: str, suffix: str) -> Any:
    key = (privacy, viewer, f"status{suffix}")
    if key not in world.missing:
        r = await world.get(privacy, viewer, f"/api/v1/statuses/{new_id()}{suffix}")
        assert r.status_code == 404
        world.missing[key] = r.json()
    return world.missing[key]


async def _missing_group(world: World, privacy: str, viewer: str, suffix: str) -> Any:
    key = (privacy, viewer, f"group{suffix}")
    if key not in world.missing:
        r = await world.get(privacy, viewer, f"/api/v1/groups/{new_id()}{suffix}")
        assert r.status_code == 404
        world.missing[key] = r.json()
    return world.missing[key]


async def _each_post(world: World, privacy: str, viewer: str, suffix: str) -> Shown:
    """GET /api/v1/statuses/:id{suffix} for each group post: 200, or the 404 of a missing id."""
    shown, bodies = set(), []
    for label, sid in world.groups[privacy].posts.items():
        r = await world.get(privacy, viewer, f"/api/v1/statuses/{sid}{suffix}")
        bodies.append(r.text)
        if r.status_code == 404:
            missing = await _missing_status(world, privacy, viewer, suffix)
            assert r.json() == missing, "hidden != missing"
            continue
        assert r.status_code == 200, r.text
        shown.add(label)
        if suffix == "/favourited_by" and label == "target":
            liker = str(world.groups[privacy].users["member"].id)
            assert [a["id"] for a in r.json()] == [liker]
        if suffix == "/reblogged_by":
            assert r.json() == []  # group posts cannot be reposted
    return frozenset(shown), ALL, bodies


async def probe_status(world: World, privacy: str, viewer: str) -> Shown:
    return await _each_post(world, privacy, viewer, "")


async def probe_favourited_by(world: World, privacy: str, viewer: str) -> Shown:
    return await _each_post(world, privacy, viewer, "/favourited_by")


async def probe_reblogged_by(world: World, privacy: str, viewer: str) -> Shown:
    return await _each_post(world, privacy, viewer, "/reblogged_by")


async def probe_batch(world: World, privacy: str, viewer: str) -> Shown:
    group = world.groups[privacy]
    wanted = [str(group.opener), *(str(i) for i in group.posts.values())]
    r = await world.client.get(
        "/api/v1/statuses", params={"id[]": wanted}, headers=world.headers(privacy, viewer)
    )
    assert r.status_code == 200, r.text
    got = _ids(r.json())
    assert str(group.opener) in got  # the public one: the probe can show something
    return world.labels(privacy, got), ALL, [r.text]


async def probe_context(world: World, privacy: str, viewer: str) -> Shown:
    """The public opener's thread (its group reply `aside` below it), and the thread of
    `target` (itself and the admin's `reply`), from both ends."""
    group = world.groups[privacy]
    bodies, shown = [], set()
    r = await world.get(privacy, viewer, f"/api/v1/statuses/{group.opener}/context")
    assert r.status_code == 200, r.text
    bodies.append(r.text)
    shown |= world.labels(privacy, _ids(r.json()["descendants"]))
    for of in ("target", "reply", "aside"):
        r = await world.get(privacy, viewer, f"/api/v1/statuses/{group.posts[of]}/context")
        bodies.append(r.text)
        if r.status_code == 404:
            assert r.json() == await _missing_status(world, privacy, viewer, "/context")
            continue
        assert r.status_code == 200, r.text
        shown.add(of)
        body = r.json()
        shown |= world.labels(privacy, _ids(body["ancestors"]) | _ids(body["descendants"]))
    return frozenset(shown), only("target", "reply", "aside"), bodies


async def probe_replies_count(world: World, privacy: str, viewer: str) -> Shown:
    """The public opener's only reply is `aside`; `target`'s only reply is `reply`: each
    counts 1 to those who may see the reply, 0 to anyone else."""
    group = world.groups[privacy]
    shown, bodies = set(), []
    for parent, child in ((group.opener, "aside"), (group.posts["target"], "reply")):
        r = await world.get(privacy, viewer, f"/api/v1/statuses/{parent}")
        bodies.append(r.text)
        if r.status_code == 404:
            continue
        count = r.json()["replies_count"]
        assert count in (0, 1), count
        if count:
            shown.add(child)
    return frozenset(shown), only("aside", "reply"), bodies


async def _listing(world: World, privacy: str, viewer: str, url: str, **params: Any) -> Shown:
    r = await world.get(privacy, viewer, url, limit=40, **params)
    assert r.status_code == 200, r.text
    return world.labels(privacy, _ids(r.json())), ALL, [r.text]


async def probe_home(world: World, privacy: str, viewer: str) -> Shown:
    return await _listing(world, privacy, viewer, "/api/v1/timelines/home")


async def _public_place(world: World, privacy: str, viewer: str, url: str, **params: Any) -> Shown:
    """A public place: the public opener (tagged alike) is there, as a positive control."""
    shown, scope, bodies = await _listing(world, privacy, viewer, url, **params)
    r = await world.get(privacy, viewer, url, limit=40, **params)
    assert str(world.groups[privacy].opener) in _ids(r.json()), url
    return shown, scope, bodies


async def probe_public(world: World, privacy: str, viewer: str) -> Shown:
    return await _public_place(world, privacy, viewer, "/api/v1/timelines/public")


async def probe_public_local(world: World, privacy: str, viewer: str) -> Shown:
    return await _public_place(world, privacy, viewer, "/api/v1/timelines/public", local="true")


async def probe_tag(world: World, privacy: str, viewer: str) -> Shown:
    return await _public_place(world, privacy, viewer, f"/api/v1/timelines/tag/{TAG}")


async def probe_topic(world: World, privacy: str, viewer: str) -> Shown:
    return await _public_place(world, privacy, viewer, f"/api/v1/timelines/tag/{TOPIC}")


async def probe_account(world: World, privacy: str, viewer: str) -> Shown:
    """The profiles of every author of a group post."""
    users, shown, bodies = world.groups[privacy].users, set(), []
    for author in ("owner", "admin", "member", "removed", "former"):
        url = f"/api/v1/accounts/{users[author].id}/statuses"
        found, _scope, texts = await _listing(world, privacy, viewer, url)
        shown |= found
        bodies += texts
    return frozenset(shown), ALL, bodies


async def probe_group_timeline(world: World, privacy: str, viewer: str) -> Shown:
    """A secret group's timeline is missing to non-members; a restricted one's is empty."""
    gid = world.groups[privacy].id
    r = await world.get(privacy, viewer, f"/api/v1/timelines/group/{gid}", limit=40)
    if r.status_code == 404:
        assert privacy == "secret", r.text
        r2 = await world.get(privacy, viewer, f"/api/v1/timelines/group/{new_id()}")
        assert r2.status_code == 404
        assert r.json() == r2.json(), "hidden group != missing group"
        return NONE, ALL, [r.text]
    assert r.status_code == 200, r.text
    return world.labels(privacy, _ids(r.json())), ALL, [r.text]


async def probe_notifications(world: World, privacy: str, viewer: str) -> Shown:
    r = await world.get(privacy, viewer, "/api/v1/notifications", limit=80)
    assert r.status_code == 200, r.text
    ids = {n["status"]["id"] for n in r.json() if n.get("status")}
    return world.labels(privacy, ids), ALL, [r.text]


async def probe_conversations(world: World, privacy: str, viewer: str) -> Shown:
    r = await world.get(privacy, viewer, "/api/v1/conversations", limit=40)
    assert r.status_code == 200, r.text
    return world.labels(privacy, _ids(r.json())), ALL, [r.text]


PROBES: dict[str, tuple[Probe, dict[str, Row]]] = {
    "status": (probe_status, LOOKUP),
    "batch": (probe_batch, LOOKUP),
    "context": (probe_context, LOOKUP),
    "replies-count": (probe_replies_count, LOOKUP),
    "favourited-by": (probe_favourited_by, LOOKUP),
    "reblogged-by": (probe_reblogged_by, LOOKUP),
    "account": (probe_account, LOOKUP),
    "group-timeline": (probe_group_timeline, LOOKUP),
    "home": (probe_home, HOME),
    "public": (probe_public, LISTED),
    "public-local": (probe_public_local, LISTED),
    "tag": (probe_tag, LISTED),
    "topic": (probe_topic, LISTED),
    "notifications": (probe_notifications, NOTIFIED),
    "conversations": (probe_conversations, CONVERSATIONS),
}

READ_CELLS = [
    pytest.param(path, viewer, privacy, id=f"{privacy}-{viewer}-{path}")
    for path, (_probe, table) in PROBES.items()
    for viewer in VIEWERS
    if viewer in table
    for privacy in PRIVACIES
]


def test_the_tables_cover_every_viewer() -> None:
    for path, (_probe, table) in PROBES.items():
        personal = path in ("home", "notifications", "conversations")
        assert set(table) == set(VIEWERS) - ({ANONYMOUS} if personal else set()), path
    for table in (SEES_GROUP, SEES_MEMBERS, LISTED_IN_SEARCH, OWN_FIELDS):
        assert set(table) == set(VIEWERS)
    assert set(IN_MY_GROUPS) == set(VIEWERS) - {ANONYMOUS}
    assert set(GROUP_STREAM_REFUSED) == set(VIEWERS) - set(GROUP_STREAM_AT_CONNECT)
    assert set(STREAMED["group"]) == set(GROUP_STREAM_AT_CONNECT)
    assert set(STREAMED["user"]) == set(VIEWERS) - {ANONYMOUS}


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(("path", "viewer", "privacy"), READ_CELLS)
async def test_group_post_matrix(world: World, path: str, viewer: str, privacy: str) -> None:
    probe, table = PROBES[path]
    expected = table[viewer][PRIVACIES.index(privacy)]
    shown, scope, bodies = await probe(world, privacy, viewer)
    assert shown == expected & scope, f"{viewer} of the {privacy} group on {path}"
    if not expected & scope:
        for body in bodies:
            assert marker(privacy) not in body, f"{privacy} group text leaked to {viewer} on {path}"


GROUP_CELLS = [
    pytest.param(viewer, privacy, id=f"{privacy}-{viewer}")
    for viewer in VIEWERS
    for privacy in PRIVACIES
]


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(("viewer", "privacy"), GROUP_CELLS)
async def test_the_group_itself(world: World, viewer: str, privacy: str) -> None:
    """GET /api/v1/groups/:id and /members, search, "my groups": a group hidden from the
    viewer answers exactly like a missing one, and nothing of it (name, counts) shows."""
    column = PRIVACIES.index(privacy)
    group = world.groups[privacy]
    bodies = []

    r = await world.get(privacy, viewer, f"/api/v1/groups/{group.id}")
    bodies.append(r.text)
    if SEES_GROUP[viewer][column]:
        assert r.status_code == 200, r.text
        entity = r.json()
        assert entity["name"] == group_name(privacy)
        assert entity["privacy"] == privacy
        assert entity["members_count"] == GROUP_MEMBERS_COUNT
        assert entity["statuses_count"] == GROUP_STATUSES_COUNT
        assert (entity["role"], entity["requested"], entity["invited"]) == OWN_FIELDS[viewer]
    else:
        assert r.status_code == 404, r.text
        assert r.json() == await _missing_group(world, privacy, viewer, "")

    r = await world.get(privacy, viewer, f"/api/v1/groups/{group.id}/members")
    bodies.append(r.text)
    if SEES_MEMBERS[viewer][column]:
        assert r.status_code == 200, r.text
        listed = {m["account"]["id"] for m in r.json()}
        assert listed == {str(group.users[v].id) for v in MEMBERS_AT_THE_END}
    else:
        assert r.status_code == 404, r.text
        assert r.json() == await _missing_group(world, privacy, viewer, "/members")

    r = await world.get(privacy, viewer, "/api/v1/groups/search", q=group.handle)
    bodies.append(r.text)
    assert r.status_code == 200, r.text
    found = [g for g in r.json() if g["id"] == str(group.id)]
    assert bool(found) == LISTED_IN_SEARCH[viewer][column], "search"
    if found:
        assert found[0]["statuses_count"] == GROUP_STATUSES_COUNT
    r = await world.get(privacy, viewer, "/api/v1/groups/search", q=group_name(privacy))
    bodies.append(r.text)
    by_name = [g for g in r.json() if g["id"] == str(group.id)]
    assert bool(by_name) == LISTED_IN_SEARCH[viewer][column], "search by name"

    if viewer != ANONYMOUS:
        r = await world.get(privacy, viewer, "/api/v1/groups")
        bodies.append(r.text)
        assert r.status_code == 200, r.text
        mine = {g["id"] for g in r.json()}
        assert (str(group.id) in mine) == IN_MY_GROUPS[viewer][column], "my groups"
    else:
        r = await world.get(privacy, viewer, "/api/v1/groups")
        assert r.status_code == 401, r.text

    if not SEES_GROUP[viewer][column]:
        for body in bodies:
            assert group_name(privacy) not in body, f"the {privacy} group's name leaked"
            assert group.handle not in body.lower(), f"the {privacy} group's handle leaked"


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(("viewer", "privacy"), GROUP_CELLS)
async def test_profile_counts_tell_nothing_of_group_posts(
    world: World, viewer: str, privacy: str
) -> None:
    users = world.groups[privacy].users
    for author, count in PROFILE_COUNTS.items():
        r = await world.get(privacy, viewer, f"/api/v1/accounts/{users[author].id}")
        assert r.status_code == 200, r.text
        assert r.json()["statuses_count"] == count, author


# Streaming. Each privacy gets its own world on a real server: every signed-in viewer holds a
# `user` stream, members (and the members about to be removed, banned or to leave) also the
# group's stream; the stranger and an anonymous client hold the public and hashtag streams.
# Silence is checked only after positive controls arrived on the same connection, sent after
# everything that must not arrive.

SIGNED_IN = [v for v in VIEWERS if v != ANONYMOUS]
# Subscribed to the group's stream when they connect (they are members then).
GROUP_STREAM_AT_CONNECT = ("owner", "admin", "member", "quiet", "banned", "removed", "former")


def updates(*labels: str) -> set[tuple[str, ...]]:
    return {("update", label) for label in labels}


def notified(kind: str, *labels: str) -> set[tuple[str, ...]]:
    return {("notification", kind, label) for label in labels}


NOTHING: set[tuple[str, ...]] = set()
# What each connection receives of the group posts written after the removal, departure and
# ban: `target` (mentioning everyone, tagged), the member's like of it and the admin's reply.
# The same for every privacy: streams carry group posts to members only.
STREAMED: dict[str, dict[str, set[tuple[str, ...]]]] = {
    "user": {
        "owner": updates("target", "reply")
        | notified("favourite", "target")
        | notified("mention", "reply"),
        "admin": updates("target", "reply") | notified("mention", "target"),
        "member": updates("target", "reply") | notified("mention", "target"),
        "quiet": notified("mention", "target"),  # in_home off: no updates on `user`
        "pending": NOTHING,
        "invited": NOTHING,
        "banned": NOTHING,
        "removed": NOTHING,
        "former": NOTHING,
        "stranger": NOTHING,
    },
    "group": {
        "owner": updates("target", "reply"),
        "admin": updates("target", "reply"),
        "member": updates("target", "reply"),
        "quiet": updates("target", "reply"),
        "banned": NOTHING,
        "removed": NOTHING,
        "former": NOTHING,
    },
    "public": {"stranger": NOTHING, "anonymous": NOTHING},
    "hashtag": {"stranger": NOTHING, "anonymous": NOTHING},
    "topic": {"stranger": NOTHING, "anonymous": NOTHING},
}
# Who may not subscribe to the group's stream, and the error they get: the same for every
# privacy (the group stream is for members).
GROUP_STREAM_REFUSED = {
    "pending": {"error": "Group not found", "status": 404},
    "invited": {"error": "Group not found", "status": 404},
    "stranger": {"error": "Group not found", "status": 404},
    "anonymous": {"error": "Missing access token", "status": 401},
}


def describe(received: Any, names: dict[str, str]) -> tuple[str, ...]:
    event, payload = received.event, received.payload
    if event == "delete":
        return ("delete", names.get(payload, payload))
    if event in ("update", "status.update"):
        return (event, names.get(payload["id"], payload["id"]))
    if event == "notification":
        status = payload.get("status") or {}
        return ("notification", payload["type"], names.get(status.get("id"), str(status)))
    return (event, str(payload))


def stream_of(received: Any) -> str:
    name, *rest = received.stream
    if name == "hashtag" and rest and rest[0] == TOPIC:
        return "topic"
    return str(name)


@pytest.mark.parametrize("privacy", PRIVACIES)
async def test_streams_carry_group_posts_to_members_only(
    privacy: str,
    streams: Streams,
    http: httpx.AsyncClient,
    make_user: MakeUser,
    container: Container,
) -> None:
    users = {viewer: await make_user(username(privacy, viewer)) for viewer in SIGNED_IN}
    control = await make_user("controller")
    uid = {name: u.id for name, u in users.items()}
    groups, rel = container.group_actions, container.relation_actions
    owner = uid["owner"]
    gid = await groups.do_create(
        owner, NewGroup(handle=f"s{privacy}", name=group_name(privacy), privacy="restricted")
    )
    await groups.do_join(uid["pending"], gid)
    await groups.do_join(uid["member"], gid)
    await groups.do_authorize(owner, gid, uid["member"])
    for viewer in ("admin", "quiet", "banned", "removed", "former", "invited"):
        await groups.do_invite(owner, gid, uid[viewer])
        if viewer != "invited":
            await groups.do_join(uid[viewer], gid)
    await groups.do_set_role(owner, gid, uid["admin"], "admin")
    if privacy != "restricted":
        await groups.do_update(owner, gid, privacy=privacy)
    for viewer in FOLLOWERS_OF_OWNER:
        await rel.do_follow(uid[viewer], owner)
    for viewer in SIGNED_IN:
        await rel.do_follow(uid[viewer], control.id)

    # Connect while the soon-removed are still members: their connections must stop hearing
    # of the group the moment they are out.
    sockets: dict[str, Socket] = {}
    for viewer in SIGNED_IN:
        sock = await streams.socket(users[viewer], "user", name=viewer)
        await sock.send({"type": "subscribe", "stream": "group", "group": str(gid)})
        await sock.sync()
        refused = GROUP_STREAM_REFUSED.get(viewer)
        assert sock.listener.errors == ([refused] if refused else []), viewer
        sockets[viewer] = sock
    places: dict[str, Socket] = {}
    for viewer in ("stranger", ANONYMOUS):
        sock = await streams.socket(
            users.get(viewer), "public", ("hashtag", TAG), ("hashtag", TOPIC), name=viewer
        )
        await sock.send({"type": "subscribe", "stream": "group", "group": str(gid)})
        await sock.sync()
        assert sock.listener.errors == [GROUP_STREAM_REFUSED[viewer]], viewer
        places[viewer] = sock

    await groups.do_remove(owner, gid, uid["removed"])
    await groups.do_leave(uid["former"], gid)
    await groups.do_ban(owner, gid, uid["banned"])
    await groups.do_set_home(uid["quiet"], gid, False)

    async def post(user: User, text: str, **extra: Any) -> str:
        r = await http.post(
            "/api/v1/statuses", json={"status": text, **extra}, headers=user.headers
        )
        assert r.status_code == 200, r.text
        return str(r.json()["id"])

    everyone = " ".join(f"@{u.username}" for u in users.values())
    names: dict[str, str] = {}
    target = await post(
        users["owner"],
        f"#{TOPIC}# {marker(privacy)} #{TAG} {everyone}",
        visibility="group",
        group_id=str(gid),
    )
    names[target] = "target"
    r = await http.post(f"/api/v1/statuses/{target}/favourite", headers=users["member"].headers)
    assert r.status_code == 200, r.text
    reply = await post(users["admin"], f"@{users['owner'].username} yes", in_reply_to_id=target)
    names[reply] = "reply"
    await asyncio.sleep(QUIET_WAIT)

    # The positive controls: a public post everyone follows (user, public and tag streams),
    # then a group post (the group's stream).
    names[await post(control, f"control #{TOPIC}# #{TAG}")] = "control"
    names[await post(users["owner"], "group control", visibility="group", group_id=str(gid))] = (
        "control-group"
    )

    async def arrived(listener: Listener, stream: str, label: str) -> None:
        await listener.event(
            lambda e: stream_of(e) == stream and describe(e, names) == ("update", label),
            what=f"{label} on {stream}",
        )

    def seen(listener: Listener, stream: str) -> set[tuple[str, ...]]:
        """Statuses and notifications received; members' presence and typing notices on the
        group's stream are another matter (tests/streaming/test_group_typing.py)."""
        return {
            d
            for e in listener.events
            if stream_of(e) == stream
            and e.event not in ("presence", "typing")
            and not (d := describe(e, names))[-1].startswith("control")
        }

    received: dict[str, dict[str, set[tuple[str, ...]]]] = {s: {} for s in STREAMED}
    for viewer, sock in sockets.items():
        await arrived(sock.listener, "user", "control")
        if viewer in STREAMED["group"] and viewer not in ("banned", "removed", "former"):
            await arrived(sock.listener, "group", "control-group")
        for stream in ("user", "group"):
            if viewer in STREAMED[stream]:
                received[stream][viewer] = seen(sock.listener, stream)
        assert {stream_of(e) for e in sock.listener.events} <= {"user", "group"}
        for e in sock.listener.events:
            if (
                e.event not in ("presence", "typing")
                and describe(e, names)[-1] not in names.values()
            ):
                pytest.fail(f"{viewer} received something unexpected: {e}")
    for viewer, sock in places.items():
        for stream in ("public", "hashtag", "topic"):
            await arrived(sock.listener, stream, "control")
            received[stream][viewer] = seen(sock.listener, stream)
    wrong = {
        (stream, viewer): got
        for stream, row in received.items()
        for viewer, got in row.items()
        if got != STREAMED[stream][viewer]
    }
    assert wrong == {}, "received other than STREAMED"
