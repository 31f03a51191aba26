"""Moderation through the API: reports, the admin API's account actions and their effects,
report handling, roles and badges, and the audit log that records each step."""

import httpx
import pytest

from myna.container import Container
from tests.conftest import MakeUser, User

pytestmark = pytest.mark.asyncio


async def post(client: httpx.AsyncClient, user: User, text: str, **extra: object) -> str:
    r = await client.post("/api/v1/statuses", headers=user.headers, json={"status": text, **extra})
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


async def follow(client: httpx.AsyncClient, user: User, target: User) -> None:
    r = await client.post(f"/api/v1/accounts/{target.id}/follow", headers=user.headers)
    assert r.status_code == 200, r.text


async def ids(client: httpx.AsyncClient, path: str, user: User | None = None) -> list[str]:
    r = await client.get(path, headers=user.headers if user else {})
    assert r.status_code == 200, r.text
    return [s["id"] for s in r.json()]


async def act(
    client: httpx.AsyncClient, moderator: User, target: User, kind: str, **extra: object
) -> httpx.Response:
    return await client.post(
        f"/api/v1/admin/accounts/{target.id}/action",
        headers=moderator.headers,
        json={"type": kind, **extra},
    )


async def audit(client: httpx.AsyncClient, moderator: User) -> list[tuple[str, str, str]]:
    r = await client.get("/api/v1/myna/admin/audit_log", headers=moderator.headers)
    assert r.status_code == 200, r.text
    return [(e["actor_username"], e["action"], e["target_label"]) for e in reversed(r.json())]


async def test_a_report_reaches_the_moderators(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    mod = await make_user("mod", role="moderator")
    alice = await make_user("alice")
    spammer = await make_user("spammer")
    bystander = await make_user("bystander")
    spam = await post(client, spammer, "buy now http://spam.example")
    r = await client.post(
        "/api/v1/reports",
        headers=alice.headers,
        json={
            "account_id": str(spammer.id),
            "status_ids": [spam],
            "category": "spam",
            "comment": "links everywhere",
        },
    )
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["category"] == "spam" and report["status_ids"] == [spam]
    assert report["target_account"]["id"] == str(spammer.id)
    assert report["action_taken"] is False

    # The moderator is notified, with the report; nobody else is.
    r = await client.get("/api/v1/notifications", headers=mod.headers)
    [note] = r.json()
    assert note["type"] == "admin.report" and note["account"]["id"] == str(alice.id)
    assert note["report"]["id"] == report["id"]
    for other in (spammer, bystander):
        r = await client.get("/api/v1/notifications", headers=other.headers)
        assert r.json() == []

    r = await client.get("/api/v1/admin/reports", headers=mod.headers)
    [seen] = r.json()
    assert seen["id"] == report["id"] and seen["comment"] == "links everywhere"
    assert seen["account"]["email"] == "alice@example.test"
    assert seen["target_account"]["username"] == "spammer"
    assert [s["id"] for s in seen["statuses"]] == [spam]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 422),
        ({"account_id": "nope"}, 422),
        ({"account_id": "SELF"}, 422),
        ({"account_id": "TARGET", "category": "boring"}, 422),
        ({"account_id": "TARGET", "comment": "x" * 1001}, 422),
        ({"account_id": "TARGET", "status_ids": ["OTHER"]}, 404),
        ({"account_id": "TARGET", "status_ids": ["PRIVATE"]}, 404),
        ({"account_id": "123456789"}, 404),
    ],
)
async def test_bad_reports_are_refused_and_write_nothing(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    container: Container,
    body: dict[str, object],
    status: int,
) -> None:
    from tests.conftest import row_counts

    alice = await make_user("alice")
    target = await make_user("target")
    other = await make_user("other")
    mine = await post(client, other, "not the target's")
    private = await post(client, target, "followers only", visibility="private")
    names = {
        "SELF": str(alice.id),
        "TARGET": str(target.id),
        "OTHER": mine,
        "PRIVATE": private,
    }

    def fill(value: object) -> object:
        if isinstance(value, list):
            return [fill(v) for v in value]
        return names.get(value, value) if isinstance(value, str) else value

    before = await row_counts(container.db)
    r = await client.post(
        "/api/v1/reports",
        headers=alice.headers,
        json={k: fill(v) for k, v in body.items()},
    )
    assert r.status_code == status, r.text
    assert "error" in r.json()
    assert await row_counts(container.db) == before


async def admin_routes(client: httpx.AsyncClient) -> list[tuple[str, str]]:
    """Every operation of the admin API, as the app documents it (not a list kept by hand;
    tests/api/test_openapi.py holds the document to the routes)."""
    paths = (await client.get("/openapi.json")).json()["paths"]
    return sorted(
        (method.upper(), path) for path, ops in paths.items() if "/admin/" in path for method in ops
    )


async def test_every_admin_endpoint_refuses_non_moderators(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    # A plain user whose token carries the admin scopes all the same: the role decides.
    user = await make_user("plain", scopes="read write admin:read admin:write")
    target = await make_user("target")
    routes = await admin_routes(client)
    assert len(routes) >= 20, routes
    for method, path in routes:
        url = path.replace("{account_id}", str(target.id)).replace("{report_id}", "1")
        url = url.replace("{tag_id}", "1").replace("{link_id}", "1").replace("{status_id}", "1")
        r = await client.request(method, url, headers=user.headers, json={"type": "none"})
        assert r.status_code == 403, (method, path, r.status_code, r.text)
        assert r.json()["error"], (method, path)
    # A moderator's token without the admin scopes: 403 as well.
    mod = await make_user("mod", role="moderator", scopes="read write")
    r = await client.get("/api/v1/admin/accounts", headers=mod.headers)
    assert r.status_code == 403 and "scope" in r.json()["error"]


async def test_a_limited_author_leaves_public_places_but_not_their_followers(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    mod = await make_user("mod", role="moderator")
    author = await make_user("author")
    fan = await make_user("fan")
    stranger = await make_user("stranger")
    await follow(client, fan, author)
    loud = await post(client, author, "#限流 loud words")
    reply = await post(client, author, "private words", visibility="private")

    assert (await act(client, mod, author, "silence")).status_code == 200

    # Gone from the public and tag timelines and search, for strangers and anonymous.
    for viewer in (stranger, None):
        assert loud not in await ids(client, "/api/v1/timelines/public", viewer)
        assert loud not in await ids(client, "/api/v1/timelines/tag/限流", viewer)
    r = await client.get("/api/v2/search", params={"q": "loud"}, headers=stranger.headers)
    assert r.json()["statuses"] == []
    r = await client.get("/api/v2/search", params={"q": "author"}, headers=stranger.headers)
    assert r.json()["accounts"] == []
    # Still there for a follower: home, the public timeline, search; and on a direct look.
    assert {loud, reply} <= set(await ids(client, "/api/v1/timelines/home", fan))
    assert loud in await ids(client, "/api/v1/timelines/public", fan)
    r = await client.get("/api/v2/search", params={"q": "loud"}, headers=fan.headers)
    assert [s["id"] for s in r.json()["statuses"]] == [loud]
    r = await client.get(f"/api/v1/statuses/{loud}", headers=stranger.headers)
    assert r.status_code == 200
    r = await client.get(f"/api/v1/accounts/{author.id}", headers=stranger.headers)
    assert r.json()["limited"] is True

    # Lifted: back in public places.
    r = await client.post(f"/api/v1/admin/accounts/{author.id}/unsilence", headers=mod.headers)
    assert r.status_code == 200 and r.json()["silenced"] is False
    assert loud in await ids(client, "/api/v1/timelines/public", stranger)
    assert [e[1] for e in await audit(client, mod)] == ["silence", "unsilence"]


async def test_a_suspension_hides_everything_and_refuses_the_token(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    mod = await make_user("mod", role="moderator")
    author = await make_user("author")
    fan = await make_user("fan")
    await follow(client, fan, author)
    words = await post(client, author, "soon suspended")
    r = await client.post(f"/api/v1/statuses/{words}/favourite", headers=fan.headers)
    assert r.status_code == 200
    fans_post = await post(client, fan, "liked by the author")
    r = await client.post(f"/api/v1/statuses/{fans_post}/favourite", headers=author.headers)
    assert r.status_code == 200
    r = await client.get("/api/v1/notifications", headers=fan.headers)
    assert [n["type"] for n in r.json()] == ["favourite"]

    assert (await act(client, mod, author, "suspend", text="ban evasion")).status_code == 200

    r = await client.get("/api/v1/accounts/verify_credentials", headers=author.headers)
    assert r.status_code == 401 and r.json()["error"]
    for viewer in (fan, None):
        headers = viewer.headers if viewer else {}
        r = await client.get(f"/api/v1/statuses/{words}", headers=headers)
        assert r.status_code == 404
        assert words not in await ids(client, "/api/v1/timelines/public", viewer)
        assert await ids(client, f"/api/v1/accounts/{author.id}/statuses", viewer) == []
    assert words not in await ids(client, "/api/v1/timelines/home", fan)
    r = await client.get(f"/api/v1/accounts/{author.id}", headers=fan.headers)
    shown = r.json()
    assert shown["suspended"] is True and shown["statuses_count"] == 0
    # Nobody follows it meanwhile.
    newcomer = await make_user("newcomer")
    r = await client.post(f"/api/v1/accounts/{author.id}/follow", headers=newcomer.headers)
    assert r.status_code == 404
    # What it did to others leaves their notifications too.
    r = await client.get("/api/v1/notifications", headers=fan.headers)
    assert r.json() == []
    r = await client.post(f"/api/v1/statuses/{words}/unfavourite", headers=fan.headers)
    assert r.status_code == 404

    r = await client.get("/api/v1/admin/accounts", headers=mod.headers, params={"suspended": "1"})
    assert [a["username"] for a in r.json()] == ["author"]

    r = await client.post(f"/api/v1/admin/accounts/{author.id}/unsuspend", headers=mod.headers)
    assert r.status_code == 200 and r.json()["suspended"] is False
    r = await client.get(f"/api/v1/statuses/{words}", headers=fan.headers)
    assert r.status_code == 200 and r.json()["favourites_count"] == 1
    r = await client.get("/api/v1/notifications", headers=fan.headers)
    assert [n["type"] for n in r.json()] == ["favourite"]
    r = await client.get("/api/v1/accounts/verify_credentials", headers=author.headers)
    assert r.status_code == 200
    log = await audit(client, mod)
    assert log == [("mod", "suspend", "@author"), ("mod", "unsuspend", "@author")]


async def test_disable_and_sensitive(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    mod = await make_user("mod", role="moderator")
    author = await make_user("author")
    reader = await make_user("reader")
    words = await post(client, author, "still readable")
    assert (await act(client, mod, author, "disable")).status_code == 200
    r = await client.get("/api/v1/accounts/verify_credentials", headers=author.headers)
    assert r.status_code == 401
    r = await client.get(f"/api/v1/statuses/{words}", headers=reader.headers)
    assert r.status_code == 200 and r.json()["sensitive"] is False
    assert (await act(client, mod, author, "sensitive")).status_code == 200
    r = await client.get(f"/api/v1/statuses/{words}", headers=reader.headers)
    assert r.json()["sensitive"] is True
    for undo in ("enable", "unsensitive"):
        r = await client.post(f"/api/v1/admin/accounts/{author.id}/{undo}", headers=mod.headers)
        assert r.status_code == 200, r.text
    assert r.json()["disabled"] is False and r.json()["sensitized"] is False
    r = await client.get("/api/v1/accounts/verify_credentials", headers=author.headers)
    assert r.status_code == 200
    r = await client.get(f"/api/v1/statuses/{words}", headers=reader.headers)
    assert r.json()["sensitive"] is False


async def test_report_handling_is_logged(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    mod = await make_user("mod", role="moderator")
    alice = await make_user("alice")
    troll = await make_user("troll")
    r = await client.post(
        "/api/v1/reports", headers=alice.headers, json={"account_id": str(troll.id)}
    )
    report_id = r.json()["id"]
    base = f"/api/v1/admin/reports/{report_id}"
    r = await client.post(f"{base}/assign_to_self", headers=mod.headers)
    assert r.json()["assigned_account"]["username"] == "mod"
    r = await client.put(base, headers=mod.headers, json={"category": "violation"})
    assert r.json()["category"] == "violation"
    r = await client.post(f"{base}/resolve", headers=mod.headers)
    assert r.json()["action_taken"] is True
    assert r.json()["action_taken_by_account"]["username"] == "mod"
    r = await client.get("/api/v1/admin/reports", headers=mod.headers)
    assert r.json() == []  # only open ones by default
    r = await client.post(f"{base}/reopen", headers=mod.headers)
    assert r.json()["action_taken"] is False
    r = await client.post(f"{base}/unassign", headers=mod.headers)
    assert r.json()["assigned_account"] is None
    # An action with the report resolves it.
    r = await act(client, mod, troll, "none", report_id=report_id, text="be nice")
    assert r.status_code == 200
    r = await client.get(base, headers=mod.headers)
    assert r.json()["action_taken"] is True
    assert [e[1] for e in await audit(client, mod)] == [
        "report_assign",
        "report_resolve",
        "report_reopen",
        "report_unassign",
        "warn",
    ]
    r = await client.get("/api/v1/admin/reports/999", headers=mod.headers)
    assert r.status_code == 404


async def test_roles_and_who_may_act_on_whom(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    admin = await make_user("boss", role="admin")
    mod = await make_user("mod", role="moderator")
    other_mod = await make_user("mod2", role="moderator")
    user = await make_user("user")
    # Moderators act on users, not on moderators or admins, nor on themselves.
    assert (await act(client, mod, other_mod, "silence")).status_code == 403
    assert (await act(client, mod, admin, "silence")).status_code == 403
    assert (await act(client, mod, mod, "silence")).status_code == 422
    assert (await act(client, mod, user, "explode")).status_code == 422
    # Only admins change roles.
    r = await client.put(
        f"/api/v1/myna/admin/accounts/{user.id}/role", headers=mod.headers, json={"role": "admin"}
    )
    assert r.status_code == 403
    r = await client.put(
        f"/api/v1/myna/admin/accounts/{user.id}/role",
        headers=admin.headers,
        json={"role": "moderator"},
    )
    assert r.status_code == 200 and r.json()["role"]["name"] == "Moderator"
    r = await client.get("/api/v2/admin/accounts?permissions=staff", headers=admin.headers)
    assert sorted(a["username"] for a in r.json()) == ["boss", "mod", "mod2", "user"]
    assert (await act(client, admin, other_mod, "silence")).status_code == 200


async def test_verified_badge_with_a_reason(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    mod = await make_user("mod", role="moderator")
    star = await make_user("star")
    url = f"/api/v1/myna/admin/accounts/{star.id}/verify"
    r = await client.post(url, headers=mod.headers, json={"reason": "  "})
    assert r.status_code == 422
    r = await client.post(url, headers=mod.headers, json={"reason": "知名歌手"})
    assert r.status_code == 200 and r.json()["verified"] is True
    r = await client.get(f"/api/v1/accounts/{star.id}")
    assert r.json()["verified"] is True and r.json()["verified_reason"] == "知名歌手"
    r = await client.delete(url, headers=mod.headers)
    assert r.status_code == 200
    r = await client.get(f"/api/v1/accounts/{star.id}")
    assert r.json()["verified"] is False and r.json()["verified_reason"] is None
    assert [e[1:] for e in await audit(client, mod)] == [
        ("verify", "@star"),
        ("unverify", "@star"),
    ]


async def test_group_post_reports_reach_the_group_managers(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    owner = await make_user("owner")
    member = await make_user("member")
    troll = await make_user("troll")
    outsider = await make_user("outsider")
    r = await client.post(
        "/api/v1/groups",
        headers=owner.headers,
        json={"handle": "club", "name": "Club", "privacy": "secret"},
    )
    assert r.status_code == 200, r.text
    group_id = r.json()["id"]
    for person in (member, troll):
        r = await client.post(
            f"/api/v1/groups/{group_id}/invites",
            headers=owner.headers,
            json={"account_id": str(person.id)},
        )
        assert r.status_code == 200, r.text
        r = await client.post(f"/api/v1/groups/{group_id}/join", headers=person.headers)
        assert r.status_code == 200, r.text
    bad = await post(client, troll, "rude words", group_id=group_id, visibility="group")
    r = await client.post(
        "/api/v1/reports",
        headers=member.headers,
        json={"account_id": str(troll.id), "status_ids": [bad]},
    )
    assert r.status_code == 200, r.text
    r = await client.get("/api/v1/notifications", headers=owner.headers)
    assert [n["type"] for n in r.json()] == ["admin.report"]
    r = await client.get(f"/api/v1/groups/{group_id}/reports", headers=owner.headers)
    [seen] = r.json()
    assert [s["id"] for s in seen["statuses"]] == [bad]
    assert "email" not in seen["account"]  # plain accounts for a group's managers
    r = await client.get(f"/api/v1/groups/{group_id}/reports", headers=member.headers)
    assert r.status_code == 403
    r = await client.get(f"/api/v1/groups/{group_id}/reports", headers=outsider.headers)
    assert r.status_code == 404
    # The outsider could not report the group post either: they cannot see it.
    r = await client.post(
        "/api/v1/reports",
        headers=outsider.headers,
        json={"account_id": str(troll.id), "status_ids": [bad]},
    )
    assert r.status_code == 404


async def test_dashboard_measures(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from myna.lib.clock import utcnow
    from myna.models import Account

    mod = await make_user("mod", role="moderator")
    alice = await make_user("alice")
    bob = await make_user("bob")
    today = utcnow().date()
    yesterday = today - timedelta(days=1)
    # Bob signed up yesterday; everyone else today.
    async with container.db.transaction() as session:
        await session.execute(
            update(Account)
            .where(Account.id == bob.id)
            .values(created_at=utcnow() - timedelta(days=1))
        )
    first = await post(client, alice, "one")
    await post(client, alice, "two")
    r = await client.post(f"/api/v1/statuses/{first}/favourite", headers=bob.headers)
    assert r.status_code == 200
    await client.post("/api/v1/reports", headers=bob.headers, json={"account_id": str(alice.id)})
    body = {
        "keys": ["new_users", "active_users", "statuses", "interactions", "opened_reports"],
        "start_at": yesterday.isoformat(),
        "end_at": today.isoformat(),
    }
    r = await client.post("/api/v1/admin/measures", headers=mod.headers, json=body)
    assert r.status_code == 200, r.text
    got = {m["key"]: m for m in r.json()}
    days = [d["date"][:10] for d in got["new_users"]["data"]]
    assert days == [yesterday.isoformat(), today.isoformat()]
    assert [d["value"] for d in got["new_users"]["data"]] == ["1", "2"]  # bob; mod and alice
    assert got["new_users"]["total"] == "3"
    assert got["active_users"]["total"] == "2"  # alice posted, bob liked
    assert got["statuses"]["data"][1]["value"] == "2"
    assert got["interactions"]["total"] == "1"
    assert got["opened_reports"]["total"] == "1"
    r = await client.post("/api/v1/admin/measures", headers=alice.headers, json=body)
    assert r.status_code == 403
    r = await client.post(
        "/api/v1/admin/measures", headers=mod.headers, json={**body, "keys": ["gold"]}
    )
    assert r.status_code == 422
    r = await client.post(
        "/api/v1/admin/measures",
        headers=mod.headers,
        json={**body, "start_at": today.isoformat(), "end_at": yesterday.isoformat()},
    )
    assert r.status_code == 422


async def test_the_person_acted_on_is_told_what_and_why(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    mod = await make_user("mod", role="moderator")
    troll = await make_user("troll")
    assert (
        await act(client, mod, troll, "none", text="Please stop the name-calling")
    ).status_code == 200
    assert (await act(client, mod, troll, "silence")).status_code == 200
    r = await client.get("/api/v1/notifications", headers=troll.headers)
    notes = r.json()
    assert [n["type"] for n in notes] == ["moderation_warning", "moderation_warning"]
    limit, warning = (n["moderation_warning"] for n in notes)
    assert warning["action"] == "none" and warning["text"] == "Please stop the name-calling"
    assert limit["action"] == "silence" and limit["target_account"]["id"] == str(troll.id)
    # Not by whom: the notification comes from the account itself.
    assert {n["account"]["id"] for n in notes} == {str(troll.id)}
    # Lifting a state tells nothing; nobody else hears of it.
    r = await client.post(f"/api/v1/admin/accounts/{troll.id}/unsilence", headers=mod.headers)
    assert r.status_code == 200
    r = await client.get("/api/v1/notifications", headers=troll.headers)
    assert len(r.json()) == 2
    r = await client.get("/api/v1/notifications", headers=mod.headers)
    assert r.json() == []
