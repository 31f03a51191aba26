"""Posting, threads, reposts (with and without comment), likes and deletion."""

from tests.api.test_timelines import post
from tests.conftest import MakeUser


async def get(client, user, status_id: str) -> dict:  # type: ignore[no-untyped-def]
    r = await client.get(f"/api/v1/statuses/{status_id}", headers=user.headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_post_parses_entities_once(client, make_user: MakeUser) -> None:
    alice = await make_user("alice")
    await make_user("bob")
    body = await post(
        client,
        alice,
        "你好 @bob 和 @nobody，看 https://example.com/a?b=1 #话题# #Tag",
        spoiler_text="剧透",
        language="zh",
    )
    assert [m["username"] for m in body["mentions"]] == ["bob"]
    assert sorted(t["name"] for t in body["tags"]) == ["Tag", "话题"]
    assert 'href="https://example.com/a?b=1"' in body["content"]
    assert "@nobody" in body["content"] and "/@nobody" not in body["content"]
    assert body["sensitive"] is True and body["spoiler_text"] == "剧透"
    assert body["language"] == "zh" and body["visibility"] == "public"
    assert body["application"]["name"] == "tests"
    assert body["account"]["statuses_count"] == 1


async def test_thread_context_and_exact_counts(client, make_user: MakeUser) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    root = await post(client, alice, "root")
    r1 = await post(client, bob, "reply 1", in_reply_to_id=root["id"])
    r2 = await post(client, carol, "reply 2", in_reply_to_id=root["id"])
    r11 = await post(client, alice, "reply to reply 1", in_reply_to_id=r1["id"])
    ctx = (await client.get(f"/api/v1/statuses/{r11['id']}/context")).json()
    assert [s["id"] for s in ctx["ancestors"]] == [root["id"], r1["id"]]
    ctx = (await client.get(f"/api/v1/statuses/{root['id']}/context")).json()
    assert [s["id"] for s in ctx["descendants"]] == [r1["id"], r11["id"], r2["id"]]
    assert r1["in_reply_to_account_id"] == str(alice.id)

    await client.post(f"/api/v1/statuses/{root['id']}/reblog", headers=bob.headers)
    await client.post(f"/api/v1/statuses/{root['id']}/reblog", headers=carol.headers)
    await client.post(f"/api/v1/statuses/{root['id']}/favourite", headers=carol.headers)
    await client.post(f"/api/v1/statuses/{root['id']}/favourite", headers=carol.headers)
    seen = await get(client, carol, root["id"])
    assert (seen["replies_count"], seen["reblogs_count"], seen["favourites_count"]) == (2, 2, 1)
    assert seen["favourited"] is True and seen["reblogged"] is True
    by = (await client.get(f"/api/v1/statuses/{root['id']}/reblogged_by")).json()
    assert [a["username"] for a in by] == ["carol", "bob"]
    by = (await client.get(f"/api/v1/statuses/{root['id']}/favourited_by")).json()
    assert [a["username"] for a in by] == ["carol"]

    await client.post(f"/api/v1/statuses/{root['id']}/unfavourite", headers=carol.headers)
    r = await client.post(f"/api/v1/statuses/{root['id']}/unreblog", headers=carol.headers)
    assert r.json()["id"] == root["id"] and r.json()["reblogged"] is False
    seen = await get(client, carol, root["id"])
    assert (seen["reblogs_count"], seen["favourites_count"]) == (1, 0)


async def test_reblog_is_idempotent_and_acts_on_the_original(client, make_user: MakeUser) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    original = await post(client, alice, "转发我")
    first = (
        await client.post(f"/api/v1/statuses/{original['id']}/reblog", headers=bob.headers)
    ).json()
    again = (
        await client.post(f"/api/v1/statuses/{original['id']}/reblog", headers=bob.headers)
    ).json()
    assert first["id"] == again["id"] and first["reblog"]["id"] == original["id"]
    # Liking or reposting the repost acts on the original.
    await client.post(f"/api/v1/statuses/{first['id']}/favourite", headers=carol.headers)
    await client.post(f"/api/v1/statuses/{first['id']}/reblog", headers=carol.headers)
    seen = await get(client, alice, original["id"])
    assert (seen["favourites_count"], seen["reblogs_count"]) == (1, 2)
    # Replies to a repost are refused; the original is the thing to reply to.
    r = await client.post(
        "/api/v1/statuses",
        json={"status": "hi", "in_reply_to_id": first["id"]},
        headers=carol.headers,
    )
    assert r.status_code == 422
    # Deleting the original removes the reposts and their counts.
    await client.delete(f"/api/v1/statuses/{original['id']}", headers=alice.headers)
    assert (await client.get(f"/api/v1/statuses/{first['id']}")).status_code == 404
    bob_profile = (await client.get(f"/api/v1/accounts/{bob.id}")).json()
    assert bob_profile["statuses_count"] == 0


async def test_quote_is_a_repost_with_comment(client, make_user: MakeUser) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    original = await post(client, alice, "原文")
    quote = await post(client, bob, "说得好！", quoted_status_id=original["id"])
    assert quote["quote"]["state"] == "accepted"
    assert quote["quote"]["quoted_status"]["id"] == original["id"]
    # A quote of a quote nests shallowly.
    second = await post(client, alice, "再转", quoted_status_id=quote["id"])
    inner = second["quote"]["quoted_status"]
    assert inner["quote"] == {"state": "accepted", "quoted_status_id": original["id"]}
    assert (await get(client, alice, original["id"]))["quotes_count"] == 1
    notes = (await client.get("/api/v1/notifications?types[]=quote", headers=alice.headers)).json()
    assert [n["status"]["id"] for n in notes] == [quote["id"]]
    # Private posts cannot be quoted or reposted, even by a follower who sees them.
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    private = await post(client, alice, "私密", visibility="private")
    r = await client.post(
        "/api/v1/statuses",
        json={"status": "q", "quoted_status_id": private["id"]},
        headers=bob.headers,
    )
    assert r.status_code == 422
    assert (
        await client.post(f"/api/v1/statuses/{private['id']}/reblog", headers=bob.headers)
    ).status_code == 422
    # Deleting the quoted post leaves the quote with a "deleted" state.
    await client.delete(f"/api/v1/statuses/{original['id']}", headers=alice.headers)
    assert (await get(client, bob, quote["id"]))["quote"] == {
        "state": "deleted",
        "quoted_status": None,
    }


async def test_delete_returns_source_and_forbids_others(client, make_user: MakeUser) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    mine = await post(client, alice, "删掉我 #tag")
    r = await client.delete(f"/api/v1/statuses/{mine['id']}", headers=bob.headers)
    assert r.status_code == 404
    r = await client.delete(f"/api/v1/statuses/{mine['id']}", headers=alice.headers)
    assert r.status_code == 200 and r.json()["text"] == "删掉我 #tag"
    assert (await client.get(f"/api/v1/statuses/{mine['id']}")).status_code == 404
    assert (await client.get("/api/v1/timelines/home", headers=bob.headers)).json() == []
    assert (await client.get(f"/api/v1/accounts/{alice.id}")).json()["statuses_count"] == 0


async def test_direct_posts_do_not_count_in_profile(client, make_user: MakeUser) -> None:
    alice = await make_user("alice")
    await make_user("bob")
    await post(client, alice, "@bob 悄悄话", visibility="direct")
    await post(client, alice, "公开")
    assert (await client.get(f"/api/v1/accounts/{alice.id}")).json()["statuses_count"] == 1


async def test_many_statuses_by_id_skips_hidden(client, make_user: MakeUser) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    public = await post(client, alice, "open")
    private = await post(client, alice, "closed", visibility="private")
    r = await client.get(
        f"/api/v1/statuses?id[]={private['id']}&id[]={public['id']}", headers=bob.headers
    )
    assert [s["id"] for s in r.json()] == [public["id"]]
    r = await client.get(
        f"/api/v1/statuses?id[]={private['id']}&id[]={public['id']}", headers=alice.headers
    )
    assert [s["id"] for s in r.json()] == [private["id"], public["id"]]


async def test_who_liked_it_leaves_out_accounts_across_a_block(client, make_user: MakeUser) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    hers = await post(client, alice, "like this")
    for user in (bob, carol):
        await client.post(f"/api/v1/statuses/{hers['id']}/favourite", headers=user.headers)
    await client.post(f"/api/v1/accounts/{carol.id}/block", headers=bob.headers)
    url = f"/api/v1/statuses/{hers['id']}/favourited_by"
    assert [a["username"] for a in (await client.get(url, headers=bob.headers)).json()] == ["bob"]
    everyone = (await client.get(url, headers=alice.headers)).json()
    assert [a["username"] for a in everyone] == ["carol", "bob"]


async def test_reposts_and_defaults_take_only_fitting_audiences(
    client, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    hers = await post(client, alice, "share me")
    for visibility in ("group", "direct"):
        r = await client.post(
            f"/api/v1/statuses/{hers['id']}/reblog",
            json={"visibility": visibility},
            headers=bob.headers,
        )
        assert r.status_code == 422, visibility
    assert (await client.get(f"/api/v1/accounts/{bob.id}")).json()["statuses_count"] == 0
    for privacy in ("group", "direct"):
        r = await client.patch(
            "/api/v1/accounts/update_credentials",
            data={"source[privacy]": privacy},
            headers=bob.headers,
        )
        assert r.status_code == 422, privacy


async def test_a_direct_message_leaves_no_date_on_the_profile(client, make_user: MakeUser) -> None:
    alice = await make_user("alice")
    await make_user("bob")
    await post(client, alice, "@bob 悄悄话", visibility="direct")
    assert (await client.get(f"/api/v1/accounts/{alice.id}")).json()["last_status_at"] is None


async def test_following_brings_no_group_posts_or_direct_messages_home(
    client, make_user: MakeUser
) -> None:
    alice, _bob, reader = (
        await make_user("alice"),
        await make_user("bob"),
        await make_user("reader"),
    )
    r = await client.post(
        "/api/v1/groups",
        json={"handle": "club", "name": "club", "privacy": "public"},
        headers=alice.headers,
    )
    gid = r.json()["id"]
    await post(client, alice, "in the group", visibility="group", group_id=gid)
    await post(client, alice, "@bob secret", visibility="direct")
    public = await post(client, alice, "for everyone")
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=reader.headers)
    home = (await client.get("/api/v1/timelines/home", headers=reader.headers)).json()
    assert [s["id"] for s in home] == [public["id"]]
