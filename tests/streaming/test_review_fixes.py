"""Streaming consequences of revoking a token, and who counts as a conversation partner."""

import httpx

from myna.container import Container
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
