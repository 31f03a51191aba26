"""Groups: creation, joining per privacy, requests, invitations, roles, bans, ownership,
secrecy and counts (docs/groups.md). Group posts are tested with the timelines."""

from typing import Any

import httpx
import pytest

from myna.container import Container
from tests.conftest import MakeUser, User, row_counts

G = "/api/v1/groups"


async def create(
    client: httpx.AsyncClient, owner: User, handle: str, privacy: str = "public", **extra: str
) -> dict[str, Any]:
    body = {"handle": handle, "name": extra.pop("name", handle), "privacy": privacy, **extra}
    r = await client.post(G, json=body, headers=owner.headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def get(client: httpx.AsyncClient, group: dict[str, Any], user: User | None = None) -> Any:
    return await client.get(f"{G}/{group['id']}", headers=user.headers if user else {})


async def join(client: httpx.AsyncClient, group: dict[str, Any], user: User) -> httpx.Response:
    return await client.post(f"{G}/{group['id']}/join", headers=user.headers)


async def count(client: httpx.AsyncClient, group: dict[str, Any], owner: User) -> int:
    return (await get(client, group, owner)).json()["members_count"]  # type: ignore[no-any-return]


async def test_create_returns_the_group_with_its_owner(client, make_user: MakeUser) -> None:
    alice = await make_user("alice")
    group = await create(client, alice, "Birders", name="观鸟小组", description="每周末去湿地")
    assert group["handle"] == "Birders" and group["name"] == "观鸟小组"
    assert group["description"] == "每周末去湿地" and group["privacy"] == "public"
    assert group["members_count"] == 1 and group["statuses_count"] == 0
    assert group["owner"]["username"] == "alice"
    assert group["role"] == "owner" and group["in_home"] is True
    assert group["requested"] is False and group["invited"] is False
    assert group["url"].endswith("/groups/Birders")
    # Anonymous readers see a public group, with no role.
    anonymous = (await get(client, group)).json()
    assert anonymous["role"] is None and anonymous["in_home"] is None
    mine = await client.get(G, headers=alice.headers)
    assert [g["id"] for g in mine.json()] == [group["id"]]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"handle": "", "name": "x"}, "handle"),
        ({"handle": "has space", "name": "x"}, "handle"),
        ({"handle": "中文", "name": "x"}, "handle"),
        ({"handle": "a" * 31, "name": "x"}, "handle"),
        ({"handle": "ok", "name": "  "}, "name"),
        ({"handle": "ok", "name": "名" * 101}, "name"),
        ({"handle": "ok", "name": "x", "description": "字" * 2001}, "description"),
        ({"handle": "ok", "name": "x", "privacy": "hidden"}, "privacy"),
        ({"handle": "OK_Taken", "name": "x"}, "taken"),
        ({"handle": ["list"], "name": "x"}, "handle"),
    ],
)
async def test_bad_creation_is_422_and_writes_nothing(
    client, container: Container, make_user: MakeUser, body: dict[str, Any], problem: str
) -> None:
    alice = await make_user("alice")
    await create(client, alice, "ok_taken")
    before = await row_counts(container.db)
    r = await client.post(G, json=body, headers=alice.headers)
    assert r.status_code == 422, r.text
    assert problem in r.json()["error"]
    assert await row_counts(container.db) == before


async def test_limits_are_characters_in_any_script(client, make_user: MakeUser) -> None:
    alice = await make_user("alice")
    group = await create(client, alice, "a" * 30, name="名" * 100, description="字" * 2000)
    assert len(group["name"]) == 100 and len(group["description"]) == 2000


async def test_writes_need_a_token_with_the_scope(client, make_user: MakeUser) -> None:
    reader = await make_user("reader", scopes="read")
    r = await client.post(G, json={"handle": "x", "name": "x"}, headers=reader.headers)
    assert r.status_code == 403
    assert (await client.post(G, json={"handle": "x", "name": "x"})).status_code == 401


@pytest.mark.parametrize(
    ("privacy", "role", "requested", "members"),
    [("public", "member", False, 2), ("restricted", None, True, 1)],
)
async def test_join_by_privacy(
    client, make_user: MakeUser, privacy: str, role: str | None, requested: bool, members: int
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    group = await create(client, alice, "g", privacy)
    r = await join(client, group, bob)
    assert r.status_code == 200
    assert r.json()["role"] == role and r.json()["requested"] is requested
    assert r.json()["members_count"] == members
    # Joining again changes nothing.
    assert (await join(client, group, bob)).json()["members_count"] == members


async def test_secret_group_is_missing_to_strangers_everywhere(client, make_user: MakeUser) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    group = await create(client, alice, "hush", "secret", name="秘密花园")
    missing = await client.get(f"{G}/999999", headers=bob.headers)
    assert missing.status_code == 404
    for user in (bob, None):
        headers = user.headers if user else {}
        for path in ("", "/members"):
            r = await client.get(f"{G}/{group['id']}{path}", headers=headers)
            assert r.status_code == 404 and r.json() == missing.json()
        for q in ("hush", "秘密"):
            r = await client.get(f"{G}/search", params={"q": q}, headers=headers)
            assert r.status_code == 200 and r.json() == []
    for method, path in [
        ("POST", "/join"),
        ("POST", "/leave"),
        ("GET", "/requests"),
        ("PATCH", ""),
        ("DELETE", ""),
        ("POST", f"/members/{alice.id}/ban"),
    ]:
        r = await client.request(method, f"{G}/{group['id']}{path}", headers=bob.headers)
        assert r.status_code == 404 and r.json() == missing.json(), (method, path)
    # Its owner finds it.
    r = await client.get(f"{G}/search", params={"q": "秘密"}, headers=alice.headers)
    assert [g["id"] for g in r.json()] == [group["id"]]


async def test_secret_group_by_invitation(client, make_user: MakeUser) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    group = await create(client, alice, "hush", "secret")
    r = await client.post(
        f"{G}/{group['id']}/invites", json={"account_id": str(bob.id)}, headers=alice.headers
    )
    assert r.status_code == 200
    seen = (await get(client, group, bob)).json()
    assert seen["invited"] is True and seen["role"] is None
    # Invited is not a member: the member list stays closed.
    assert (await client.get(f"{G}/{group['id']}/members", headers=bob.headers)).status_code == 404
    r = await join(client, group, bob)
    assert r.json()["role"] == "member" and r.json()["invited"] is False
    assert r.json()["members_count"] == 2
    members = (await client.get(f"{G}/{group['id']}/members", headers=bob.headers)).json()
    assert {(m["account"]["username"], m["role"]) for m in members} == {
        ("alice", "owner"),
        ("bob", "member"),
    }
    # Leaving a secret group makes it disappear again.
    assert (await client.post(f"{G}/{group['id']}/leave", headers=bob.headers)).status_code == 200
    assert (await get(client, group, bob)).status_code == 404
    assert await count(client, group, alice) == 1


async def test_an_invitation_skips_approval_and_can_be_declined(
    client, make_user: MakeUser
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    group = await create(client, alice, "club", "restricted")
    for user in (bob, carol):
        await client.post(
            f"{G}/{group['id']}/invites", json={"account_id": str(user.id)}, headers=alice.headers
        )
    assert (await join(client, group, bob)).json()["role"] == "member"
    declined = await client.post(f"{G}/{group['id']}/leave", headers=carol.headers)
    assert declined.json()["invited"] is False
    # Without the invitation carol is back to asking.
    assert (await join(client, group, carol)).json()["requested"] is True


async def test_requests_are_authorized_or_rejected_by_managers(client, make_user: MakeUser) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    carol, dave = await make_user("carol"), await make_user("dave")
    group = await create(client, alice, "club", "restricted")
    await join(client, group, bob)
    await join(client, group, carol)
    listed = await client.get(f"{G}/{group['id']}/requests", headers=alice.headers)
    assert {a["username"] for a in listed.json()} == {"bob", "carol"}
    # A requester is not a manager.
    assert (await client.get(f"{G}/{group['id']}/requests", headers=bob.headers)).status_code == 403
    r = await client.post(f"{G}/{group['id']}/requests/{bob.id}/authorize", headers=alice.headers)
    assert r.status_code == 200 and r.json()["members_count"] == 2
    assert (await get(client, group, bob)).json()["role"] == "member"
    # A plain member cannot handle requests.
    r = await client.post(f"{G}/{group['id']}/requests/{carol.id}/authorize", headers=bob.headers)
    assert r.status_code == 403
    r = await client.post(f"{G}/{group['id']}/requests/{carol.id}/reject", headers=alice.headers)
    assert r.status_code == 200
    assert (await get(client, group, carol)).json()["requested"] is False
    assert await count(client, group, alice) == 2
    # No request, nothing to authorize.
    r = await client.post(f"{G}/{group['id']}/requests/{dave.id}/authorize", headers=alice.headers)
    assert r.status_code == 404
    listed = await client.get(f"{G}/{group['id']}/requests", headers=alice.headers)
    assert listed.json() == []


async def staffed_group(client: httpx.AsyncClient, make_user: MakeUser) -> Any:
    """owner, admin, admin2, member, member2 in one public group."""
    names = {"owner": "olga", "admin": "ada", "admin2": "adam", "member": "mia", "m2": "max"}
    users = {key: await make_user(name) for key, name in names.items()}
    group = await create(client, users["owner"], "staffed")
    for name in ("admin", "admin2", "member", "m2"):
        await join(client, group, users[name])
    for name in ("admin", "admin2"):
        r = await client.post(
            f"{G}/{group['id']}/members/{users[name].id}/role",
            json={"role": "admin"},
            headers=users["owner"].headers,
        )
        assert r.status_code == 200, r.text
    return group, users


@pytest.mark.parametrize(
    ("actor", "action", "target", "status"),
    [
        ("member", "remove", "owner", 403),
        ("member", "remove", "m2", 403),
        ("member", "ban", "m2", 403),
        ("admin", "ban", "owner", 403),
        ("admin", "remove", "owner", 403),
        ("admin", "remove", "admin2", 403),
        ("admin", "ban", "admin2", 403),
        ("admin", "role", "member", 403),
        ("admin", "transfer", "member", 403),
        ("member", "transfer", "member", 403),
        ("owner", "remove", "owner", 403),
        ("owner", "role", "owner", 403),
        ("admin", "remove", "member", 200),
        ("admin", "ban", "member", 200),
        ("owner", "remove", "admin", 200),
        ("owner", "ban", "admin", 200),
        ("owner", "role", "member", 200),
        ("owner", "transfer", "member", 200),
    ],
)
async def test_role_rules(
    client,
    container: Container,
    make_user: MakeUser,
    actor: str,
    action: str,
    target: str,
    status: int,
) -> None:
    group, users = await staffed_group(client, make_user)
    me, them = users[actor], users[target]
    base = f"{G}/{group['id']}"
    before = await row_counts(container.db)
    if action == "remove":
        r = await client.delete(f"{base}/members/{them.id}", headers=me.headers)
    elif action == "ban":
        r = await client.post(f"{base}/members/{them.id}/ban", headers=me.headers)
    elif action == "role":
        r = await client.post(
            f"{base}/members/{them.id}/role", json={"role": "admin"}, headers=me.headers
        )
    else:
        r = await client.post(
            f"{base}/transfer", json={"account_id": str(them.id)}, headers=me.headers
        )
    assert r.status_code == status, r.text
    if status == 403:
        assert r.json()["error"]
        assert await row_counts(container.db) == before
        return
    seen = (await get(client, group, them)).json()
    expected_role = {"remove": None, "ban": None, "role": "admin", "transfer": "owner"}[action]
    assert seen["role"] == expected_role
    assert seen["members_count"] == (4 if action in ("remove", "ban") else 5)
    if action == "transfer":
        assert seen["owner"]["id"] == str(them.id)
        assert (await get(client, group, me)).json()["role"] == "admin"


async def test_bad_role_is_422(client, make_user: MakeUser) -> None:
    group, users = await staffed_group(client, make_user)
    for role in ("owner", "king", ""):
        r = await client.post(
            f"{G}/{group['id']}/members/{users['member'].id}/role",
            json={"role": role},
            headers=users["owner"].headers,
        )
        assert r.status_code == 422


async def test_owner_cannot_leave_until_transferring(client, make_user: MakeUser) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    group = await create(client, alice, "g")
    r = await client.post(f"{G}/{group['id']}/leave", headers=alice.headers)
    assert r.status_code == 403 and "transfer" in r.json()["error"]
    # Ownership goes to members only.
    r = await client.post(
        f"{G}/{group['id']}/transfer", json={"account_id": str(bob.id)}, headers=alice.headers
    )
    assert r.status_code == 422
    await join(client, group, bob)
    r = await client.post(
        f"{G}/{group['id']}/transfer", json={"account_id": str(bob.id)}, headers=alice.headers
    )
    assert r.json()["role"] == "admin" and r.json()["owner"]["username"] == "bob"
    r = await client.post(f"{G}/{group['id']}/leave", headers=alice.headers)
    assert r.status_code == 200 and r.json()["role"] is None
    assert r.json()["members_count"] == 1


async def test_removed_may_rejoin_but_banned_may_not(client, make_user: MakeUser) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    group = await create(client, alice, "g")
    await join(client, group, bob)
    await join(client, group, carol)
    assert await count(client, group, alice) == 3
    await client.delete(f"{G}/{group['id']}/members/{bob.id}", headers=alice.headers)
    assert (await join(client, group, bob)).json()["role"] == "member"
    r = await client.post(f"{G}/{group['id']}/members/{carol.id}/ban", headers=alice.headers)
    assert r.status_code == 200 and r.json()["members_count"] == 2
    assert (await join(client, group, carol)).status_code == 403
    r = await client.post(
        f"{G}/{group['id']}/invites", json={"account_id": str(carol.id)}, headers=alice.headers
    )
    assert r.status_code == 403
    # Banned from a restricted group: cannot even ask.
    await client.patch(f"{G}/{group['id']}", json={"privacy": "restricted"}, headers=alice.headers)
    r = await join(client, group, carol)
    assert r.status_code == 403
    assert (await get(client, group, carol)).json()["requested"] is False
    # Removing a non-member is a 404; banning one is allowed.
    r = await client.delete(f"{G}/{group['id']}/members/{carol.id}", headers=alice.headers)
    assert r.status_code == 404
    await client.delete(f"{G}/{group['id']}/members/{carol.id}/ban", headers=alice.headers)
    assert (await join(client, group, carol)).json()["requested"] is True
    assert await count(client, group, alice) == 2


async def test_ban_takes_requests_and_invitations_away(client, make_user: MakeUser) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    group = await create(client, alice, "g", "restricted")
    await join(client, group, bob)
    await client.post(
        f"{G}/{group['id']}/invites", json={"account_id": str(carol.id)}, headers=alice.headers
    )
    for user in (bob, carol):
        await client.post(f"{G}/{group['id']}/members/{user.id}/ban", headers=alice.headers)
        seen = (await get(client, group, user)).json()
        assert seen["requested"] is False and seen["invited"] is False
    assert (await client.get(f"{G}/{group['id']}/requests", headers=alice.headers)).json() == []


async def test_update_by_managers_only(client, make_user: MakeUser) -> None:
    group, users = await staffed_group(client, make_user)
    r = await client.patch(
        f"{G}/{group['id']}",
        json={"name": "新名字", "description": "介绍", "privacy": "restricted"},
        headers=users["admin"].headers,
    )
    assert r.status_code == 200
    assert (r.json()["name"], r.json()["description"], r.json()["privacy"]) == (
        "新名字",
        "介绍",
        "restricted",
    )
    r = await client.patch(
        f"{G}/{group['id']}", json={"name": "mine"}, headers=users["member"].headers
    )
    assert r.status_code == 403
    r = await client.patch(
        f"{G}/{group['id']}", json={"privacy": "open"}, headers=users["owner"].headers
    )
    assert r.status_code == 422
    assert (await get(client, group)).json()["name"] == "新名字"


async def test_delete_by_owner_only(client, container: Container, make_user: MakeUser) -> None:
    group, users = await staffed_group(client, make_user)
    for name in ("admin", "member"):
        r = await client.delete(f"{G}/{group['id']}", headers=users[name].headers)
        assert r.status_code == 403
    r = await client.delete(f"{G}/{group['id']}", headers=users["owner"].headers)
    assert r.status_code == 200
    assert (await get(client, group, users["owner"])).status_code == 404
    assert (await client.get(G, headers=users["member"].headers)).json() == []
    counts = await row_counts(container.db)
    assert counts["groups"] == counts["group_members"] == 0


async def test_search_finds_handles_and_names_in_any_script(client, make_user: MakeUser) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    birds = await create(client, alice, "Birders", name="观鸟小组")
    cats = await create(client, alice, "cats", "restricted", name="Cat Lovers 猫")
    await create(client, alice, "hidden", "secret", name="观鸟秘密")

    async def search(q: str, user: User | None = bob) -> list[str]:
        headers = user.headers if user else {}
        r = await client.get(f"{G}/search", params={"q": q}, headers=headers)
        assert r.status_code == 200
        return [g["handle"] for g in r.json()]

    assert await search("观鸟") == ["Birders"]
    assert await search("bird") == ["Birders"]
    assert await search("ders") == []  # handles match by prefix
    assert await search("lover") == ["cats"]
    assert await search("猫", None) == ["cats"]
    assert await search("") == []
    assert await search("%") == []
    assert sorted(await search("观鸟", alice)) == ["Birders", "hidden"]
    assert birds["id"] != cats["id"]


async def test_members_listing_pages_and_counts_stay_exact(client, make_user: MakeUser) -> None:
    owner = await make_user("owner")
    group = await create(client, owner, "big")
    others = [await make_user(f"user{i}") for i in range(5)]
    for user in others:
        await join(client, group, user)
    await client.post(f"{G}/{group['id']}/leave", headers=others[0].headers)
    await client.post(f"{G}/{group['id']}/leave", headers=others[0].headers)  # twice: no change
    await client.delete(f"{G}/{group['id']}/members/{others[1].id}", headers=owner.headers)
    await client.delete(f"{G}/{group['id']}/members/{others[1].id}", headers=owner.headers)
    assert await count(client, group, owner) == 4
    first = await client.get(f"{G}/{group['id']}/members", params={"limit": 3})
    assert [m["account"]["username"] for m in first.json()] == ["user4", "user3", "user2"]
    assert 'rel="next"' in first.headers["link"]
    next_url = first.headers["link"].split(";")[0].strip("<>")
    rest = await client.get(next_url)
    assert [m["account"]["username"] for m in rest.json()] == ["owner"]


async def test_home_switch_is_for_members(client, make_user: MakeUser) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    group = await create(client, alice, "g")
    r = await client.post(f"{G}/{group['id']}/home", json={"in_home": False}, headers=bob.headers)
    assert r.status_code == 403
    r = await client.post(f"{G}/{group['id']}/home", json={"in_home": False}, headers=alice.headers)
    assert r.status_code == 200 and r.json()["in_home"] is False
    r = await client.post(f"{G}/{group['id']}/home", json={}, headers=alice.headers)
    assert r.status_code == 422


async def test_routes_are_documented(client) -> None:
    schema = (await client.get("/openapi.json")).json()
    group_paths = {p: ops for p, ops in schema["paths"].items() if p.startswith(G)}
    assert len(group_paths) >= 12
    for path, ops in group_paths.items():
        for method, op in ops.items():
            assert op.get("summary"), (method, path)


async def test_deleting_a_group_deletes_its_posts(
    client, container: Container, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    group = await create(client, alice, "g")
    await join(client, group, bob)
    posted = []
    for user in (alice, bob, bob):
        r = await client.post(
            "/api/v1/statuses",
            json={"status": "组里说话", "visibility": "group", "group_id": group["id"]},
            headers=user.headers,
        )
        assert r.status_code == 200, r.text
        posted.append(r.json()["id"])
    outside = await client.post("/api/v1/statuses", json={"status": "外面"}, headers=bob.headers)
    await client.delete(f"{G}/{group['id']}", headers=alice.headers)
    for status_id in posted:
        r = await client.get(f"/api/v1/statuses/{status_id}", headers=alice.headers)
        assert r.status_code == 404
    r = await client.get(f"/api/v1/statuses/{outside.json()['id']}", headers=alice.headers)
    assert r.status_code == 200
    # Bob's count is his one remaining post, whether group posts counted in it or not.
    assert (await client.get(f"/api/v1/accounts/{bob.id}")).json()["statuses_count"] == 1
    assert (await row_counts(container.db))["statuses"] == 1


async def test_who_may_be_invited_and_by_whom(client, make_user: MakeUser) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    group = await create(client, alice, "hush", "secret")
    invites = f"{G}/{group['id']}/invites"
    await client.post(invites, json={"account_id": str(bob.id)}, headers=alice.headers)
    await join(client, group, bob)
    # A plain member does not invite.
    r = await client.post(invites, json={"account_id": str(carol.id)}, headers=bob.headers)
    assert r.status_code == 403
    # An account that blocks the inviter, or none at all, is not found; no account_id is 422.
    await client.post(f"/api/v1/accounts/{alice.id}/block", headers=carol.headers)
    r = await client.post(invites, json={"account_id": str(carol.id)}, headers=alice.headers)
    assert r.status_code == 404
    r = await client.post(invites, json={"account_id": "12345"}, headers=alice.headers)
    assert r.status_code == 404
    assert (await client.post(invites, json={}, headers=alice.headers)).status_code == 422
    assert (await get(client, group, carol)).status_code == 404
    # Inviting a member changes nothing.
    r = await client.post(invites, json={"account_id": str(bob.id)}, headers=alice.headers)
    assert r.status_code == 200
    assert (await get(client, group, bob)).json()["invited"] is False
