"""Edits on the streams: `status.update` goes where the status went, and nowhere else."""

import asyncio

import httpx

from tests.conftest import MakeUser
from tests.streaming.conftest import QUIET_WAIT, Post, Streams


async def test_followers_only_edit_reaches_followers_and_no_stranger(
    http: httpx.AsyncClient, streams: Streams, make_user: MakeUser, post: Post
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    r = await http.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    assert r.status_code == 200, r.text
    follower = await streams.socket(bob, "user", name="follower")
    stranger = await streams.socket(carol, "user", "public", name="stranger")

    private = await post(alice, "first draft #edits", visibility="private")
    r = await http.put(
        f"/api/v1/statuses/{private['id']}",
        json={"status": "second draft #edits"},
        headers=alice.headers,
    )
    assert r.status_code == 200, r.text

    got = await follower.listener.event(
        lambda e: e.event == "status.update", what="the edit on the follower's user stream"
    )
    assert got.stream == ["user"] and got.payload["id"] == private["id"]
    assert "second draft" in got.payload["content"] and got.payload["edited_at"] is not None

    # Bounded silence, then a positive control that must reach the stranger: delivery is in
    # order, so had the edit been sent to them it would have arrived before the control.
    await asyncio.sleep(QUIET_WAIT)
    control = await post(alice, "public control")
    await stranger.listener.event(
        lambda e: e.event == "update" and e.payload["id"] == control["id"], what="the control"
    )
    leaked = [
        e
        for e in stranger.listener.events
        if e.event != "delete" and e.payload.get("id") == private["id"]
    ]
    assert leaked == [] and not any(e.event == "status.update" for e in stranger.listener.events)


async def test_public_edit_reaches_the_public_stream(
    http: httpx.AsyncClient, streams: Streams, make_user: MakeUser, post: Post
) -> None:
    alice, carol = await make_user("alice"), await make_user("carol")
    public = await streams.socket(carol, "public", name="public")
    status = await post(alice, "typo here")
    r = await http.put(
        f"/api/v1/statuses/{status['id']}", json={"status": "typo fixed"}, headers=alice.headers
    )
    assert r.status_code == 200, r.text
    got = await public.listener.event(lambda e: e.event == "status.update", what="the edit")
    assert got.payload["id"] == status["id"] and "typo fixed" in got.payload["content"]
