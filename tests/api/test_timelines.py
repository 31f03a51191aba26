"""Home, public, tag and account timelines: order, paging and who gets what."""

import re

import httpx

from tests.conftest import MakeUser


async def post(client: httpx.AsyncClient, user, text: str, **extra) -> dict:  # type: ignore[no-untyped-def]
    r = await client.post("/api/v1/statuses", json={"status": text, **extra}, headers=user.headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def links(response: httpx.Response) -> dict[str, str]:
    found = re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers.get("link", ""))
    return {rel: url for url, rel in found}


async def test_home_pages_newest_first_with_link_headers(client, make_user: MakeUser) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    ids = [(await post(client, alice, f"第{i}条 post {i}"))["id"] for i in range(7)]
    newest_first = list(reversed(ids))

    seen: list[str] = []
    url = "/api/v1/timelines/home?limit=3"
    while True:
        r = await client.get(url, headers=bob.headers)
        page = [s["id"] for s in r.json()]
        if not page:
            break
        seen += page
        url = links(r)["next"].removeprefix("http://testserver")
    assert seen == newest_first

    # min_id pages forwards: the statuses right after it, still newest first.
    r = await client.get(f"/api/v1/timelines/home?min_id={ids[1]}&limit=2", headers=bob.headers)
    assert [s["id"] for s in r.json()] == [ids[3], ids[2]]
    # since_id keeps the newest page but stops at the given id.
    r = await client.get(f"/api/v1/timelines/home?since_id={ids[4]}", headers=bob.headers)
    assert [s["id"] for s in r.json()] == [ids[6], ids[5]]
    prev = links(r)["prev"]
    assert f"min_id={ids[6]}" in prev


async def test_home_has_own_posts_and_followed_reposts_but_not_strangers(
    client, make_user: MakeUser
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    mine = await post(client, bob, "my own")
    stranger = await post(client, carol, "carol talks")
    repost = (
        await client.post(f"/api/v1/statuses/{stranger['id']}/reblog", headers=alice.headers)
    ).json()
    r = await client.get("/api/v1/timelines/home", headers=bob.headers)
    body = r.json()
    assert [s["id"] for s in body] == [repost["id"], mine["id"]]
    assert body[0]["reblog"]["id"] == stranger["id"]


async def test_reply_to_someone_you_do_not_follow_stays_out_of_home(
    client, make_user: MakeUser
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    carols = await post(client, carol, "a question")
    reply = await post(client, alice, "an answer", in_reply_to_id=carols["id"])
    r = await client.get("/api/v1/timelines/home", headers=bob.headers)
    assert reply["id"] not in [s["id"] for s in r.json()]
    # Once bob follows carol too, new replies between them reach him.
    await client.post(f"/api/v1/accounts/{carol.id}/follow", headers=bob.headers)
    second = await post(client, alice, "another answer", in_reply_to_id=carols["id"])
    r = await client.get("/api/v1/timelines/home", headers=bob.headers)
    assert second["id"] in [s["id"] for s in r.json()]


async def test_following_brings_recent_posts_and_unfollowing_removes_them(
    client, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    earlier = await post(client, alice, "before you followed")
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    r = await client.get("/api/v1/timelines/home", headers=bob.headers)
    assert [s["id"] for s in r.json()] == [earlier["id"]]
    await client.post(f"/api/v1/accounts/{alice.id}/unfollow", headers=bob.headers)
    r = await client.get("/api/v1/timelines/home", headers=bob.headers)
    assert r.json() == []


async def test_public_timeline_has_public_originals_only(client, make_user: MakeUser) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    public = await post(client, alice, "public one")
    await post(client, alice, "unlisted one", visibility="unlisted")
    await post(client, alice, "private one", visibility="private")
    await client.post(f"/api/v1/statuses/{public['id']}/reblog", headers=bob.headers)
    reply = await post(client, bob, "a public reply", in_reply_to_id=public["id"])
    self_reply = await post(client, alice, "thread 2/2", in_reply_to_id=public["id"])
    for url in ("/api/v1/timelines/public", "/api/v1/timelines/public?local=true"):
        r = await client.get(url)
        ids = [s["id"] for s in r.json()]
        assert ids == [self_reply["id"], public["id"]], url
        assert reply["id"] not in ids
    r = await client.get("/api/v1/timelines/public?remote=true")
    assert r.json() == []


async def test_tag_timeline_matches_tags_and_topics_case_insensitively(
    client, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    topic = await post(client, alice, "#微博话题# 今天")
    tag = await post(client, alice, "我喜欢 #Python")
    await post(client, alice, "#Python but unlisted", visibility="unlisted")
    r = await client.get("/api/v1/timelines/tag/微博话题")
    assert [s["id"] for s in r.json()] == [topic["id"]]
    assert r.json()[0]["tags"] == [
        {"name": "微博话题", "url": "http://testserver/tags/%E5%BE%AE%E5%8D%9A%E8%AF%9D%E9%A2%98"}
    ]
    r = await client.get("/api/v1/timelines/tag/python")
    assert [s["id"] for s in r.json()] == [tag["id"]]
    r = await client.get("/api/v1/timelines/tag/nothing")
    assert r.status_code == 200 and r.json() == []


async def test_account_statuses_filters(client, make_user: MakeUser) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    original = await post(client, bob, "bob's")
    first = await post(client, alice, "first #cats")
    reply = await post(client, alice, "reply", in_reply_to_id=original["id"])
    repost = (
        await client.post(f"/api/v1/statuses/{original['id']}/reblog", headers=alice.headers)
    ).json()
    url = f"/api/v1/accounts/{alice.id}/statuses"
    assert [s["id"] for s in (await client.get(url)).json()] == [
        repost["id"],
        reply["id"],
        first["id"],
    ]
    r = await client.get(url + "?exclude_replies=true&exclude_reblogs=true")
    assert [s["id"] for s in r.json()] == [first["id"]]
    r = await client.get(url + "?tagged=CATS")
    assert [s["id"] for s in r.json()] == [first["id"]]
    r = await client.get(url + "?pinned=true")
    assert r.json() == []


async def test_a_post_shows_once_however_many_friends_repost_it(
    client, make_user: MakeUser
) -> None:
    alice, bob, carol, reader = [await make_user(n) for n in ("alice", "bob", "carol", "reader")]
    for friend in (bob, carol):
        await client.post(f"/api/v1/accounts/{friend.id}/follow", headers=reader.headers)
    original = await post(client, alice, "worth sharing")
    first = (
        await client.post(f"/api/v1/statuses/{original['id']}/reblog", headers=bob.headers)
    ).json()
    await client.post(f"/api/v1/statuses/{original['id']}/reblog", headers=carol.headers)
    home = (await client.get("/api/v1/timelines/home", headers=reader.headers)).json()
    assert [s["id"] for s in home] == [first["id"]]
    # Following the author too: her post is there, and later reposts of it are not added.
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=reader.headers)
    home = (await client.get("/api/v1/timelines/home", headers=reader.headers)).json()
    assert [s["id"] for s in home] == [first["id"], original["id"]]
