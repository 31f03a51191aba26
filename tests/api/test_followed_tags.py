"""Followed hashtags: following, unfollowing and listing them, the `following` flag of a Tag,
and a followed tag's public posts reaching the follower's home timeline (and nothing that is
not public, nor from authors blocked or muted) on whichever timeline backend the run uses."""

from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import select

from myna.container import Container
from myna.models import Status
from myna.policy.audience import home_feed
from tests.api.test_timelines import links, post
from tests.conftest import MakeUser, User, row_counts


async def follow_tag(client: httpx.AsyncClient, who: User, name: str) -> dict[str, Any]:
    r = await client.post(f"/api/v1/tags/{quote(name, safe='')}/follow", headers=who.headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def unfollow_tag(client: httpx.AsyncClient, who: User, name: str) -> dict[str, Any]:
    r = await client.post(f"/api/v1/tags/{quote(name, safe='')}/unfollow", headers=who.headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def home(client: httpx.AsyncClient, who: User) -> list[str]:
    r = await client.get("/api/v1/timelines/home?limit=40", headers=who.headers)
    assert r.status_code == 200, r.text
    return [s["id"] for s in r.json()]


async def holders(container: Container, status_id: str) -> set[int]:
    async with container.db.session() as session:
        return set(await container.timelines.holders(session, int(status_id)))


async def test_follow_unfollow_and_list_with_paging(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    me, other = await make_user("me"), await make_user("other")
    # A tag nobody used yet is created; the answer is the Tag, followed.
    tag = await follow_tag(client, me, "#Myna")
    assert tag["name"] == "Myna" and tag["following"] is True
    assert tag["url"].endswith("/tags/Myna") and len(tag["history"]) == 7
    # Case and full width name the same tag; following again changes nothing.
    assert (await follow_tag(client, me, "ＭＹＮＡ"))["id"] == tag["id"]
    await follow_tag(client, me, "咖啡")
    await follow_tag(client, me, "周末去哪儿")  # a #话题# topic
    await follow_tag(client, other, "猫")

    r = await client.get("/api/v1/followed_tags", headers=me.headers)
    assert r.status_code == 200
    assert [t["name"] for t in r.json()] == ["周末去哪儿", "咖啡", "Myna"]
    assert all(t["following"] is True for t in r.json())

    r = await client.get("/api/v1/followed_tags?limit=2", headers=me.headers)
    assert [t["name"] for t in r.json()] == ["周末去哪儿", "咖啡"]
    r = await client.get(links(r)["next"].removeprefix("http://testserver"), headers=me.headers)
    assert [t["name"] for t in r.json()] == ["Myna"]
    r = await client.get(links(r)["prev"].removeprefix("http://testserver"), headers=me.headers)
    assert [t["name"] for t in r.json()] == ["周末去哪儿", "咖啡"]

    unfollowed = await unfollow_tag(client, me, "咖啡")
    assert unfollowed["name"] == "咖啡" and unfollowed["following"] is False
    await unfollow_tag(client, me, "咖啡")  # again: still not following
    r = await client.get("/api/v1/followed_tags", headers=me.headers)
    assert [t["name"] for t in r.json()] == ["周末去哪儿", "Myna"]
    r = await client.get("/api/v1/followed_tags", headers=other.headers)
    assert [t["name"] for t in r.json()] == ["猫"]


async def test_following_flag_on_a_tag(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    me, other = await make_user("me"), await make_user("other")
    await post(client, other, "今天喝 #咖啡")
    await follow_tag(client, me, "咖啡")
    r = await client.get(f"/api/v1/tags/{quote('咖啡')}", headers=me.headers)
    assert r.status_code == 200 and r.json()["following"] is True
    r = await client.get(f"/api/v1/tags/{quote('咖啡')}", headers=other.headers)
    assert r.json()["following"] is False
    r = await client.get(f"/api/v1/tags/{quote('咖啡')}")
    assert r.status_code == 200 and "following" not in r.json()
    await unfollow_tag(client, me, "咖啡")
    r = await client.get(f"/api/v1/tags/{quote('咖啡')}", headers=me.headers)
    assert r.json()["following"] is False


async def test_bad_names_unknown_tags_and_scopes(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    me = await make_user("me")
    before = await row_counts(container.db)
    # A valid name is one a post could use as a #tag or a #话题# topic.
    for bad in ("a#b", " ", "#", "##", "x" * 101, "a\nb"):
        r = await client.post(f"/api/v1/tags/{quote(bad, safe='')}/follow", headers=me.headers)
        assert r.status_code == 422, (bad, r.text)
        assert "error" in r.json()
    assert await row_counts(container.db) == before

    r = await client.post("/api/v1/tags/nobodyusedthis/unfollow", headers=me.headers)
    assert r.status_code == 404 and "error" in r.json()

    for method, path in (
        ("POST", "/api/v1/tags/myna/follow"),
        ("POST", "/api/v1/tags/myna/unfollow"),
        ("GET", "/api/v1/followed_tags"),
    ):
        r = await client.request(method, path)
        assert r.status_code == 401 and "error" in r.json()
    reader = await make_user("reader", scopes="read")
    r = await client.post("/api/v1/tags/myna/follow", headers=reader.headers)
    assert r.status_code == 403
    writer = await make_user("writer", scopes="write:follows")
    r = await client.get("/api/v1/followed_tags", headers=writer.headers)
    assert r.status_code == 403
    await follow_tag(client, writer, "myna")
    assert await row_counts(container.db) != before


async def test_a_followed_tags_public_posts_reach_home_and_nothing_else(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    fan, author = await make_user("fan"), await make_user("author")
    await follow_tag(client, fan, "咖啡")
    public = await post(client, author, "今天的 #咖啡 真好喝")
    topic = await post(client, author, "周末 #咖啡# 店推荐")  # the same tag as a topic
    reply = await post(client, author, "#咖啡 reply", in_reply_to_id=public["id"])
    other_tag = await post(client, author, "#茶 only")
    assert await home(client, fan) == [reply["id"], topic["id"], public["id"]]
    assert fan.id in await holders(container, public["id"])

    # Not public: never at home, even where the fan could see the post.
    unlisted = await post(client, author, "#咖啡 unlisted", visibility="unlisted")
    private = await post(client, author, "#咖啡 followers", visibility="private")
    direct = await post(client, author, "#咖啡 @fan secret", visibility="direct")
    r = await client.post(
        "/api/v1/groups",
        json={"handle": "cafe", "name": "咖啡小组", "privacy": "public"},
        headers=author.headers,
    )
    assert r.status_code == 200, r.text
    grouped = await post(client, author, "#咖啡 group", visibility="group", group_id=r.json()["id"])
    r = await client.post("/api/v1/lists", json={"title": "圈子"}, headers=author.headers)
    circle = await post(
        client, author, "#咖啡 circle", visibility="private", list_id=r.json()["id"]
    )
    reposter = await make_user("reposter")
    repost = await client.post(f"/api/v1/statuses/{public['id']}/reblog", headers=reposter.headers)
    assert repost.status_code == 200
    for hidden in (unlisted, private, direct, grouped, circle, repost.json(), other_tag):
        assert fan.id not in await holders(container, hidden["id"]), hidden["content"]
    assert await home(client, fan) == [reply["id"], topic["id"], public["id"]]
    # The fan could see some of them: it is the fan-out rule, not visibility, that kept them.
    r = await client.get(f"/api/v1/statuses/{direct['id']}", headers=fan.headers)
    assert r.status_code == 200


async def test_blocked_and_muted_authors_stay_out(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    fan = await make_user("fan")
    blocked, blocker, muted, fine = [
        await make_user(n) for n in ("blocked", "blocker", "muted", "fine")
    ]
    await follow_tag(client, fan, "猫")
    await client.post(f"/api/v1/accounts/{blocked.id}/block", headers=fan.headers)
    await client.post(f"/api/v1/accounts/{fan.id}/block", headers=blocker.headers)
    await client.post(f"/api/v1/accounts/{muted.id}/mute", headers=fan.headers)
    posts = {
        u.username: await post(client, u, f"#猫 from {u.username}")
        for u in (blocked, blocker, muted, fine)
    }
    assert await home(client, fan) == [posts["fine"]["id"]]
    for name in ("blocked", "blocker", "muted"):
        assert fan.id not in await holders(container, posts[name]["id"]), name
    # Unmuting later does not bring back what was kept out when it was posted.
    await client.post(f"/api/v1/accounts/{muted.id}/unmute", headers=fan.headers)
    assert await home(client, fan) == [posts["fine"]["id"]]


async def test_unfollowing_stops_new_posts_and_takes_old_ones_out(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    fan, author, friend = await make_user("fan"), await make_user("author"), await make_user("fr")
    await client.post(f"/api/v1/accounts/{friend.id}/follow", headers=fan.headers)
    await follow_tag(client, fan, "Myna")
    await follow_tag(client, fan, "咖啡")
    first = await post(client, author, "#myna one")
    both = await post(client, author, "#myna and #咖啡")
    from_friend = await post(client, friend, "#myna from a friend")
    mine = await post(client, fan, "#myna my own")
    assert await home(client, fan) == [mine["id"], from_friend["id"], both["id"], first["id"]]

    await unfollow_tag(client, fan, "MYNA")
    later = await post(client, author, "#myna two")
    # What came only for the tag leaves; what belongs for another reason stays.
    assert await home(client, fan) == [mine["id"], from_friend["id"], both["id"]]
    assert fan.id not in await holders(container, later["id"])


async def test_unfollowing_an_author_keeps_what_a_followed_tag_brought(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    fan, author = await make_user("fan"), await make_user("author")
    await client.post(f"/api/v1/accounts/{author.id}/follow", headers=fan.headers)
    await follow_tag(client, fan, "咖啡")
    tagged = await post(client, author, "今天的 #咖啡 很香")
    plain = await post(client, author, "no tag here")
    assert await home(client, fan) == [plain["id"], tagged["id"]]

    r = await client.post(f"/api/v1/accounts/{author.id}/unfollow", headers=fan.headers)
    assert r.status_code == 200
    # The post without the tag came for the author and leaves; the tagged one stays, as a
    # feed rebuilt from the database would have it.
    assert await home(client, fan) == [tagged["id"]]
    threshold = container.settings.fanout_pull_threshold
    async with container.db.session() as session:
        rule = select(Status.id).where(home_feed(fan.id, threshold))
        assert [str(i) for i in await session.scalars(rule)] == [tagged["id"]]


async def test_a_rebuilt_home_feed_keeps_followed_tag_posts(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    fan, friend, author = await make_user("fan"), await make_user("friend"), await make_user("a")
    await client.post(f"/api/v1/accounts/{friend.id}/follow", headers=fan.headers)
    await follow_tag(client, fan, "咖啡")
    await post(client, author, "#咖啡 unlisted", visibility="unlisted")
    await post(client, friend, "from a friend")
    await post(client, author, "#咖啡 public")
    await post(client, fan, "my own")
    await post(client, author, "no tag")
    fanned_out = await home(client, fan)
    assert len(fanned_out) == 3

    threshold = container.settings.fanout_pull_threshold
    async with container.db.session() as session:
        rule = select(Status.id).where(home_feed(fan.id, threshold)).order_by(Status.id.desc())
        rebuilt_rule = [str(i) for i in await session.scalars(rule)]
    # The database's rule gives exactly what fan-out gave.
    assert rebuilt_rule == fanned_out
    if container.derived_feeds is not None:  # Redis: throw the feed away and rebuild it
        async with container.db.session() as session:
            await container.derived_feeds.rebuild_home(session, fan.id)
        assert await home(client, fan) == fanned_out
    r = await client.get("/api/v1/followed_tags", headers=fan.headers)
    assert [t["name"] for t in r.json()] == ["咖啡"]
