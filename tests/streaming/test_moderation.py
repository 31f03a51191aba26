"""Streaming and moderation: a suspended or disabled account's open streams close and its token
opens no new one; a limited author's public posts stay off the public streams while its
followers still hear them on theirs."""

import httpx

from myna.container import Container
from tests.conftest import MakeUser
from tests.streaming.conftest import Post, Streams


async def test_a_suspension_closes_the_accounts_streams(
    streams: Streams, make_user: MakeUser, container: Container
) -> None:
    mod = await make_user("mod", role="moderator")
    troll = await make_user("troll")
    bystander = await make_user("bystander")
    doomed = await streams.socket(troll, "user", name="troll")
    other = await streams.socket(bystander, "user", name="bystander")
    await container.moderation_actions.do_account_action(mod.id, troll.id, "suspend")
    assert await doomed.listener.closing() == 1013
    await other.sync()
    assert not other.listener.closed


async def test_a_limited_authors_posts_stay_off_public_streams(
    streams: Streams,
    make_user: MakeUser,
    container: Container,
    post: Post,
    http: httpx.AsyncClient,
) -> None:
    mod = await make_user("mod", role="moderator")
    loud = await make_user("loud")
    fan = await make_user("fan")
    r = await http.post(f"/api/v1/accounts/{loud.id}/follow", headers=fan.headers)
    assert r.status_code == 200
    public = await streams.socket(fan, "public", name="public")
    home = await streams.socket(fan, "user", name="home")
    await container.moderation_actions.do_account_action(mod.id, loud.id, "silence")
    limited = await post(loud, "shouting into the void")
    await home.listener.event(
        lambda e: e.event == "update" and e.payload["id"] == limited["id"], "the post at home"
    )
    # A later public post by someone else arrives on the public stream, the limited one never.
    control = await make_user("control")
    heard = await post(control, "an ordinary post")
    await public.listener.event(
        lambda e: e.event == "update" and e.payload["id"] == heard["id"], "the control post"
    )
    assert all(
        e.payload.get("id") != limited["id"] for e in public.listener.events if e.event == "update"
    )
