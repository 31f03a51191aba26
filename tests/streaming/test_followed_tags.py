"""A followed tag's public post reaches its followers' home feed, so they hear it live on their
`user` stream: not a follower of a tag who muted or blocked the author, not a post that is not
public, and not someone who follows nothing."""

import httpx

from tests.conftest import MakeUser
from tests.streaming.conftest import Act, Post, Streams


async def test_a_tag_follower_hears_the_tags_public_posts(
    streams: Streams, http: httpx.AsyncClient, post: Post, act: Act, make_user: MakeUser
) -> None:
    names = ("author", "fan", "muter", "blocker", "stranger")
    users = {name: await make_user(name) for name in names}
    author = users["author"]
    for name in ("fan", "muter", "blocker"):
        await act(users[name], "/api/v1/tags/%E5%92%96%E5%95%A1/follow")  # 咖啡
    await act(users["muter"], f"/api/v1/accounts/{author.id}/mute")
    await act(users["blocker"], f"/api/v1/accounts/{author.id}/block")

    sockets = {name: await streams.socket(users[name], "user") for name in names}
    unlisted = await post(author, "#咖啡 unlisted", visibility="unlisted")
    public = await post(author, "今天的 #咖啡")
    update = await sockets["fan"].listener.event(
        lambda e: e.event == "update" and e.payload["id"] == public["id"], "the tagged post"
    )
    assert update.stream == ["user"]
    # The positive control for everyone else: their own post, which their home feed holds.
    controls = {}
    for name in ("muter", "blocker", "stranger"):
        controls[name] = await post(users[name], f"control {name}")
    for name, control in controls.items():
        await sockets[name].listener.event(
            lambda e, c=control: e.event == "update" and e.payload["id"] == c["id"], "control"
        )
    heard = {
        name: [e.payload["id"] for e in sock.listener.events if e.event == "update"]
        for name, sock in sockets.items()
    }
    assert heard["fan"] == [public["id"]]
    # Delivery is in order: the unlisted post, sent first, would have come before.
    assert heard["author"][:2] == [unlisted["id"], public["id"]]
    for name in ("muter", "blocker", "stranger"):
        assert heard[name] == [controls[name]["id"]], name
