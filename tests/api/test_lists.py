"""Lists (issue 5): the list API, list timelines fed on write, replies_policy, exclusive lists,
and lists as a posting audience (circles). The leak matrix for circle posts is in
tests/policy/test_visibility_matrix.py."""

from typing import Any

import httpx
import pytest

from myna.container import Container
from myna.lib.ids import new_id
from tests.api.test_timelines import links, post
from tests.conftest import MakeUser, User, row_counts


async def follow(client: httpx.AsyncClient, who: User, whom: User) -> None:
    r = await client.post(f"/api/v1/accounts/{whom.id}/follow", headers=who.headers)
    assert r.status_code == 200, r.text


async def make_list(
    client: httpx.AsyncClient, owner: User, title: str = "朋友", **extra: Any
) -> str:
    r = await client.post("/api/v1/lists", json={"title": title, **extra}, headers=owner.headers)
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


async def add(client: httpx.AsyncClient, owner: User, list_id: str, *users: User) -> None:
    r = await client.post(
        f"/api/v1/lists/{list_id}/accounts",
        json={"account_ids": [str(u.id) for u in users]},
        headers=owner.headers,
    )
    assert r.status_code == 200, r.text


async def ids(client: httpx.AsyncClient, url: str, user: User) -> list[str]:
    r = await client.get(url, headers=user.headers)
    assert r.status_code == 200, r.text
    return [s["id"] for s in r.json()]


async def test_create_read_update_delete(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    alice = await make_user("alice")
    r = await client.post(
        "/api/v1/lists", json={"title": "  家人 Familie  "}, headers=alice.headers
    )
    assert r.status_code == 200, r.text
    created = r.json()
    assert created == {
        "id": created["id"],
        "title": "家人 Familie",
        "replies_policy": "list",
        "exclusive": False,
    }
    lid = created["id"]
    r = await client.get(f"/api/v1/lists/{lid}", headers=alice.headers)
    assert r.json() == created
    r = await client.put(
        f"/api/v1/lists/{lid}",
        json={"title": "ম" * 100, "replies_policy": "none", "exclusive": True},
        headers=alice.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "id": lid,
        "title": "ম" * 100,
        "replies_policy": "none",
        "exclusive": True,
    }
    r = await client.get("/api/v1/lists", headers=alice.headers)
    assert [x["id"] for x in r.json()] == [lid]
    r = await client.delete(f"/api/v1/lists/{lid}", headers=alice.headers)
    assert r.status_code == 200 and r.json() == {}
    r = await client.get(f"/api/v1/lists/{lid}", headers=alice.headers)
    assert r.status_code == 404


async def test_another_persons_list_is_not_found(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice, bob, carol = [await make_user(n) for n in ("alice", "bob", "carol")]
    await follow(client, alice, carol)
    await follow(client, bob, carol)
    lid = await make_list(client, alice)
    await add(client, alice, lid, carol)
    missing = str(new_id())
    for target in (lid, missing):
        before = await row_counts(container.db)
        answers = [
            await client.get(f"/api/v1/lists/{target}", headers=bob.headers),
            await client.put(f"/api/v1/lists/{target}", json={"title": "x"}, headers=bob.headers),
            await client.delete(f"/api/v1/lists/{target}", headers=bob.headers),
            await client.get(f"/api/v1/lists/{target}/accounts", headers=bob.headers),
            await client.post(
                f"/api/v1/lists/{target}/accounts",
                json={"account_ids": [str(carol.id)]},
                headers=bob.headers,
            ),
            await client.request(
                "DELETE",
                f"/api/v1/lists/{target}/accounts",
                json={"account_ids": [str(carol.id)]},
                headers=bob.headers,
            ),
            await client.get(f"/api/v1/timelines/list/{target}", headers=bob.headers),
            await client.post(
                "/api/v1/statuses",
                json={"status": "hi", "visibility": "private", "list_id": target},
                headers=bob.headers,
            ),
        ]
        assert [a.status_code for a in answers] == [404] * len(answers)
        assert {a.text for a in answers} == {'{"error":"Record not found"}'}
        assert await row_counts(container.db) == before
    r = await client.get(f"/api/v1/accounts/{carol.id}/lists", headers=bob.headers)
    assert r.json() == []
    r = await client.get(f"/api/v1/accounts/{carol.id}/lists", headers=alice.headers)
    assert [x["id"] for x in r.json()] == [lid]


async def test_scopes(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    reader = await make_user("reader", scopes="read:lists")
    r = await client.post("/api/v1/lists", json={"title": "x"}, headers=reader.headers)
    assert r.status_code == 403
    r = await client.get("/api/v1/lists", headers=reader.headers)
    assert r.status_code == 200
    other = await make_user("other", scopes="read:statuses write:statuses")
    r = await client.get("/api/v1/lists", headers=other.headers)
    assert r.status_code == 403
    r = await client.get("/api/v1/lists")
    assert r.status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"title": ""},
        {"title": "   "},
        {"title": "x" * 101},
        {"title": "a\x00b"},
        {"title": ["x"]},
        {"title": "x", "replies_policy": "everyone"},
        {"title": "x", "exclusive": "maybe"},
    ],
)
async def test_bad_list_input_writes_nothing(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container, body: dict[str, Any]
) -> None:
    alice = await make_user("alice")
    lid = await make_list(client, alice)
    before = await row_counts(container.db)
    r = await client.post("/api/v1/lists", json=body, headers=alice.headers)
    assert r.status_code == 422, r.text
    assert r.json()["error"]
    if body:
        r = await client.put(f"/api/v1/lists/{lid}", json=body, headers=alice.headers)
        assert r.status_code == 422, r.text
    assert await row_counts(container.db) == before


async def test_members_only_followed_accounts(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice, bob, carol, dave = [await make_user(n) for n in ("alice", "bob", "carol", "dave")]
    await follow(client, alice, bob)
    await follow(client, alice, carol)
    lid = await make_list(client, alice)
    url = f"/api/v1/lists/{lid}/accounts"
    before = await row_counts(container.db)
    for body, status in [
        ({"account_ids": [str(bob.id), str(dave.id)]}, 422),  # dave is not followed
        ({"account_ids": [str(alice.id)]}, 422),  # nor is oneself
        ({"account_ids": [str(bob.id), str(new_id())]}, 404),
        ({"account_ids": []}, 422),
        ({}, 422),
        ({"account_ids": ["nope"]}, 422),
    ]:
        r = await client.post(url, json=body, headers=alice.headers)
        assert r.status_code == status, (body, r.text)
    assert await row_counts(container.db) == before

    await add(client, alice, lid, bob, carol)
    await add(client, alice, lid, bob)  # adding again is fine
    r = await client.get(url, headers=alice.headers)
    assert {a["id"] for a in r.json()} == {str(bob.id), str(carol.id)}
    r = await client.get(url, params={"limit": 1}, headers=alice.headers)
    assert len(r.json()) == 1 and "next" in links(r)
    r = await client.get(url, params={"limit": 0}, headers=alice.headers)
    assert len(r.json()) == 2
    r = await client.request(
        "DELETE", url, params={"account_ids[]": [str(bob.id)]}, headers=alice.headers
    )
    assert r.status_code == 200, r.text
    r = await client.get(url, headers=alice.headers)
    assert [a["id"] for a in r.json()] == [str(carol.id)]
    # Unfollowing takes an account out of one's lists.
    r = await client.post(f"/api/v1/accounts/{carol.id}/unfollow", headers=alice.headers)
    assert r.status_code == 200
    r = await client.get(url, headers=alice.headers)
    assert r.json() == []


async def test_list_timeline_is_fed_backfilled_and_paged(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice, bob, carol = [await make_user(n) for n in ("alice", "bob", "carol")]
    await follow(client, alice, bob)
    await follow(client, alice, carol)
    early = await post(client, bob, "before the list")
    lid = await make_list(client, alice)
    await add(client, alice, lid, bob)
    url = f"/api/v1/timelines/list/{lid}"
    assert await ids(client, url, alice) == [early["id"]]  # backfilled
    later = [await post(client, bob, f"bob {i}") for i in range(3)]
    await post(client, carol, "carol is not in the list")
    direct = await post(client, bob, "@alice psst", visibility="direct")
    got = await ids(client, url, alice)
    assert got == [s["id"] for s in reversed(later)] + [early["id"]]
    assert direct["id"] not in got
    r = await client.get(url, params={"limit": 2}, headers=alice.headers)
    assert [s["id"] for s in r.json()] == [later[2]["id"], later[1]["id"]]
    nxt = links(r)["next"]
    r = await client.get(nxt, headers=alice.headers)
    assert [s["id"] for s in r.json()] == [later[0]["id"], early["id"]]
    # Removing a member takes their statuses out of the list's timeline.
    r = await client.request(
        "DELETE",
        f"/api/v1/lists/{lid}/accounts",
        json={"account_ids": [str(bob.id)]},
        headers=alice.headers,
    )
    assert r.status_code == 200
    assert await ids(client, url, alice) == []


async def test_replies_policy(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    owner, bob, carol, dave, erin = [
        await make_user(n) for n in ("owner", "bob", "carol", "dave", "erin")
    ]
    for u in (bob, carol, dave):
        await follow(client, owner, u)
    lists = {}
    for policy in ("list", "followed", "none"):
        lists[policy] = await make_list(client, owner, policy, replies_policy=policy)
        await add(client, owner, lists[policy], bob, carol)
    by_carol = await post(client, carol, "carol (a member)")
    by_dave = await post(client, dave, "dave (followed, not a member)")
    by_erin = await post(client, erin, "erin (a stranger)")
    by_owner = await post(client, owner, "the owner")
    own = await post(client, bob, "bob's thread")
    replies = {
        "member": await post(client, bob, "to carol", in_reply_to_id=by_carol["id"]),
        "followed": await post(client, bob, "to dave", in_reply_to_id=by_dave["id"]),
        "stranger": await post(client, bob, "to erin", in_reply_to_id=by_erin["id"]),
        "owner": await post(client, bob, "to the owner", in_reply_to_id=by_owner["id"]),
        "self": await post(client, bob, "and more", in_reply_to_id=own["id"]),
    }
    expected = {
        "list": {"member", "owner", "self"},
        "followed": {"member", "followed", "owner", "self"},
        "none": {"self"},
    }
    for policy, lid in lists.items():
        got = set(await ids(client, f"/api/v1/timelines/list/{lid}", owner))
        shown = {name for name, s in replies.items() if s["id"] in got}
        assert shown == expected[policy], policy
        assert own["id"] in got and by_carol["id"] in got


async def test_exclusive_list_keeps_members_out_of_home(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice, bob, carol = [await make_user(n) for n in ("alice", "bob", "carol")]
    await follow(client, alice, bob)
    await follow(client, alice, carol)
    lid = await make_list(client, alice, exclusive=True)
    await add(client, alice, lid, bob)
    by_bob = await post(client, bob, "bob in the exclusive list")
    by_carol = await post(client, carol, "carol at home")
    home = await ids(client, "/api/v1/timelines/home", alice)
    assert by_carol["id"] in home and by_bob["id"] not in home
    assert await ids(client, f"/api/v1/timelines/list/{lid}", alice) == [by_bob["id"]]
    r = await client.put(f"/api/v1/lists/{lid}", json={"exclusive": False}, headers=alice.headers)
    assert r.status_code == 200
    later = await post(client, bob, "bob again")
    home = await ids(client, "/api/v1/timelines/home", alice)
    assert later["id"] in home


async def test_posting_to_a_list(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    author, inner, outer, nofollow, mentioned = [
        await make_user(n) for n in ("author", "inner", "outer", "nofollow", "mentioned")
    ]
    await follow(client, inner, author)
    await follow(client, outer, author)
    for u in (inner, nofollow):
        await follow(client, author, u)
    lid = await make_list(client, author, "圈子")
    await add(client, author, lid, inner, nofollow)

    before = await row_counts(container.db)
    for extra, status in [
        ({"visibility": "public"}, 422),
        ({"visibility": "unlisted"}, 422),
        ({"visibility": "direct"}, 422),
        ({}, 422),  # the default visibility is public
        ({"visibility": "private", "list_id": "x"}, 422),
    ]:
        body = {"status": "circle", "list_id": lid, **extra}
        r = await client.post("/api/v1/statuses", json=body, headers=author.headers)
        assert r.status_code == status, (extra, r.text)
    assert await row_counts(container.db) == before

    circle = await post(
        client, author, "for the circle @mentioned", visibility="private", list_id=lid
    )
    assert circle["list_id"] == lid and circle["visibility"] == "private"
    r = await client.get(f"/api/v1/statuses/{circle['id']}", headers=inner.headers)
    assert r.status_code == 200 and r.json()["list_id"] is None
    for outsider in (outer, nofollow, mentioned):
        r = await client.get(f"/api/v1/statuses/{circle['id']}", headers=outsider.headers)
        assert r.status_code == 404
    assert circle["id"] in await ids(client, "/api/v1/timelines/home", inner)
    assert circle["id"] not in await ids(client, "/api/v1/timelines/home", outer)
    r = await client.get("/api/v1/notifications", headers=mentioned.headers)
    assert r.json() == []
    # Never reposted or quoted, even by those who see it.
    r = await client.post(f"/api/v1/statuses/{circle['id']}/reblog", headers=inner.headers)
    assert r.status_code == 422
    r = await client.post(
        "/api/v1/statuses",
        json={"status": "look", "quoted_status_id": circle["id"]},
        headers=inner.headers,
    )
    assert r.status_code == 422
    # A circle post leaves no trace on the profile count.
    r = await client.get(f"/api/v1/accounts/{author.id}")
    assert r.json()["statuses_count"] == 0
    # Out of the list, out of the audience; deleting the list leaves only the author.
    r = await client.request(
        "DELETE",
        f"/api/v1/lists/{lid}/accounts",
        json={"account_ids": [str(inner.id)]},
        headers=author.headers,
    )
    assert r.status_code == 200
    r = await client.get(f"/api/v1/statuses/{circle['id']}", headers=inner.headers)
    assert r.status_code == 404
    assert circle["id"] not in await ids(client, "/api/v1/timelines/home", inner)
    await client.delete(f"/api/v1/lists/{lid}", headers=author.headers)
    r = await client.get(f"/api/v1/statuses/{circle['id']}", headers=author.headers)
    assert r.status_code == 200 and r.json()["list_id"] == lid
