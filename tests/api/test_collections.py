"""Bookmarks, the caller's likes, and pins: the statuses an account keeps for itself."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event

from myna.container import Container
from tests.api.test_group_posts import make_group
from tests.api.test_timelines import links, post
from tests.conftest import MakeUser, User, row_counts


async def act(client: httpx.AsyncClient, user: User, status_id: str, verb: str) -> httpx.Response:
    return await client.post(f"/api/v1/statuses/{status_id}/{verb}", headers=user.headers)


async def ok(client: httpx.AsyncClient, user: User, status_id: str, verb: str) -> dict[str, Any]:
    r = await act(client, user, status_id, verb)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def listed(client: httpx.AsyncClient, url: str, user: User | None = None) -> list[str]:
    r = await client.get(url, headers=user.headers if user else {})
    assert r.status_code == 200, r.text
    return [s["id"] for s in r.json()]


def pinned_url(user: User) -> str:
    return f"/api/v1/accounts/{user.id}/statuses?pinned=true"


def assert_error(r: httpx.Response, status: int) -> None:
    assert r.status_code == status, r.text
    assert "error" in r.json()


@contextmanager
def statements(container: Container) -> Iterator[list[str]]:
    """The SQL statements run meanwhile (to count queries per page, not to fake anything)."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    engine = container.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_bookmark_and_unbookmark_are_idempotent(client, make_user: MakeUser) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    status = await post(client, alice, "worth keeping")
    for _ in range(2):
        body = await ok(client, bob, status["id"], "bookmark")
        assert body["id"] == status["id"] and body["bookmarked"] is True
    assert await listed(client, "/api/v1/bookmarks", bob) == [status["id"]]
    # Bookmarks are private: the author and others see nothing of it.
    r = await client.get(f"/api/v1/statuses/{status['id']}", headers=alice.headers)
    assert r.json()["bookmarked"] is False
    r = await client.get(f"/api/v1/statuses/{status['id']}", headers=bob.headers)
    assert r.json()["bookmarked"] is True
    assert await listed(client, "/api/v1/bookmarks", alice) == []

    for _ in range(2):
        body = await ok(client, bob, status["id"], "unbookmark")
        assert body["bookmarked"] is False
    assert await listed(client, "/api/v1/bookmarks", bob) == []


async def test_bookmarking_a_repost_keeps_the_original(client, make_user: MakeUser) -> None:
    alice, bob, carol = [await make_user(n) for n in ("alice", "bob", "carol")]
    original = await post(client, alice, "original")
    repost = await ok(client, bob, original["id"], "reblog")
    body = await ok(client, carol, repost["id"], "bookmark")
    assert body["id"] == original["id"] and body["bookmarked"] is True
    assert await listed(client, "/api/v1/bookmarks", carol) == [original["id"]]
    # In a feed, the repost shows its original as bookmarked.
    await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=carol.headers)
    home = (await client.get("/api/v1/timelines/home", headers=carol.headers)).json()
    assert home[0]["id"] == repost["id"] and home[0]["reblog"]["bookmarked"] is True


async def test_bookmarks_page_newest_bookmark_first(client, make_user: MakeUser) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    ids = [(await post(client, alice, f"post {i}"))["id"] for i in range(4)]
    order = [ids[2], ids[0], ids[3], ids[1]]  # bookmarked in this order
    for status_id in order:
        await ok(client, bob, status_id, "bookmark")

    seen: list[str] = []
    url = "/api/v1/bookmarks?limit=3"
    while True:
        r = await client.get(url, headers=bob.headers)
        page = [s["id"] for s in r.json()]
        if not page:
            break
        seen += page
        url = links(r)["next"].removeprefix("http://testserver")
    assert seen == list(reversed(order))

    # prev (min_id) pages back to newer bookmarks, still newest first.
    r = await client.get("/api/v1/bookmarks?limit=2", headers=bob.headers)
    older = await client.get(
        links(r)["next"].removeprefix("http://testserver"), headers=bob.headers
    )
    assert [s["id"] for s in older.json()] == [order[1], order[0]]
    newer = await client.get(
        links(older)["prev"].removeprefix("http://testserver"), headers=bob.headers
    )
    assert [s["id"] for s in newer.json()] == [order[3], order[2]]


async def test_a_bookmark_of_a_status_that_became_invisible_is_not_shown(
    client, make_user: MakeUser
) -> None:
    alice, bob, carol = [await make_user(n) for n in ("alice", "bob", "carol")]
    await client.post(f"/api/v1/accounts/{carol.id}/follow", headers=bob.headers)
    public = await post(client, alice, "public")
    private = await post(client, carol, "for followers", visibility="private")
    kept = await post(client, alice, "still fine")
    for status in (public, private, kept):
        await ok(client, bob, status["id"], "bookmark")
    assert await listed(client, "/api/v1/bookmarks", bob) == [
        kept["id"],
        private["id"],
        public["id"],
    ]

    # Alice blocks bob; bob stops following carol.
    await client.post(f"/api/v1/accounts/{bob.id}/block", headers=alice.headers)
    await client.post(f"/api/v1/accounts/{carol.id}/unfollow", headers=bob.headers)
    assert await listed(client, "/api/v1/bookmarks", bob) == []
    r = await client.get(f"/api/v1/statuses/{public['id']}", headers=bob.headers)
    assert r.status_code == 404
    # A status bob cannot see is missing to him, for bookmarking as for anything else.
    assert_error(await act(client, bob, public["id"], "bookmark"), 404)
    assert_error(await act(client, bob, private["id"], "unbookmark"), 404)

    await client.post(f"/api/v1/accounts/{bob.id}/unblock", headers=alice.headers)
    assert await listed(client, "/api/v1/bookmarks", bob) == [kept["id"], public["id"]]


async def test_favourites_list_newest_like_first(client, make_user: MakeUser) -> None:
    alice, bob, carol = [await make_user(n) for n in ("alice", "bob", "carol")]
    a = await post(client, alice, "a")
    b = await post(client, alice, "b")
    c = await post(client, carol, "c")
    for status in (b, c, a):
        await ok(client, bob, status["id"], "favourite")
    assert await listed(client, "/api/v1/favourites", bob) == [a["id"], c["id"], b["id"]]
    assert await listed(client, "/api/v1/favourites", alice) == []

    r = await client.get("/api/v1/favourites?limit=2", headers=bob.headers)
    assert [s["id"] for s in r.json()] == [a["id"], c["id"]]
    assert all(s["favourited"] for s in r.json())
    rest = await client.get(links(r)["next"].removeprefix("http://testserver"), headers=bob.headers)
    assert [s["id"] for s in rest.json()] == [b["id"]]

    # Carol blocks bob: his like stays stored, but her post is no longer listed to him.
    await client.post(f"/api/v1/accounts/{bob.id}/block", headers=carol.headers)
    assert await listed(client, "/api/v1/favourites", bob) == [a["id"], b["id"]]
    await ok(client, bob, a["id"], "unfavourite")
    assert await listed(client, "/api/v1/favourites", bob) == [b["id"]]


async def test_pin_own_statuses_newest_pin_first(client, make_user: MakeUser) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    public = await post(client, alice, "public")
    unlisted = await post(client, alice, "unlisted", visibility="unlisted")
    private = await post(client, alice, "followers", visibility="private")
    for status in (unlisted, public, private):
        for _ in range(2):  # idempotent
            body = await ok(client, alice, status["id"], "pin")
            assert body["id"] == status["id"] and body["pinned"] is True
    newest_pin_first = [private["id"], public["id"], unlisted["id"]]
    assert await listed(client, pinned_url(alice), alice) == newest_pin_first
    assert all(
        s["pinned"] for s in (await client.get(pinned_url(alice), headers=alice.headers)).json()
    )
    # `pinned` is the viewer's own flag: others see false.
    r = await client.get(f"/api/v1/statuses/{public['id']}", headers=bob.headers)
    assert r.json()["pinned"] is False
    r = await client.get(f"/api/v1/accounts/{alice.id}/statuses", headers=alice.headers)
    assert {s["id"]: s["pinned"] for s in r.json()}[public["id"]] is True

    # Paging by pin: limit 2, then the rest.
    r = await client.get(pinned_url(alice) + "&limit=2", headers=alice.headers)
    assert [s["id"] for s in r.json()] == newest_pin_first[:2]
    rest = await client.get(
        links(r)["next"].removeprefix("http://testserver"), headers=alice.headers
    )
    assert [s["id"] for s in rest.json()] == newest_pin_first[2:]

    for _ in range(2):
        body = await ok(client, alice, public["id"], "unpin")
        assert body["pinned"] is False
    assert await listed(client, pinned_url(alice), alice) == [private["id"], unlisted["id"]]
    # The ordinary profile listing is unaffected by pins.
    assert await listed(client, f"/api/v1/accounts/{alice.id}/statuses", alice) == [
        private["id"],
        unlisted["id"],
        public["id"],
    ]


async def test_pinned_statuses_respect_visibility(client, make_user: MakeUser) -> None:
    alice, follower, stranger = [await make_user(n) for n in ("alice", "follower", "stranger")]
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=follower.headers)
    public = await post(client, alice, "for all")
    private = await post(client, alice, "for followers", visibility="private")
    await ok(client, alice, public["id"], "pin")
    await ok(client, alice, private["id"], "pin")
    assert await listed(client, pinned_url(alice), alice) == [private["id"], public["id"]]
    assert await listed(client, pinned_url(alice), follower) == [private["id"], public["id"]]
    assert await listed(client, pinned_url(alice), stranger) == [public["id"]]
    assert await listed(client, pinned_url(alice)) == [public["id"]]
    # Across a block, nothing.
    await client.post(f"/api/v1/accounts/{stranger.id}/block", headers=alice.headers)
    assert await listed(client, pinned_url(alice), stranger) == []


async def test_pin_rules(client, make_user: MakeUser, container: Container) -> None:
    alice, bob, _carol = [await make_user(n) for n in ("alice", "bob", "carol")]
    bobs_public = await post(client, bob, "bob's")
    bobs_private = await post(client, bob, "bob's followers", visibility="private")
    direct = await post(client, alice, "hi @carol", visibility="direct")
    gid = await make_group(client, alice, "public", "pinclub")
    in_group = await post(client, alice, "group post", visibility="group", group_id=gid)
    repost = await ok(client, alice, bobs_public["id"], "reblog")
    mine = [(await post(client, alice, f"mine {i}"))["id"] for i in range(6)]

    before = await row_counts(container.db)
    # Another's status: 422 if alice may see it, 404 if she may not.
    assert_error(await act(client, alice, bobs_public["id"], "pin"), 422)
    assert_error(await act(client, alice, bobs_public["id"], "unpin"), 422)
    assert_error(await act(client, alice, bobs_private["id"], "pin"), 404)
    assert_error(await act(client, alice, bobs_private["id"], "unpin"), 404)
    # Not direct messages, group posts or reposts.
    for status in (direct, in_group, repost):
        assert_error(await act(client, alice, status["id"], "pin"), 422)
    # Bad ids.
    for bad in ("nope", "0", "999999999999"):
        assert_error(await act(client, alice, bad, "pin"), 404)
        assert_error(await act(client, alice, bad, "bookmark"), 404)
    assert await row_counts(container.db) == before

    for status_id in mine[:5]:
        await ok(client, alice, status_id, "pin")
    before = await row_counts(container.db)
    r = await act(client, alice, mine[5], "pin")
    assert_error(r, 422)
    assert "5" in r.json()["error"]
    assert await row_counts(container.db) == before
    # Pinning one already pinned is not a sixth pin.
    await ok(client, alice, mine[0], "pin")
    await ok(client, alice, mine[0], "unpin")
    await ok(client, alice, mine[5], "pin")
    assert await listed(client, pinned_url(alice), alice) == [mine[5], *reversed(mine[1:5])]
    # A deleted status leaves the pins.
    r = await client.delete(f"/api/v1/statuses/{mine[5]}", headers=alice.headers)
    assert r.status_code == 200, r.text
    assert await listed(client, pinned_url(alice), alice) == list(reversed(mine[1:5]))


async def test_bad_ids_and_missing_accounts(client, make_user: MakeUser) -> None:
    alice = await make_user("alice")
    r = await client.get("/api/v1/accounts/999999999/statuses?pinned=true", headers=alice.headers)
    assert_error(r, 404)
    r = await client.get("/api/v1/accounts/nope/statuses?pinned=true")
    assert_error(r, 404)
    for verb in ("unbookmark", "unpin"):
        assert_error(await act(client, alice, "123456789", verb), 404)


async def test_scopes(client, make_user: MakeUser, container: Container) -> None:
    alice = await make_user("alice")
    status = await post(client, alice, "mine")
    reader = await make_user("reader", scopes="read")
    writer = await make_user("writer", scopes="write:statuses read:statuses")
    narrow = await make_user("narrow", scopes="read:bookmarks write:bookmarks read:favourites")
    before = await row_counts(container.db)
    for user in (reader, writer):
        assert_error(await act(client, user, status["id"], "bookmark"), 403)
        assert_error(await act(client, user, status["id"], "unbookmark"), 403)
        assert_error(await act(client, user, status["id"], "pin"), 403)
        assert_error(await act(client, user, status["id"], "unpin"), 403)
    assert_error(await act(client, narrow, status["id"], "pin"), 403)
    for url in ("/api/v1/bookmarks", "/api/v1/favourites"):
        assert_error(await client.get(url, headers=writer.headers), 403)
        assert_error(await client.get(url), 401)
    assert_error(await client.post(f"/api/v1/statuses/{status['id']}/bookmark"), 401)
    assert await row_counts(container.db) == before

    # The granular scopes suffice; `read` covers both lists.
    assert (await ok(client, narrow, status["id"], "bookmark"))["bookmarked"] is True
    assert await listed(client, "/api/v1/bookmarks", narrow) == [status["id"]]
    assert await listed(client, "/api/v1/favourites", narrow) == []
    assert await listed(client, "/api/v1/bookmarks", reader) == []
    pinner = await make_user("pinner", scopes="write:accounts read:statuses")
    mine = await post(client, alice, "alice's")
    assert_error(await act(client, pinner, mine["id"], "pin"), 422)  # scoped, but not hers


async def test_flags_load_in_one_query_per_page(
    client, make_user: MakeUser, container: Container
) -> None:
    alice = await make_user("alice")
    ids = [(await post(client, alice, f"post {i}"))["id"] for i in range(6)]
    for status_id in ids[:3]:
        await ok(client, alice, status_id, "bookmark")
    for status_id in ids[1:4]:
        await ok(client, alice, status_id, "pin")
    with statements(container) as seen:
        r = await client.get(f"/api/v1/accounts/{alice.id}/statuses", headers=alice.headers)
    page = {s["id"]: (s["bookmarked"], s["pinned"]) for s in r.json()}
    assert page == {
        ids[0]: (True, False),
        ids[1]: (True, True),
        ids[2]: (True, True),
        ids[3]: (False, True),
        ids[4]: (False, False),
        ids[5]: (False, False),
    }
    assert sum("FROM bookmarks" in sql for sql in seen) == 1
    assert sum("FROM pins" in sql for sql in seen) == 1
