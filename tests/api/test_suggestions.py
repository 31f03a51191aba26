"""Follow suggestions: friends of friends ranked by how many of your followings follow them,
popular verified accounts, everyone who must never be suggested, and dismissing one."""

from typing import Any

import httpx
import pytest

from myna.container import Container
from tests.conftest import MakeUser, User


async def follow(client: httpx.AsyncClient, who: User, target: User) -> None:
    r = await client.post(f"/api/v1/accounts/{target.id}/follow", headers=who.headers)
    assert r.status_code == 200


async def suggested(client: httpx.AsyncClient, viewer: User, **query: Any) -> list[dict[str, Any]]:
    r = await client.get("/api/v2/suggestions", params=query, headers=viewer.headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def names(found: list[dict[str, Any]]) -> list[str]:
    return [s["account"]["username"] for s in found]


async def test_friends_of_friends_ranked_by_how_many_followings_follow_them(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    me = await make_user("me")
    a, b, c = await make_user("a"), await make_user("b"), await make_user("c")
    x, y, z = await make_user("x"), await make_user("y"), await make_user("z")
    for friend in (a, b, c):
        await follow(client, me, friend)
    for friend, targets in ((a, (x, y, z, me)), (b, (x, y)), (c, (x,))):
        for target in targets:
            await follow(client, friend, target)
    # Some popularity that must not outrank shared followings: z has more followers than x.
    for fan in [await make_user(f"fan{i}") for i in range(4)]:
        await follow(client, fan, z)

    found = await suggested(client, me)
    # Never me, never the accounts I already follow.
    assert names(found) == ["x", "y", "z"]
    assert all(s["sources"] == ["friends_of_friends"] for s in found)
    assert all(s["source"] == "past_interactions" for s in found)
    assert found[0]["account"]["id"] == str(x.id)
    assert names(await suggested(client, me, limit=2)) == ["x", "y"]

    # The older form lists the same accounts as Account entities.
    r = await client.get("/api/v1/suggestions", headers=me.headers)
    assert r.status_code == 200
    assert [account["username"] for account in r.json()] == ["x", "y", "z"]


async def test_popular_verified_accounts_are_featured(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    me, friend = await make_user("me"), await make_user("friend")
    big, small, plain = await make_user("big"), await make_user("small"), await make_user("plain")
    for account in ("big", "small"):
        await container.account_actions.do_set_verified(account)
    fans = [await make_user(f"fan{i}") for i in range(3)]
    for fan in fans:
        await follow(client, fan, big)
        await follow(client, fan, plain)  # popular but not verified: not featured
    await follow(client, fans[0], small)

    found = await suggested(client, me)
    assert names(found) == ["big", "small"]
    assert [s["sources"] for s in found] == [["featured"], ["featured"]]
    assert [s["source"] for s in found] == ["staff", "staff"]
    assert found[0]["account"]["verified"] is True

    # A verified friend of a friend has both reasons, and comes first.
    await follow(client, me, friend)
    await follow(client, friend, small)
    found = await suggested(client, me)
    assert names(found) == ["small", "big"]
    assert found[0]["sources"] == ["friends_of_friends", "featured"]


async def _exclude_follow(client: httpx.AsyncClient, me: User, target: User) -> None:
    await follow(client, me, target)


async def _exclude_block(client: httpx.AsyncClient, me: User, target: User) -> None:
    r = await client.post(f"/api/v1/accounts/{target.id}/block", headers=me.headers)
    assert r.status_code == 200


async def _exclude_blocked_by(client: httpx.AsyncClient, me: User, target: User) -> None:
    r = await client.post(f"/api/v1/accounts/{me.id}/block", headers=target.headers)
    assert r.status_code == 200


async def _exclude_mute(client: httpx.AsyncClient, me: User, target: User) -> None:
    r = await client.post(f"/api/v1/accounts/{target.id}/mute", headers=me.headers)
    assert r.status_code == 200


async def _exclude_dismiss(client: httpx.AsyncClient, me: User, target: User) -> None:
    r = await client.delete(f"/api/v1/suggestions/{target.id}", headers=me.headers)
    assert r.status_code == 200 and r.json() == {}


async def _exclude_undiscoverable(client: httpx.AsyncClient, me: User, target: User) -> None:
    r = await client.patch(
        "/api/v1/accounts/update_credentials", json={"discoverable": False}, headers=target.headers
    )
    assert r.status_code == 200


@pytest.mark.parametrize(
    "exclude",
    [
        _exclude_follow,
        _exclude_block,
        _exclude_blocked_by,
        _exclude_mute,
        _exclude_dismiss,
        _exclude_undiscoverable,
    ],
)
async def test_never_suggested(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container, exclude: Any
) -> None:
    """The target is suggested by both sources until the exclusion, by neither after it."""
    me, friend, target = await make_user("me"), await make_user("friend"), await make_user("target")
    await container.account_actions.do_set_verified("target")
    await follow(client, me, friend)
    await follow(client, friend, target)
    found = await suggested(client, me)
    assert names(found) == ["target"]
    assert found[0]["sources"] == ["friends_of_friends", "featured"]

    await exclude(client, me, target)
    assert "target" not in names(await suggested(client, me))
    r = await client.get("/api/v1/suggestions", headers=me.headers)
    assert "target" not in [account["username"] for account in r.json()]


async def test_requested_and_self_never_suggested(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    me, friend = await make_user("me"), await make_user("friend")
    shy = await make_user("shy", locked=True)
    for name in ("me", "shy"):
        await container.account_actions.do_set_verified(name)
    await follow(client, me, friend)
    await follow(client, friend, shy)
    await follow(client, friend, me)
    assert names(await suggested(client, me)) == ["shy"]
    r = await client.post(f"/api/v1/accounts/{shy.id}/follow", headers=me.headers)
    assert r.json()["requested"] is True
    # Verified, followed by a friend, yet neither me nor the account I asked to follow.
    assert names(await suggested(client, me)) == []


async def test_dismissal_persists_and_is_per_viewer(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    me, other, star = await make_user("me"), await make_user("other"), await make_user("star")
    await container.account_actions.do_set_verified("star")
    r = await client.delete(f"/api/v1/suggestions/{star.id}", headers=me.headers)
    assert r.status_code == 200
    r = await client.delete(f"/api/v1/suggestions/{star.id}", headers=me.headers)
    assert r.status_code == 200  # dismissing twice changes nothing
    assert names(await suggested(client, me)) == []
    assert names(await suggested(client, other)) == ["star"]
    # Stored, not remembered by the process: a fresh read from the database agrees.
    assert [s.account.id for s in await container.suggestion_reads.suggestions(me.id, 40)] == []
    # Following and unfollowing later does not bring a dismissed account back.
    await follow(client, me, star)
    await client.post(f"/api/v1/accounts/{star.id}/unfollow", headers=me.headers)
    assert names(await suggested(client, me)) == []


async def test_dismissing_an_unknown_account_is_a_json_404(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    me = await make_user("me")
    r = await client.delete("/api/v1/suggestions/12345", headers=me.headers)
    assert r.status_code == 404
    assert "error" in r.json()
    r = await client.delete("/api/v1/suggestions/not-an-id", headers=me.headers)
    assert r.status_code == 404 and "error" in r.json()


async def test_anonymous_callers_and_scopes(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    star = await make_user("star")
    await container.account_actions.do_set_verified("star")
    for method, path in (
        ("GET", "/api/v2/suggestions"),
        ("GET", "/api/v1/suggestions"),
        ("DELETE", f"/api/v1/suggestions/{star.id}"),
    ):
        r = await client.request(method, path)
        assert r.status_code == 401 and "error" in r.json()
    reader = await make_user("reader", scopes="read:accounts")
    assert names(await suggested(client, reader)) == ["star"]
    r = await client.delete(f"/api/v1/suggestions/{star.id}", headers=reader.headers)
    assert r.status_code == 403
    assert names(await suggested(client, reader)) == ["star"]


async def test_limit_is_checked(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    me = await make_user("me")
    for bad in ("0", "81", "many"):
        r = await client.get(f"/api/v2/suggestions?limit={bad}", headers=me.headers)
        assert r.status_code == 422 and "error" in r.json()
