"""Read receipts over a real WebSocket: when a participant marks a conversation read, exactly
the other participants hear `conversation.read` on their direct streams, never the reader,
a stranger or anyone across a block; and only a participant can mark it."""

from typing import Any

import httpx

from tests.conftest import MakeUser, User
from tests.streaming.conftest import Act, Post, Received, Streams


async def conversation_id(http: httpx.AsyncClient, user: User) -> str:
    r = await http.get("/api/v1/conversations", headers=user.headers)
    assert r.status_code == 200, r.text
    return str(r.json()[0]["id"])


async def mark_read(http: httpx.AsyncClient, user: User, cid: str) -> httpx.Response:
    return await http.post(f"/api/v1/conversations/{cid}/read", headers=user.headers)


def receipts(events: list[Received]) -> list[Any]:
    return [e.payload for e in events if e.event == "conversation.read"]


async def test_the_other_participants_hear_it(
    streams: Streams, http: httpx.AsyncClient, post: Post, make_user: MakeUser
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    eve = await make_user("eve")
    await post(alice, "@bob @carol lunch?", visibility="direct")
    cid = await conversation_id(http, bob)
    sockets = {u.username: await streams.socket(u, "direct") for u in (alice, bob, carol, eve)}
    alice_user = await streams.socket(alice, "user")
    bob_sse = await streams.sse(bob, "direct")

    r = await mark_read(http, bob, cid)
    assert r.status_code == 200, r.text
    assert r.json()["unread"] is False
    expected = {"conversation_id": cid, "account_id": str(bob.id)}
    for name in ("alice", "carol"):
        got = await sockets[name].listener.event(
            lambda e: e.event == "conversation.read", "the read receipt"
        )
        assert got.payload == expected and got.stream == ["direct"]

    # Positive control for those who must hear nothing: a direct message after the receipt.
    await post(carol, "@alice @bob @eve control", visibility="direct")
    for sock in (sockets["bob"], sockets["eve"]):
        await sock.listener.event(lambda e: e.event == "conversation", "the control message")
        assert receipts(sock.listener.events) == [], sock.listener.name
    await bob_sse.listener.event(lambda e: e.event == "conversation", "the control message")
    assert receipts(bob_sse.listener.events) == []
    # Only the direct stream carries it.
    await post(bob, "@alice control", visibility="direct")
    await alice_user.listener.event(
        lambda e: e.event == "notification" and e.payload["account"]["id"] == str(bob.id),
        "the control mention",
    )
    assert receipts(alice_user.listener.events) == []
    # Each mark is a receipt: the partners hear it again, once more.
    assert (await mark_read(http, bob, cid)).status_code == 200
    await sockets["alice"].listener.wait_until(
        lambda: len(receipts(sockets["alice"].listener.events)) == 2, what="a second receipt"
    )
    assert receipts(sockets["alice"].listener.events) == [expected, expected]


async def test_it_reaches_a_partner_over_server_sent_events(
    streams: Streams, http: httpx.AsyncClient, post: Post, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await post(alice, "@bob hi", visibility="direct")
    cid = await conversation_id(http, alice)
    alice_sse = await streams.sse(alice, "direct")
    assert (await mark_read(http, bob, cid)).status_code == 200
    got = await alice_sse.listener.event(lambda e: e.event == "conversation.read", "the receipt")
    assert got.payload == {"conversation_id": cid, "account_id": str(bob.id)}
    assert got.stream == ["direct"]


async def test_no_receipt_across_a_block(
    streams: Streams, http: httpx.AsyncClient, post: Post, act: Act, make_user: MakeUser
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    await post(alice, "@bob @carol plans", visibility="direct")
    cid = await conversation_id(http, alice)
    await act(carol, f"/api/v1/accounts/{bob.id}/block")
    alice_socket = await streams.socket(alice, "direct")
    bob_socket = await streams.socket(bob, "direct")
    carol_socket = await streams.socket(carol, "direct")

    # Bob reads: alice hears it, carol (who blocked him) does not.
    assert (await mark_read(http, bob, cid)).status_code == 200
    await alice_socket.listener.event(lambda e: e.event == "conversation.read", "bob's receipt")
    # Carol reads: bob (whom she blocked) does not hear it either; alice does.
    assert (await mark_read(http, carol, cid)).status_code == 200
    await alice_socket.listener.wait_until(
        lambda: len(receipts(alice_socket.listener.events)) == 2, what="carol's receipt"
    )
    assert [p["account_id"] for p in receipts(alice_socket.listener.events)] == [
        str(bob.id),
        str(carol.id),
    ]

    # The control: alice reads, and that is the only receipt bob and carol hear.
    assert (await mark_read(http, alice, cid)).status_code == 200
    alice_read = {"conversation_id": cid, "account_id": str(alice.id)}
    for sock in (bob_socket, carol_socket):
        await sock.listener.event(lambda e: e.event == "conversation.read", "alice's receipt")
        assert receipts(sock.listener.events) == [alice_read], sock.listener.name


async def test_a_stranger_cannot_mark_it_and_nobody_hears(
    streams: Streams, http: httpx.AsyncClient, post: Post, make_user: MakeUser
) -> None:
    alice, bob, eve = await make_user("alice"), await make_user("bob"), await make_user("eve")
    await post(alice, "@bob secret", visibility="direct")
    cid = await conversation_id(http, alice)
    alice_socket = await streams.socket(alice, "direct")
    bob_socket = await streams.socket(bob, "direct")

    r = await mark_read(http, eve, cid)
    assert r.status_code == 404
    assert r.json()["error"] == "Record not found"
    # The same answer as for a conversation that does not exist.
    missing = await mark_read(http, eve, "99999999")
    assert missing.status_code == 404 and missing.json() == r.json()
    # Marking needs write:conversations.
    reader = await make_user("reader", scopes="read")
    assert (await mark_read(http, reader, cid)).status_code == 403
    assert (await http.post(f"/api/v1/conversations/{cid}/read")).status_code == 401
    # Bob's own conversation is still unread: eve's attempt changed nothing.
    r = await http.get("/api/v1/conversations", headers=bob.headers)
    assert r.json()[0]["unread"] is True

    # The control: bob's receipt is the only one alice hears; bob hears none.
    assert (await mark_read(http, bob, cid)).status_code == 200
    await alice_socket.listener.event(lambda e: e.event == "conversation.read", "bob's receipt")
    assert receipts(alice_socket.listener.events) == [
        {"conversation_id": cid, "account_id": str(bob.id)}
    ]
    await post(alice, "@bob control", visibility="direct")
    await bob_socket.listener.event(lambda e: e.event == "conversation", "the control")
    assert receipts(bob_socket.listener.events) == []
