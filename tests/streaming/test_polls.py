"""A poll's end on the streams: its voter hears a `poll` notification carrying the status and
its poll; a stranger hears nothing of it."""

import asyncio
from datetime import UTC, datetime, timedelta

import httpx

from myna.container import Container
from tests.conftest import MakeUser
from tests.streaming.conftest import QUIET_WAIT, Streams


async def test_the_end_of_a_poll_reaches_its_voter(
    http: httpx.AsyncClient, streams: Streams, make_user: MakeUser, container: Container
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    r = await http.post(
        "/api/v1/statuses",
        json={"status": "ends soon", "poll": {"options": ["a", "b"], "expires_in": 600}},
        headers=alice.headers,
    )
    assert r.status_code == 200, r.text
    status = r.json()
    r = await http.post(
        f"/api/v1/polls/{status['poll']['id']}/votes", json={"choices": [1]}, headers=bob.headers
    )
    assert r.status_code == 200, r.text
    voter = await streams.socket(bob, "user:notification", name="voter")
    stranger = await streams.socket(carol, "user:notification", name="stranger")

    assert await container.poll_actions.sweep(datetime.now(UTC) + timedelta(hours=1)) == 1
    got = await voter.listener.event(
        lambda e: e.event == "notification" and e.payload["type"] == "poll", what="the poll end"
    )
    assert got.payload["status"]["id"] == status["id"]
    assert got.payload["status"]["poll"]["id"] == status["poll"]["id"]
    assert got.payload["account"]["id"] == str(alice.id)

    # Bounded silence, then a control that must reach the stranger: delivery is in order.
    await asyncio.sleep(QUIET_WAIT)
    r = await http.post("/api/v1/statuses", json={"status": "@carol hi"}, headers=alice.headers)
    assert r.status_code == 200, r.text
    await stranger.listener.event(
        lambda e: e.event == "notification" and e.payload["type"] == "mention", what="control"
    )
    assert [e.payload["type"] for e in stranger.listener.events] == ["mention"]
