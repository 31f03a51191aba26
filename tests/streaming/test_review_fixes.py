"""Streaming consequences of revoking a token, and who counts as a conversation partner."""

import httpx
import orjson

from myna.container import Container
from myna.events.messages import Message
from myna.lib.paging import Page
from myna.streaming.render import Renderer
from tests.conftest import MakeUser
from tests.streaming.conftest import Post, Streams


async def test_revoking_a_token_closes_its_streams_only(
    streams: Streams, make_user: MakeUser, container: Container
) -> None:
    alice = await make_user("alice")
    second = await make_user("alice_phone")
    doomed = await streams.socket(alice, "user", name="doomed")
    other = await streams.socket(second, "user", name="other")
    caller = await container.token_reads.caller(alice.token)
    assert caller is not None
    await container.app_actions.do_revoke_token(caller.token.id)
    assert await doomed.listener.closing() == 1013
    # Someone else's connection is untouched: it still answers.
    await other.sync()
    assert not other.listener.closed


async def test_presence_needs_both_to_have_written(
    streams: Streams, post: Post, make_user: MakeUser, http: httpx.AsyncClient
) -> None:
    prober, target = await make_user("prober"), await make_user("target")
    await streams.socket(target, "direct", name="target online")
    await post(prober, "@target are you there?", visibility="direct")
    r = await http.get("/api/v1/myna/presence", headers=prober.headers)
    assert r.status_code == 200 and r.json() == []
    # Once the target answers, they talk: each sees the other's presence.
    await post(target, "@prober yes", visibility="direct")
    r = await http.get("/api/v1/myna/presence", headers=prober.headers)
    assert r.json() == [{"account_id": str(target.id), "online": True}]


async def test_a_conversation_event_shows_the_message_that_caused_it(
    post: Post, make_user: MakeUser, container: Container
) -> None:
    """Two messages in a row: each one's event, rendered when it is delivered (after both
    committed), shows its own message as the conversation's last, not the newer one, or a
    client reading the stream would never see the first."""
    alice, bob = await make_user("alice"), await make_user("bob")
    first = await post(alice, "@bob one", visibility="direct")
    second = await post(alice, "@bob two", visibility="direct")
    listed = await container.conversation_reads.page(bob.id, Page())
    conversation_id = listed.conversations[0].id
    renderer = Renderer(container)
    shown = []
    for status in (first, second):
        event = Message(
            event="conversation",
            status_id=int(status["id"]),
            conversation_id=conversation_id,
            account_ids=[alice.id],
        )
        payload = await renderer.personal(event, bob.id)
        assert payload is not None
        shown.append(orjson.loads(payload)["last_status"]["id"])
    assert shown == [first["id"], second["id"]]
