"""Streaming privacy: for each visibility, stream and kind of viewer, exactly what may be seen
arrives, and nothing else (acceptance 3).

Every test connects its viewers first, makes its posts, then ends with a positive control that
must reach every connection. Delivery is in order per connection, so once the control arrived,
anything forbidden published before it would have arrived too: only then is silence asserted."""

import asyncio
from typing import Any

import httpx
import pytest

from tests.conftest import MakeUser, User
from tests.streaming.conftest import QUIET_WAIT, SSE, Act, Listener, Post, Socket, Streams

VISIBILITIES = ("public", "unlisted", "private", "direct")
STREAMS = ("user", "user:notification", "public", "public:local", "hashtag", "direct")
VIEWERS = (
    "author",
    "follower",  # follows the author
    "mentioned",  # mentioned in every post, follows nobody
    "stranger",  # no relation at all
    "blocked",  # the author blocked them (and mentions them)
    "blocker",  # they blocked the author (and are mentioned)
    "muted",  # follows the author, and muted them
    "anonymous",  # no token
)
TAG = "streamtest"
SSE_PATHS = {
    "user": "user",
    "user:notification": "user/notification",
    "public": "public",
    "public:local": "public/local",
    "hashtag": f"hashtag?tag={TAG}",
    "direct": "direct",
}
# Streams that need a signed-in viewer: an anonymous connection is refused.
PERSONAL = ("user", "user:notification", "direct")


def status_events(*visibilities: str) -> set[tuple[str, ...]]:
    """The update and (after the author deletes it) delete of each of these statuses."""
    return {(event, v) for v in visibilities for event in ("update", "delete")}


def mentions(*visibilities: str) -> set[tuple[str, ...]]:
    return {("notification", "mention", v) for v in visibilities}


def conversations(*visibilities: str) -> set[tuple[str, ...]]:
    return {("conversation", v) for v in visibilities}


NOTHING: set[tuple[str, ...]] = set()
ALL = VISIBILITIES
PUBLIC_ONLY = status_events("public")

# What each viewer's connection to each stream receives from the author's four posts (one per
# visibility, each mentioning @mentioned, @blocked and @blocker, tagged #streamtest) and their
# deletion. The home feed holds a status for its author and the followers who may see it; a
# mentioned non-follower hears of it as a notification (and, if direct, a conversation).
EXPECTED: dict[str, dict[str, set[tuple[str, ...]]]] = {
    "user": {
        "author": status_events(*ALL),
        "follower": status_events("public", "unlisted", "private"),
        "mentioned": mentions(*ALL),
        "stranger": NOTHING,
        "blocked": NOTHING,
        "blocker": NOTHING,
        "muted": NOTHING,
    },
    "user:notification": {
        "author": NOTHING,
        "follower": NOTHING,
        "mentioned": mentions(*ALL),
        "stranger": NOTHING,
        "blocked": NOTHING,
        "blocker": NOTHING,
        "muted": NOTHING,
    },
    "public": {
        "author": PUBLIC_ONLY,
        "follower": PUBLIC_ONLY,
        "mentioned": PUBLIC_ONLY,
        "stranger": PUBLIC_ONLY,
        "blocked": NOTHING,
        "blocker": NOTHING,
        "muted": NOTHING,
        "anonymous": PUBLIC_ONLY,
    },
    "public:local": {
        "author": PUBLIC_ONLY,
        "follower": PUBLIC_ONLY,
        "mentioned": PUBLIC_ONLY,
        "stranger": PUBLIC_ONLY,
        "blocked": NOTHING,
        "blocker": NOTHING,
        "muted": NOTHING,
        "anonymous": PUBLIC_ONLY,
    },
    "hashtag": {
        "author": PUBLIC_ONLY,
        "follower": PUBLIC_ONLY,
        "mentioned": PUBLIC_ONLY,
        "stranger": PUBLIC_ONLY,
        "blocked": NOTHING,
        "blocker": NOTHING,
        "muted": NOTHING,
        "anonymous": PUBLIC_ONLY,
    },
    "direct": {
        "author": conversations("direct"),
        "follower": NOTHING,
        "mentioned": conversations("direct"),
        "stranger": NOTHING,
        "blocked": NOTHING,
        "blocker": NOTHING,
        "muted": NOTHING,
    },
}

# The positive controls, posted last by an account every signed-in viewer follows and mentioning
# them all: a direct status, then a public one tagged #streamtest. What must arrive on each
# stream before the connection is checked:
CONTROL_MARKER = {
    "user": ("update", "control"),
    "user:notification": ("notification", "mention", "control"),
    "public": ("update", "control"),
    "public:local": ("update", "control"),
    "hashtag": ("update", "control"),
    "direct": ("conversation", "control-direct"),
}


def test_the_table_covers_every_stream_and_viewer() -> None:
    assert set(EXPECTED) == set(STREAMS)
    for stream, row in EXPECTED.items():
        viewers = set(VIEWERS) - ({"anonymous"} if stream in PERSONAL else set())
        assert set(row) == viewers, stream


def describe(received: Any, names: dict[str, str]) -> tuple[str, ...]:
    """An event as (event, ..., which status): ("update", "private"), ("notification",
    "mention", "direct"). Anything unexpected keeps its raw shape, so it fails loudly."""
    event, payload = received.event, received.payload
    if event == "delete":
        return ("delete", names.get(payload, payload))
    if event in ("update", "status.update"):
        shown = payload.get("reblog") or payload
        return (event, names.get(payload["id"], names.get(shown["id"], payload["id"])))
    if event == "notification":
        status = payload.get("status") or {}
        return ("notification", payload["type"], names.get(status.get("id"), str(status)))
    if event == "conversation":
        last = payload.get("last_status") or {}
        return ("conversation", names.get(last.get("id"), str(last)))
    return (event, str(payload))


def is_control(described: tuple[str, ...]) -> bool:
    return described[-1].startswith("control")


async def wait_for_marker(listener: Listener, marker: tuple[str, ...], names: dict[str, str]):  # type: ignore[no-untyped-def]
    await listener.event(lambda e: describe(e, names) == marker, what=f"control {marker}")


def seen(listener: Listener, names: dict[str, str]) -> set[tuple[str, ...]]:
    return {d for e in listener.events if not is_control(d := describe(e, names))}


async def follow(act: Act, who: User, whom: User) -> None:
    await act(who, f"/api/v1/accounts/{whom.id}/follow")


@pytest.mark.parametrize("transport", ["websocket", "sse"])
async def test_each_viewer_receives_exactly_what_they_may_see(
    transport: str,
    streams: Streams,
    http: httpx.AsyncClient,
    post: Post,
    act: Act,
    make_user: MakeUser,
) -> None:
    names = [v for v in VIEWERS if v != "anonymous"]
    users = {name: await make_user(name) for name in [*names, "control"]}
    author, control = users["author"], users["control"]
    await follow(act, users["follower"], author)
    await follow(act, users["muted"], author)
    await act(users["muted"], f"/api/v1/accounts/{author.id}/mute")
    await act(author, f"/api/v1/accounts/{users['blocked'].id}/block")
    await act(users["blocker"], f"/api/v1/accounts/{author.id}/block")
    for name in names:
        await follow(act, users[name], control)

    # Connect every viewer to every stream it may open; the anonymous one is refused the
    # personal streams.
    listeners: dict[tuple[str, str], Listener] = {}
    for stream in STREAMS:
        for viewer in VIEWERS:
            user = users.get(viewer)
            if user is None and stream in PERSONAL:
                await assert_anonymous_refused(streams, transport, stream)
                continue
            listeners[stream, viewer] = await open_stream(streams, transport, user, stream)

    # The author's four posts, then their deletion.
    mentioned = "@mentioned @blocked @blocker"
    statuses = {
        v: await post(author, f"{v} post {mentioned} #{TAG}", visibility=v) for v in VISIBILITIES
    }
    ids = {s["id"]: v for v, s in statuses.items()}
    # Entities are rendered when delivered: a status deleted before that is never shown at
    # all. Every connection gets the one rendering, so the author's arrival is everyone's.
    await listeners["user", "author"].wait_until(
        lambda: {e.payload["id"] for e in listeners["user", "author"].events} == set(ids),
        what="the author's four updates",
    )
    for status in statuses.values():
        r = await http.delete(f"/api/v1/statuses/{status['id']}", headers=author.headers)
        assert r.status_code == 200, r.text
    await asyncio.sleep(QUIET_WAIT)

    # The positive controls.
    everyone = " ".join(f"@{name}" for name in names)
    direct_control = await post(control, f"control {everyone}", visibility="direct")
    public_control = await post(control, f"control {everyone} #{TAG}", visibility="public")
    ids[direct_control["id"]] = "control-direct"
    ids[public_control["id"]] = "control"

    for (stream, viewer), listener in listeners.items():
        expected = EXPECTED[stream][viewer]
        await wait_for_marker(listener, CONTROL_MARKER[stream], ids)
        assert seen(listener, ids) == expected, (stream, viewer)


async def open_stream(streams: Streams, transport: str, user: User | None, stream: str) -> Listener:
    name = f"{user.username if user else 'anonymous'} on {stream}"
    if transport == "sse":
        sse: SSE = await streams.sse(user, SSE_PATHS[stream], name=name)
        return sse.listener
    target: str | tuple[str, str] = ("hashtag", TAG) if stream == "hashtag" else stream
    sock: Socket = await streams.socket(user, target, name=name)
    assert sock.listener.errors == [], sock.listener.errors
    return sock.listener


async def assert_anonymous_refused(streams: Streams, transport: str, stream: str) -> None:
    if transport == "sse":
        r = await streams.http.get(f"/api/v1/streaming/{SSE_PATHS[stream]}")
        assert r.status_code == 401, r.text
        assert r.json()["error"]
        return
    sock = await streams.socket(None, stream)
    assert sock.listener.errors == [{"error": "Missing access token", "status": 401}]
    await sock.close()


def status_ids(listener: Listener, event: str = "update") -> list[str]:
    """Ids of the statuses (a repost: the repost's own id) of `event`s received."""
    return [
        e.payload if event == "delete" else e.payload["id"]
        for e in listener.events
        if e.event == event
    ]


async def test_reposts_and_quotes_of_a_blocked_or_muted_account_do_not_arrive(
    streams: Streams, http: httpx.AsyncClient, post: Post, act: Act, make_user: MakeUser
) -> None:
    """A followed account reposts or quotes someone the viewer blocked, was blocked by, or
    muted: the viewer hears of neither (nor of the repost's removal); a viewer with no such
    relation hears of both."""
    reposter, other = await make_user("reposter"), await make_user("other")
    plain, blocking, blocked, muting = [
        await make_user(name) for name in ("plain", "blocking", "blockedby", "muting")
    ]
    for viewer in (plain, blocking, blocked, muting):
        await follow(act, viewer, reposter)
    await act(blocking, f"/api/v1/accounts/{other.id}/block")
    await act(other, f"/api/v1/accounts/{blocked.id}/block")
    await act(muting, f"/api/v1/accounts/{other.id}/mute")
    sockets = {
        viewer.username: await streams.socket(viewer, "user", "public")
        for viewer in (plain, blocking, blocked, muting)
    }

    original = await post(other, "an original post")
    r = await http.post(f"/api/v1/statuses/{original['id']}/reblog", headers=reposter.headers)
    assert r.status_code == 200, r.text
    repost = r.json()
    quote = await post(reposter, "a quote", quoted_status_id=original["id"])
    r = await http.post(f"/api/v1/statuses/{original['id']}/unreblog", headers=reposter.headers)
    assert r.status_code == 200, r.text
    await asyncio.sleep(QUIET_WAIT)
    control = await post(reposter, "control")

    for name, sock in sockets.items():
        await sock.listener.wait_until(
            lambda s=sock: control["id"] in status_ids(s.listener), what="control"
        )
        updates, deletes = status_ids(sock.listener), status_ids(sock.listener, "delete")
        if name == "plain":
            # Home gets the repost and the quote; the public stream carries neither the
            # repost nor (from the blocked account) anything else, only originals.
            assert updates.count(repost["id"]) == 1, updates
            assert updates.count(quote["id"]) == 2, updates  # user and public
            assert deletes == [repost["id"]]
        else:
            assert repost["id"] not in updates, name
            assert quote["id"] not in updates, name
            assert deletes == [], name
        # The original itself: public, so on the public stream, except across a block or mute.
        assert (original["id"] in updates) == (name == "plain"), name


async def test_notifications_of_statuses_the_viewer_may_not_see_do_not_arrive(
    streams: Streams, post: Post, act: Act, make_user: MakeUser
) -> None:
    viewer, author, muted, friend = [
        await make_user(name) for name in ("viewer", "author", "mutedone", "friend")
    ]
    await act(viewer, f"/api/v1/accounts/{muted.id}/mute")
    sockets = [
        await streams.socket(viewer, "user:notification", name="notifications"),
        await streams.socket(viewer, "user", name="user"),
    ]
    theirs = await post(viewer, "something to quote")

    # A followers-only and a direct quote the viewer cannot see (the quote notification would
    # show the quoting status); a mention by a muted account (muting hides notifications).
    hidden = [
        await post(author, "quoting you privately", quoted_status_id=theirs["id"], **vis)
        for vis in ({"visibility": "private"}, {"visibility": "direct"})
    ]
    hidden.append(await post(muted, f"hello @{viewer.username}"))
    await asyncio.sleep(QUIET_WAIT)
    control = await post(friend, f"hello @{viewer.username}", visibility="unlisted")

    hidden_ids = {s["id"] for s in hidden}
    for sock in sockets:
        await sock.listener.event(
            lambda e: e.event == "notification" and e.payload["status"]["id"] == control["id"],
            what="the control mention",
        )
        notified = [
            e.payload["status"]["id"] for e in sock.listener.events if e.event == "notification"
        ]
        assert notified == [control["id"]], (sock.listener.name, hidden_ids)
        assert [e.event for e in sock.listener.events if e.event != "notification"] in (
            [],
            ["update"],  # the viewer's own post, on the user stream
        )


async def test_a_block_or_mute_made_while_connected_takes_effect_at_once(
    streams: Streams, post: Post, act: Act, make_user: MakeUser
) -> None:
    """The `relations` control message refreshes a live connection: after the viewer blocks
    (or mutes) an account, or is blocked by it, its events stop on every stream."""
    loud, friend = await make_user("loud"), await make_user("friend")
    blocks, blocked, mutes = [await make_user(n) for n in ("blocks", "isblocked", "mutes")]
    viewers = (blocks, blocked, mutes)
    for viewer in viewers:
        await follow(act, viewer, loud)
        await follow(act, viewer, friend)
    sockets = [await streams.socket(v, "user", "public", ("hashtag", TAG)) for v in viewers]

    before = await post(loud, f"before #{TAG}")
    for sock in sockets:  # on user, public and hashtag
        await sock.listener.wait_until(
            lambda s=sock: status_ids(s.listener).count(before["id"]) == 3, what="before"
        )

    await act(blocks, f"/api/v1/accounts/{loud.id}/block")
    await act(loud, f"/api/v1/accounts/{blocked.id}/block")
    await act(mutes, f"/api/v1/accounts/{loud.id}/mute")
    after = await post(loud, f"after #{TAG}")
    r = await streams.http.delete(f"/api/v1/statuses/{before['id']}", headers=loud.headers)
    assert r.status_code == 200, r.text
    await asyncio.sleep(QUIET_WAIT)
    control = await post(friend, f"control #{TAG}")

    for sock in sockets:
        await sock.listener.wait_until(
            lambda s=sock: status_ids(s.listener).count(control["id"]) == 3, what="control"
        )
        assert after["id"] not in status_ids(sock.listener), sock.listener.name
        assert before["id"] not in status_ids(sock.listener, "delete"), sock.listener.name
