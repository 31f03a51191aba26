"""Follows (and requests for locked accounts), blocks and mutes, and what they change."""

from tests.api.test_timelines import post
from tests.conftest import MakeUser


async def rel(client, viewer, target) -> dict:  # type: ignore[no-untyped-def]
    r = await client.get(f"/api/v1/accounts/relationships?id[]={target.id}", headers=viewer.headers)
    assert r.status_code == 200
    return r.json()[0]  # type: ignore[no-any-return]


async def account(client, user) -> dict:  # type: ignore[no-untyped-def]
    return (await client.get(f"/api/v1/accounts/{user.id}")).json()  # type: ignore[no-any-return]


async def test_follow_updates_counts_lists_and_relationship(client, make_user: MakeUser) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    r = await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    assert r.json()["following"] is True and r.json()["requested"] is False
    assert (await account(client, alice))["followers_count"] == 1
    assert (await account(client, bob))["following_count"] == 1
    followers = (await client.get(f"/api/v1/accounts/{alice.id}/followers")).json()
    assert [a["username"] for a in followers] == ["bob"]
    following = (await client.get(f"/api/v1/accounts/{bob.id}/following")).json()
    assert [a["username"] for a in following] == ["alice"]
    assert (await rel(client, alice, bob))["followed_by"] is True
    # Following twice changes nothing; options update in place.
    r = await client.post(
        f"/api/v1/accounts/{alice.id}/follow", json={"reblogs": False}, headers=bob.headers
    )
    assert r.json()["showing_reblogs"] is False
    assert (await account(client, alice))["followers_count"] == 1
    await client.post(f"/api/v1/accounts/{alice.id}/unfollow", headers=bob.headers)
    assert (await account(client, alice))["followers_count"] == 0
    assert (await rel(client, bob, alice))["following"] is False


async def test_locked_account_gets_requests(client, make_user: MakeUser) -> None:
    alice = await make_user("alice", locked=True)
    bob, carol = await make_user("bob"), await make_user("carol")
    secret = await post(client, alice, "只给关注者看", visibility="private")
    r = await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    assert r.json()["following"] is False and r.json()["requested"] is True
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=carol.headers)
    # A request grants nothing yet.
    assert (
        await client.get(f"/api/v1/statuses/{secret['id']}", headers=bob.headers)
    ).status_code == 404
    requests = (await client.get("/api/v1/follow_requests", headers=alice.headers)).json()
    assert {a["username"] for a in requests} == {"bob", "carol"}
    notes = (await client.get("/api/v1/notifications", headers=alice.headers)).json()
    assert sorted(n["type"] for n in notes) == ["follow_request", "follow_request"]
    me = (await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)).json()
    assert me["source"]["follow_requests_count"] == 2

    r = await client.post(f"/api/v1/follow_requests/{bob.id}/authorize", headers=alice.headers)
    assert r.status_code == 200 and r.json()["followed_by"] is True
    r = await client.post(f"/api/v1/follow_requests/{carol.id}/reject", headers=alice.headers)
    assert r.status_code == 200 and r.json()["requested_by"] is False
    assert (await client.get("/api/v1/follow_requests", headers=alice.headers)).json() == []
    assert (
        await client.get(f"/api/v1/statuses/{secret['id']}", headers=bob.headers)
    ).status_code == 200
    assert (
        await client.get(f"/api/v1/statuses/{secret['id']}", headers=carol.headers)
    ).status_code == 404
    # Accepting brought alice's recent posts into bob's home.
    home = (await client.get("/api/v1/timelines/home", headers=bob.headers)).json()
    assert [s["id"] for s in home] == [secret["id"]]
    # Handled requests are gone from notifications; the new follower is announced.
    notes = (await client.get("/api/v1/notifications", headers=alice.headers)).json()
    assert [(n["type"], n["account"]["username"]) for n in notes] == [("follow", "bob")]
    # Withdrawing an unanswered request.
    dave = await make_user("dave")
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=dave.headers)
    await client.post(f"/api/v1/accounts/{alice.id}/unfollow", headers=dave.headers)
    assert (await client.get("/api/v1/follow_requests", headers=alice.headers)).json() == []


async def test_block_ends_follows_both_ways_and_hides_everything(
    client, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers)
    hello = await post(client, alice, "hello @bob")
    await client.post(f"/api/v1/statuses/{hello['id']}/favourite", headers=bob.headers)

    r = await client.post(f"/api/v1/accounts/{bob.id}/block", headers=alice.headers)
    assert r.json()["blocking"] is True and r.json()["following"] is False
    assert r.json()["followed_by"] is False
    assert (await account(client, alice))["followers_count"] == 0
    assert (await account(client, alice))["following_count"] == 0
    assert (await rel(client, bob, alice))["blocked_by"] is True
    # Bob sees none of alice's posts, nor the notifications between them.
    assert (
        await client.get(f"/api/v1/statuses/{hello['id']}", headers=bob.headers)
    ).status_code == 404
    assert (await client.get("/api/v1/timelines/home", headers=bob.headers)).json() == []
    assert (await client.get("/api/v1/notifications", headers=bob.headers)).json() == []
    assert (await client.get("/api/v1/notifications", headers=alice.headers)).json() == []
    # He cannot follow her again, nor interact.
    assert (
        await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    ).status_code == 404
    r = await client.post(f"/api/v1/statuses/{hello['id']}/favourite", headers=bob.headers)
    assert r.status_code == 404
    # She cannot follow someone she blocks.
    assert (
        await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers)
    ).status_code == 403
    blocks = (await client.get("/api/v1/blocks", headers=alice.headers)).json()
    assert [a["username"] for a in blocks] == ["bob"]
    await client.post(f"/api/v1/accounts/{bob.id}/unblock", headers=alice.headers)
    assert (
        await client.get(f"/api/v1/statuses/{hello['id']}", headers=bob.headers)
    ).status_code == 200


async def test_mute_hides_from_timelines_and_notifications_not_from_lookups(
    client, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    r = await client.post(f"/api/v1/accounts/{alice.id}/mute", headers=bob.headers)
    assert r.json()["muting"] is True and r.json()["muting_notifications"] is True
    loud = await post(client, alice, "hey @bob")
    assert (await client.get("/api/v1/timelines/home", headers=bob.headers)).json() == []
    assert (await client.get("/api/v1/timelines/public", headers=bob.headers)).json() == []
    assert (await client.get("/api/v1/notifications", headers=bob.headers)).json() == []
    assert (
        await client.get(f"/api/v1/statuses/{loud['id']}", headers=bob.headers)
    ).status_code == 200
    mutes = (await client.get("/api/v1/mutes", headers=bob.headers)).json()
    assert [a["username"] for a in mutes] == ["alice"]
    # Muting without notifications keeps the mention notification visible.
    r = await client.post(
        f"/api/v1/accounts/{alice.id}/mute", json={"notifications": False}, headers=bob.headers
    )
    assert r.json()["muting_notifications"] is False
    assert len((await client.get("/api/v1/notifications", headers=bob.headers)).json()) == 1
    await client.post(f"/api/v1/accounts/{alice.id}/unmute", headers=bob.headers)
    home = (await client.get("/api/v1/timelines/home", headers=bob.headers)).json()
    assert [s["id"] for s in home] == [loud["id"]]


async def test_cannot_follow_block_or_mute_yourself(client, make_user: MakeUser) -> None:
    alice = await make_user("alice")
    for verb in ("follow", "block", "mute"):
        r = await client.post(f"/api/v1/accounts/{alice.id}/{verb}", headers=alice.headers)
        assert r.status_code == 403, verb
        assert "error" in r.json()


async def test_lookup_and_verified_badge(client, make_user: MakeUser, container) -> None:
    await make_user("Alice_1")
    r = await client.get("/api/v1/accounts/lookup?acct=alice_1")
    assert r.status_code == 200 and r.json()["username"] == "Alice_1"
    assert r.json()["verified"] is False
    await container.account_actions.do_set_verified("alice_1")
    r = await client.get("/api/v1/accounts/lookup?acct=@Alice_1@testserver")
    assert r.json()["verified"] is True
    assert (
        await client.get("/api/v1/accounts/lookup?acct=alice_1@elsewhere.example")
    ).status_code == 404
    assert (await client.get("/api/v1/accounts/lookup?acct=nobody")).status_code == 404


async def test_update_credentials_in_any_script(client, make_user: MakeUser) -> None:
    alice = await make_user("alice")
    r = await client.patch(
        "/api/v1/accounts/update_credentials",
        data={"display_name": "爱丽丝 🐦", "note": "写代码 & <b>bold</b>", "locked": "true"},
        headers=alice.headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["display_name"] == "爱丽丝 🐦"
    assert body["note"] == "<p>写代码 &amp; &lt;b&gt;bold&lt;/b&gt;</p>"
    assert body["source"]["note"] == "写代码 & <b>bold</b>"
    assert body["locked"] is True
    r = await client.patch(
        "/api/v1/accounts/update_credentials",
        data={"display_name": "x" * 31},
        headers=alice.headers,
    )
    assert r.status_code == 422


async def test_following_each_other_at_the_same_moment(client, make_user: MakeUser) -> None:
    """Two accounts following (then unfollowing) each other at once both succeed, with both
    counters right: on PostgreSQL the two writes lock the same two account rows, which must
    happen in one order (it deadlocked and answered 500 when each locked its own row first)."""
    import asyncio

    for round_ in range(8):
        a, b = await make_user(f"a{round_}"), await make_user(f"b{round_}")
        for action, count in (("follow", 1), ("unfollow", 0)):
            answers = await asyncio.gather(
                client.post(f"/api/v1/accounts/{b.id}/{action}", headers=a.headers),
                client.post(f"/api/v1/accounts/{a.id}/{action}", headers=b.headers),
            )
            assert [r.status_code for r in answers] == [200, 200], [r.text for r in answers]
            for user in (a, b):
                shown = await account(client, user)
                assert (shown["followers_count"], shown["following_count"]) == (count, count)
