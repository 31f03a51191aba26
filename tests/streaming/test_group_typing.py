"""Typing notices and presence in a group (微群), over a real server and real WebSockets: the
group's other members hear them on their group stream; nobody else ever does."""

import uuid
from typing import Any

import httpx
import pytest

from myna.config import Settings
from tests.conftest import REDIS_URL, MakeUser, User
from tests.streaming.conftest import Act, Post, Received, Socket, Streams
from tests.streaming.test_typing_presence import serving


async def make_group(http: httpx.AsyncClient, owner: User, handle: str, *members: User) -> str:
    """A secret group of `owner` and `members` (each invited, then joining)."""
    r = await http.post(
        "/api/v1/groups",
        json={"handle": handle, "name": f"小组 {handle}", "privacy": "secret"},
        headers=owner.headers,
    )
    assert r.status_code == 200, r.text
    gid = str(r.json()["id"])
    for member in members:
        r = await http.post(
            f"/api/v1/groups/{gid}/invites", json={"account_id": member.id}, headers=owner.headers
        )
        assert r.status_code == 200, r.text
        r = await http.post(f"/api/v1/groups/{gid}/join", headers=member.headers)
        assert r.status_code == 200 and r.json()["role"] == "member", r.text
    return gid


async def group_socket(streams: Streams, user: User, gid: str) -> Socket:
    """A WebSocket subscribed to the group stream (and synced: events from now on reach it)."""
    sock = await streams.socket(user)
    await sock.send({"type": "subscribe", "stream": "group", "group": gid})
    await sock.sync()
    assert sock.listener.errors == [], sock.listener.errors
    return sock


def of(kind: str, events: list[Received]) -> list[Any]:
    return [e.payload for e in events if e.event == kind]


async def online(http: httpx.AsyncClient, user: User, gid: str) -> list[str]:
    r = await http.get(f"/api/v1/groups/{gid}/presence", headers=user.headers)
    assert r.status_code == 200, r.text
    assert all(p["online"] is True for p in r.json())
    return [p["account_id"] for p in r.json()]


async def test_member_typing_reaches_the_other_members_only(
    streams: Streams, http: httpx.AsyncClient, post: Post, act: Act, make_user: MakeUser
) -> None:
    alice, bob, carol, dave = [await make_user(n) for n in ("alice", "bob", "carol", "dave")]
    eve, olga = await make_user("eve"), await make_user("olga")
    gid = await make_group(http, alice, "birders", bob, carol, dave)
    other = await make_group(http, olga, "cyclists", eve)  # eve belongs to another group only
    await act(dave, f"/api/v1/accounts/{alice.id}/block")
    sockets = {u.username: await group_socket(streams, u, gid) for u in (alice, bob, carol, dave)}
    sockets["eve"] = await group_socket(streams, eve, other)
    # A stranger also follows alice and listens to everything a stranger may.
    await act(eve, f"/api/v1/accounts/{alice.id}/follow")
    eve_direct = await streams.socket(eve, "user", "direct", "public", name="eve-direct")

    await sockets["alice"].send({"type": "typing", "group": gid})
    expected = {"group_id": gid, "account_id": str(alice.id)}
    for name in ("bob", "carol"):
        got = await sockets[name].listener.event(lambda e: e.event == "typing", "alice typing")
        assert got.payload == expected and got.stream == ["group", gid]

    # Positive controls for those who must hear nothing, published after the notice: a post
    # by bob in the group, one in eve's group and a public one by alice that eve follows.
    control = await post(bob, "我们今天去湿地", visibility="group", group_id=gid)
    elsewhere = await post(olga, "control", visibility="group", group_id=other)
    public = await post(alice, "public control")
    for name in ("alice", "dave"):  # the typist herself, and dave who blocks her
        listener = sockets[name].listener
        await listener.event(lambda e: e.event == "update", "bob's control post")
        assert [p["id"] for p in of("update", listener.events)] == [control["id"]], name
        assert of("typing", listener.events) == [], name
    await sockets["eve"].listener.event(lambda e: e.event == "update", "the post in eve's group")
    assert [p["id"] for p in of("update", sockets["eve"].listener.events)] == [elsewhere["id"]]
    await eve_direct.listener.event(
        lambda e: e.stream == ["public"] and e.payload["id"] == public["id"], "the public post"
    )
    assert control["id"] not in [p["id"] for p in of("update", eve_direct.listener.events)]
    for listener in (sockets["eve"].listener, eve_direct.listener):
        assert of("typing", listener.events) == [], listener.name


async def test_typing_in_a_group_you_are_not_in_is_an_error_and_silent(
    streams: Streams, http: httpx.AsyncClient, act: Act, make_user: MakeUser
) -> None:
    alice, bob, eve = await make_user("alice"), await make_user("bob"), await make_user("eve")
    invited, removed = await make_user("invited"), await make_user("removed")
    gid = await make_group(http, alice, "quiet", bob, removed)
    r = await http.post(
        f"/api/v1/groups/{gid}/invites", json={"account_id": invited.id}, headers=alice.headers
    )
    assert r.status_code == 200, r.text
    r = await http.delete(f"/api/v1/groups/{gid}/members/{removed.id}", headers=alice.headers)
    assert r.status_code == 200, r.text
    bob_socket = await group_socket(streams, bob, gid)
    alice_socket = await group_socket(streams, alice, gid)

    not_found = {"error": "Record not found", "status": 404}
    for outsider in (eve, invited, removed):
        sock = await streams.socket(outsider)
        await sock.send({"type": "typing", "group": gid})
        assert await sock.listener.error() == not_found, outsider.username
        # Nor may they listen in.
        await sock.send({"type": "subscribe", "stream": "group", "group": gid})
        assert await sock.listener.error(2) == {"error": "Group not found", "status": 404}
    eve_socket = await streams.socket(eve, name="eve-again")
    await eve_socket.send({"type": "typing", "group": "99999999"})
    assert await eve_socket.listener.error() == not_found
    for bad in (None, "abc", [gid], {"id": gid}, -1, True):
        before = len(eve_socket.listener.errors)
        await eve_socket.send({"type": "typing", "group": bad})
        error = await eve_socket.listener.error(before + 1)
        assert error == {"error": "group must be a group id", "status": 400}, bad
    anonymous = await streams.socket(None)
    await anonymous.send({"type": "typing", "group": gid})
    assert (await anonymous.listener.error())["status"] == 401
    reader = await make_user("reader", scopes="read")
    reader_socket = await streams.socket(reader)
    await reader_socket.send({"type": "typing", "group": gid})
    assert (await reader_socket.listener.error())["status"] == 403

    # The control: a member's notice arrives, and it is the only one anybody sent.
    await alice_socket.send({"type": "typing", "group": gid})
    await bob_socket.listener.event(lambda e: e.event == "typing", "alice typing")
    assert of("typing", bob_socket.listener.events) == [
        {"group_id": gid, "account_id": str(alice.id)}
    ]
    assert of("typing", alice_socket.listener.events) == []
    assert not eve_socket.listener.closed


async def test_presence_goes_to_the_groups_members_only(
    streams: Streams, http: httpx.AsyncClient, post: Post, act: Act, make_user: MakeUser
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    eve, olga = await make_user("eve"), await make_user("olga")
    gid = await make_group(http, bob, "watchers", alice, carol)
    other = await make_group(http, olga, "elsewhere", eve)
    await act(carol, f"/api/v1/accounts/{alice.id}/block")
    bob_socket = await group_socket(streams, bob, gid)
    carol_socket = await group_socket(streams, carol, gid)
    eve_socket = await group_socket(streams, eve, other)
    eve_direct = await streams.socket(eve, "direct", "user", name="eve-direct")
    assert await online(http, bob, gid) == [str(carol.id)]

    def about_alice(e: Received) -> bool:
        return e.event == "presence" and e.payload["account_id"] == str(alice.id)

    first = await streams.socket(alice)  # any signed-in connection counts as online
    got = await bob_socket.listener.event(about_alice, "alice online")
    assert got.payload == {"account_id": str(alice.id), "online": True}
    assert got.stream == ["group", gid]
    assert sorted(await online(http, bob, gid)) == sorted([str(alice.id), str(carol.id)])
    assert await online(http, alice, gid) == [str(bob.id)]  # carol blocks her: not listed
    assert await online(http, carol, gid) == [str(bob.id)]  # nor she to carol
    for outsider in (eve, olga):
        r = await http.get(f"/api/v1/groups/{gid}/presence", headers=outsider.headers)
        assert r.status_code == 404, outsider.username
    r = await http.get(f"/api/v1/groups/{gid}/presence")
    assert r.status_code == 401

    second = await streams.socket(alice)  # a second connection: no news
    await first.close()  # one still open: no news
    await second.close()  # the last one: offline
    await bob_socket.listener.event(
        lambda e: about_alice(e) and e.payload["online"] is False, "alice offline"
    )
    assert [
        p for p in of("presence", bob_socket.listener.events) if p["account_id"] == str(alice.id)
    ] == [
        {"account_id": str(alice.id), "online": True},
        {"account_id": str(alice.id), "online": False},
    ]
    assert await online(http, bob, gid) == [str(carol.id)]

    # Controls: carol (across a block), eve and olga hear of alice nothing at all.
    await post(bob, "control", visibility="group", group_id=gid)
    await post(olga, "control", visibility="group", group_id=other)
    await carol_socket.listener.event(lambda e: e.event == "update", "the control")
    await eve_socket.listener.event(lambda e: e.event == "update", "the control")
    await eve_direct.sync()
    for listener in (carol_socket.listener, eve_socket.listener, eve_direct.listener):
        assert [e for e in listener.events if about_alice(e)] == [], listener.name


# Two server processes sharing the database and Redis: group typing and presence cross them.

needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="MYNA_TEST_REDIS_URL is not set (CI sets it to a Redis to test against)"
)


@needs_redis
async def test_group_typing_and_presence_cross_server_processes(
    settings: Settings, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    shared = settings.model_copy(
        update={"redis_url": REDIS_URL, "redis_prefix": f"myna-test-{uuid.uuid4().hex[:12]}:"}
    )
    async with (
        serving(shared) as one,
        serving(shared) as two,
        httpx.AsyncClient(base_url=one) as http_one,
        httpx.AsyncClient(base_url=two) as http_two,
    ):
        gid = await make_group(http_two, alice, "across", bob)
        on_one, on_two = Streams(one, http_one), Streams(two, http_two)
        try:
            bob_socket = await group_socket(on_one, bob, gid)
            alice_socket = await on_two.socket(alice)
            got = await bob_socket.listener.event(lambda e: e.event == "presence", "online")
            assert got.payload == {"account_id": str(alice.id), "online": True}
            assert await online(http_one, bob, gid) == [str(alice.id)]

            await alice_socket.send({"type": "typing", "group": gid})
            got = await bob_socket.listener.event(lambda e: e.event == "typing", "typing")
            assert got.payload == {"group_id": gid, "account_id": str(alice.id)}
            assert got.stream == ["group", gid]

            await alice_socket.close()
            await bob_socket.listener.event(
                lambda e: e.event == "presence" and not e.payload["online"], "offline"
            )
            assert await online(http_one, bob, gid) == []
        finally:
            await on_one.close_all()
            await on_two.close_all()
