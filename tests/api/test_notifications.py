"""Notifications: who gets which, filters, dismissal, unread counts and markers."""

from tests.api.test_timelines import post
from tests.conftest import MakeUser


async def kinds(client, user, query: str = "") -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    r = await client.get(f"/api/v1/notifications{query}", headers=user.headers)
    assert r.status_code == 200, r.text
    return [(n["type"], n["account"]["username"]) for n in r.json()]


async def test_each_kind_reaches_exactly_its_recipient(client, make_user: MakeUser) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    hers = await post(client, alice, "hello")
    await post(client, bob, "hi @alice @carol")
    await client.post(f"/api/v1/statuses/{hers['id']}/favourite", headers=bob.headers)
    await client.post(f"/api/v1/statuses/{hers['id']}/reblog", headers=bob.headers)
    await post(client, bob, "quoting", quoted_status_id=hers["id"])
    # A reply without an @mention notifies nobody (Mastodon's rule: mentions only).
    await post(client, bob, "plain reply", in_reply_to_id=hers["id"])
    # Acting on your own post notifies nobody.
    await client.post(f"/api/v1/statuses/{hers['id']}/favourite", headers=alice.headers)

    assert await kinds(client, alice) == [
        ("quote", "bob"),
        ("reblog", "bob"),
        ("favourite", "bob"),
        ("mention", "bob"),
        ("follow", "bob"),
    ]
    assert await kinds(client, carol) == [("mention", "bob")]
    assert await kinds(client, bob) == []
    assert await kinds(client, alice, "?types[]=mention&types[]=follow") == [
        ("mention", "bob"),
        ("follow", "bob"),
    ]
    assert await kinds(client, alice, "?exclude_types[]=mention&exclude_types[]=follow") == [
        ("quote", "bob"),
        ("reblog", "bob"),
        ("favourite", "bob"),
    ]
    assert await kinds(client, alice, "?types[]=admin.sign_up") == []
    assert await kinds(client, alice, f"?account_id={carol.id}") == []


async def test_unlike_withdraws_the_notification(client, make_user: MakeUser) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    hers = await post(client, alice, "like me")
    await client.post(f"/api/v1/statuses/{hers['id']}/favourite", headers=bob.headers)
    await client.post(f"/api/v1/statuses/{hers['id']}/unfavourite", headers=bob.headers)
    assert await kinds(client, alice) == []


async def test_get_dismiss_clear(client, make_user: MakeUser) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    for user in (bob, carol):
        await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=user.headers)
    listed = (await client.get("/api/v1/notifications", headers=alice.headers)).json()
    first = listed[0]["id"]
    one = (await client.get(f"/api/v1/notifications/{first}", headers=alice.headers)).json()
    assert one["id"] == first and one["type"] == "follow"
    assert (
        await client.get(f"/api/v1/notifications/{first}", headers=bob.headers)
    ).status_code == 404
    r = await client.post(f"/api/v1/notifications/{first}/dismiss", headers=alice.headers)
    assert r.status_code == 200
    assert len(await kinds(client, alice)) == 1
    await client.post("/api/v1/notifications/clear", headers=alice.headers)
    assert await kinds(client, alice) == []


async def test_unread_count_follows_the_marker(client, make_user: MakeUser) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    await post(client, bob, "@alice one")
    await post(client, bob, "@alice two")
    r = await client.get("/api/v1/notifications/unread_count", headers=alice.headers)
    assert r.json() == {"count": 3}
    listed = (await client.get("/api/v1/notifications", headers=alice.headers)).json()
    r = await client.post(
        "/api/v1/markers",
        json={"notifications": {"last_read_id": listed[1]["id"]}},
        headers=alice.headers,
    )
    assert r.status_code == 200 and r.json()["notifications"]["version"] == 1
    r = await client.get("/api/v1/notifications/unread_count", headers=alice.headers)
    assert r.json() == {"count": 1}
    r = await client.post(
        "/api/v1/markers",
        data={"notifications[last_read_id]": listed[0]["id"]},
        headers=alice.headers,
    )
    assert r.json()["notifications"]["version"] == 2
    markers = (
        await client.get("/api/v1/markers?timeline[]=notifications", headers=alice.headers)
    ).json()
    assert markers["notifications"]["last_read_id"] == listed[0]["id"]
    r = await client.get("/api/v1/notifications/unread_count", headers=alice.headers)
    assert r.json() == {"count": 0}


async def test_markers_saved_at_once_lose_no_version(client, make_user: MakeUser) -> None:
    """Two clients (phone and laptop) saving at once: no 500, and every save counts."""
    import asyncio

    alice = await make_user("alice")

    async def save(position: int) -> int:
        r = await client.post(
            "/api/v1/markers", json={"home": {"last_read_id": str(position)}}, headers=alice.headers
        )
        assert r.status_code == 200, r.text
        return int(r.json()["home"]["version"])

    versions = await asyncio.gather(*(save(p) for p in range(1, 7)))
    assert sorted(versions) == [1, 2, 3, 4, 5, 6]
    final = (await client.get("/api/v1/markers?timeline[]=home", headers=alice.headers)).json()
    assert final["home"]["version"] == 6
