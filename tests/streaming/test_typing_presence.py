"""Typing notices and presence over a real WebSocket: exactly the conversation partners hear
them, never a stranger or anyone across a block."""

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import uvicorn

from myna.app import create_app
from myna.config import Settings
from myna.container import build
from tests.conftest import REDIS_URL, MakeUser, User
from tests.streaming.conftest import ARRIVAL_TIMEOUT, Act, Post, Received, Socket, Streams


async def conversation_id(http: httpx.AsyncClient, user: User) -> str:
    r = await http.get("/api/v1/conversations", headers=user.headers)
    assert r.status_code == 200, r.text
    return str(r.json()[0]["id"])


def of(kind: str, events: list[Received]) -> list[Any]:
    return [e.payload for e in events if e.event == kind]


async def online_partners(http: httpx.AsyncClient, user: User) -> list[dict[str, Any]]:
    r = await http.get("/api/v1/myna/presence", headers=user.headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_typing_reaches_the_other_participants_only(
    streams: Streams, http: httpx.AsyncClient, post: Post, make_user: MakeUser
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    eve = await make_user("eve")
    await post(alice, "@bob @carol lunch?", visibility="direct")
    cid = await conversation_id(http, alice)
    sockets = {u.username: await streams.socket(u, "direct") for u in (alice, bob, carol, eve)}

    await sockets["alice"].send({"type": "typing", "conversation": cid})
    expected = {"conversation_id": cid, "account_id": str(alice.id)}
    for name in ("bob", "carol"):
        got = await sockets[name].listener.event(lambda e: e.event == "typing", "typing")
        assert got.payload == expected and got.stream == ["direct"]

    # Positive control for those who must hear nothing: a direct message after the notice.
    await post(bob, "@alice @eve ping", visibility="direct")
    for name in ("alice", "eve"):
        sock = sockets[name]
        await sock.listener.event(lambda e: e.event == "conversation", "the control message")
        assert of("typing", sock.listener.events) == [], name


async def test_typing_outside_your_conversations_is_an_error_and_silent(
    streams: Streams, http: httpx.AsyncClient, post: Post, make_user: MakeUser
) -> None:
    alice, bob, eve = await make_user("alice"), await make_user("bob"), await make_user("eve")
    await post(alice, "@bob secret", visibility="direct")
    cid = await conversation_id(http, alice)
    bob_socket = await streams.socket(bob, "direct")
    eve_socket = await streams.socket(eve, "direct")
    anonymous = await streams.socket(None, "public")
    reader = await make_user("reader", scopes="read")
    reader_socket = await streams.socket(reader, "direct")

    await eve_socket.send({"type": "typing", "conversation": cid})
    assert await eve_socket.listener.error() == {"error": "Record not found", "status": 404}
    await eve_socket.send({"type": "typing", "conversation": "99999999"})
    assert await eve_socket.listener.error(2) == {"error": "Record not found", "status": 404}
    for bad in (None, "abc", [cid], {"id": cid}, -1):
        before = len(eve_socket.listener.errors)
        await eve_socket.send({"type": "typing", "conversation": bad})
        error = await eve_socket.listener.error(before + 1)
        assert error["status"] == 400, bad
    await anonymous.send({"type": "typing", "conversation": cid})
    assert (await anonymous.listener.error())["status"] == 401
    await reader_socket.send({"type": "typing", "conversation": cid})
    assert (await reader_socket.listener.error())["status"] == 403

    # The control: a real participant's notice arrives, and it is the only one.
    alice_socket = await streams.socket(alice, "direct")
    await alice_socket.send({"type": "typing", "conversation": cid})
    await bob_socket.listener.event(lambda e: e.event == "typing", "alice typing")
    assert of("typing", bob_socket.listener.events) == [
        {"conversation_id": cid, "account_id": str(alice.id)}
    ]
    assert eve_socket.listener.closed is False


async def test_typing_skips_whoever_is_across_a_block(
    streams: Streams, http: httpx.AsyncClient, post: Post, act: Act, make_user: MakeUser
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    await post(alice, "@bob @carol group", visibility="direct")
    cid = await conversation_id(http, alice)
    await act(carol, f"/api/v1/accounts/{bob.id}/block")
    alice_socket = await streams.socket(alice, "direct")
    carol_socket = await streams.socket(carol, "direct")
    bob_socket = await streams.socket(bob, "direct")

    await bob_socket.send({"type": "typing", "conversation": cid})
    await alice_socket.listener.event(lambda e: e.event == "typing", "bob typing")
    await alice_socket.send({"type": "typing", "conversation": cid})  # the control
    got = await carol_socket.listener.event(lambda e: e.event == "typing", "alice typing")
    assert got.payload["account_id"] == str(alice.id)
    assert [p["account_id"] for p in of("typing", carol_socket.listener.events)] == [str(alice.id)]


async def test_presence_goes_to_partners_on_first_open_and_last_close(
    streams: Streams, http: httpx.AsyncClient, post: Post, make_user: MakeUser
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    await post(alice, "@bob hi", visibility="direct")
    # Partners are people who both wrote in a conversation: bob answers.
    await post(bob, "@alice hello", visibility="direct")
    bob_socket = await streams.socket(bob, "direct")
    carol_socket = await streams.socket(carol, "direct")
    assert await online_partners(http, bob) == []

    first = await streams.socket(alice, "user")
    got = await bob_socket.listener.event(lambda e: e.event == "presence", "alice online")
    assert got.payload == {"account_id": str(alice.id), "online": True}
    assert got.stream == ["direct"]
    assert await online_partners(http, bob) == [{"account_id": str(alice.id), "online": True}]
    # Bob is online too, and alice's partner: she can ask. Carol shares nothing with either.
    assert await online_partners(http, alice) == [{"account_id": str(bob.id), "online": True}]
    assert await online_partners(http, carol) == []

    second = await streams.socket(alice)  # a second connection: no news
    await first.close()  # one still open: no news
    await second.close()  # the last one: offline
    await bob_socket.listener.event(
        lambda e: e.event == "presence" and e.payload["online"] is False, "alice offline"
    )
    assert of("presence", bob_socket.listener.events) == [
        {"account_id": str(alice.id), "online": True},
        {"account_id": str(alice.id), "online": False},
    ]
    assert await online_partners(http, bob) == []

    await post(bob, "@carol control", visibility="direct")
    await carol_socket.listener.event(lambda e: e.event == "conversation", "the control")
    assert of("presence", carol_socket.listener.events) == []


async def test_presence_is_not_told_across_a_block(
    streams: Streams, http: httpx.AsyncClient, post: Post, act: Act, make_user: MakeUser
) -> None:
    alice, bob, dave = await make_user("alice"), await make_user("bob"), await make_user("dave")
    await post(alice, "@bob hi", visibility="direct")
    await act(bob, f"/api/v1/accounts/{alice.id}/block")
    bob_socket = await streams.socket(bob, "direct")
    alice_socket: Socket = await streams.socket(alice, "direct")
    assert await online_partners(http, bob) == []
    assert await online_partners(http, alice) == []

    await post(dave, "@bob control", visibility="direct")
    await bob_socket.listener.event(lambda e: e.event == "conversation", "the control")
    assert of("presence", bob_socket.listener.events) == []
    await alice_socket.close()


# Two server processes sharing PostgreSQL/SQLite and Redis: presence and typing cross them.

needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="MYNA_TEST_REDIS_URL is not set (CI sets it to a Redis to test against)"
)


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[str]:
    """A real uvicorn server over its own container (its own broker and presence backend)."""
    services = build(settings)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, services), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(ARRIVAL_TIMEOUT):
        while not server.started:
            assert not task.done(), "uvicorn stopped before it started"
            await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@needs_redis
async def test_presence_and_typing_cross_server_processes(
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
        r = await http_one.post(
            "/api/v1/statuses",
            json={"status": "@bob hi", "visibility": "direct"},
            headers=alice.headers,
        )
        assert r.status_code == 200, r.text
        r = await http_one.post(
            "/api/v1/statuses",
            json={"status": "@alice hello", "visibility": "direct"},
            headers=bob.headers,
        )
        assert r.status_code == 200, r.text
        cid = await conversation_id(http_two, bob)
        on_one, on_two = Streams(one, http_one), Streams(two, http_two)
        try:
            bob_socket = await on_one.socket(bob, "direct")
            alice_socket = await on_two.socket(alice, "direct")
            got = await bob_socket.listener.event(lambda e: e.event == "presence", "online")
            assert got.payload == {"account_id": str(alice.id), "online": True}
            assert await online_partners(http_one, bob) == [
                {"account_id": str(alice.id), "online": True}
            ]

            await alice_socket.send({"type": "typing", "conversation": cid})
            got = await bob_socket.listener.event(lambda e: e.event == "typing", "typing")
            assert got.payload == {"conversation_id": cid, "account_id": str(alice.id)}

            await alice_socket.close()
            await bob_socket.listener.event(
                lambda e: e.event == "presence" and not e.payload["online"], "offline"
            )
            assert await online_partners(http_one, bob) == []
        finally:
            await on_one.close_all()
            await on_two.close_all()
