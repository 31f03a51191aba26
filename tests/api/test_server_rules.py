"""The server's rules set through the admin API, and what they do: sign-up modes (approval,
invites, closed), blocked e-mail domains, the link blocklist, the new-account throttle, and
keywords and domains kept out of public places."""

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from myna.config import Settings
from myna.container import Container
from myna.lib.clock import utcnow
from myna.models import Account
from tests.api.test_bad_input import bearer, create_app, token_for
from tests.api.test_trends import refresh
from tests.conftest import MakeUser, User, row_counts

pytestmark = pytest.mark.asyncio

RULES = "/api/v1/myna/admin/rules"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Sign-ups take an app token from OAuth, which wants an https public URL."""
    return settings.model_copy(update={"base_url": "https://testserver"})


async def set_rules(client: httpx.AsyncClient, admin: User, **rules: Any) -> dict[str, Any]:
    r = await client.put(RULES, headers=admin.headers, json=rules)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def sign_up(client: httpx.AsyncClient, name: str, **extra: str) -> httpx.Response:
    app = await create_app(client)
    token = await token_for(client, app, grant_type="client_credentials", scope="read write")
    body = {
        "username": name,
        "email": extra.pop("email", f"{name}@example.test"),
        "password": "a long enough password",
        "agreement": True,
        **extra,
    }
    return await client.post("/api/v1/accounts", json=body, headers=bearer(token))


async def post(client: httpx.AsyncClient, user: User, text: str) -> httpx.Response:
    return await client.post("/api/v1/statuses", headers=user.headers, json={"status": text})


async def test_rules_are_checked_and_only_admins_change_them(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    admin = await make_user("boss", role="admin")
    mod = await make_user("mod", role="moderator")
    r = await client.get(RULES, headers=mod.headers)
    assert r.json()["registrations"] == "open" and r.json()["link_blocklist"] == []
    r = await client.put(RULES, headers=mod.headers, json={"registrations": "closed"})
    assert r.status_code == 403
    before = await row_counts(container.db)
    for bad in (
        {"registrations": "sometimes"},
        {"new_account_posts_per_hour": -1},
        {"link_blocklist": ["not a domain"]},
        {"hidden_keywords": ["x" * 101]},
    ):
        r = await client.put(RULES, headers=admin.headers, json=bad)
        assert r.status_code == 422 and r.json()["error"], bad
    assert await row_counts(container.db) == before
    got = await set_rules(
        client, admin, link_blocklist=["https://Spam.Example/path", "*.bad.example"]
    )
    assert got["link_blocklist"] == ["spam.example", "bad.example"]
    assert got["registrations"] == "open"  # the others stay
    r = await client.get("/api/v1/myna/admin/audit_log", headers=admin.headers)
    assert [(e["action"], e["text"]) for e in r.json()] == [("settings", "link_blocklist")]


async def test_approval_mode(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    admin = await make_user("boss", role="admin")
    await set_rules(client, admin, registrations="approval")
    r = await client.get("/api/v2/instance")
    assert r.json()["registrations"]["approval_required"] is True
    r = await sign_up(client, "hopeful", reason="I love birds")
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    r = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert r.status_code == 401  # waiting for approval
    r = await client.get("/api/v1/notifications", headers=admin.headers)
    [note] = r.json()
    assert note["type"] == "admin.sign_up" and note["account"]["username"] == "hopeful"
    r = await client.get("/api/v2/admin/accounts?status=pending", headers=admin.headers)
    [pending] = r.json()
    r = await client.post(f"/api/v1/admin/accounts/{pending['id']}/approve", headers=admin.headers)
    assert r.status_code == 200 and r.json()["approved"] is True
    r = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert r.status_code == 200
    # Turned down: the account goes (only a waiting one can be).
    r = await client.post(f"/api/v1/admin/accounts/{pending['id']}/reject", headers=admin.headers)
    assert r.status_code == 422
    r = await sign_up(client, "unwelcome")
    r = await client.get("/api/v2/admin/accounts?status=pending", headers=admin.headers)
    [unwelcome] = r.json()
    r = await client.post(f"/api/v1/admin/accounts/{unwelcome['id']}/reject", headers=admin.headers)
    assert r.status_code == 200 and r.json()["username"] == "unwelcome"
    r = await client.get(f"/api/v1/admin/accounts/{unwelcome['id']}", headers=admin.headers)
    assert r.status_code == 404


async def test_invite_mode(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    admin = await make_user("boss", role="admin")
    await set_rules(client, admin, registrations="invite")
    r = await sign_up(client, "nocode")
    assert r.status_code == 422 and "invite" in r.json()["error"]
    r = await sign_up(client, "badcode", invite_code="nope")
    assert r.status_code == 422 and r.json()["details"]["invite_code"][0]["error"] == "ERR_INVALID"
    r = await client.post("/api/v1/myna/admin/invites", headers=admin.headers, json={"max_uses": 1})
    invite = r.json()
    assert invite["uses"] == 0 and invite["max_uses"] == 1
    r = await sign_up(client, "friend", invite_code=invite["code"])
    assert r.status_code == 200, r.text
    r = await sign_up(client, "second", invite_code=invite["code"])
    assert r.status_code == 422  # used up
    r = await client.get("/api/v1/myna/admin/invites", headers=admin.headers)
    assert r.json()[0]["uses"] == 1
    r = await client.post("/api/v1/myna/admin/invites", headers=admin.headers, json={})
    code = r.json()
    r = await client.delete(f"/api/v1/myna/admin/invites/{code['id']}", headers=admin.headers)
    assert r.json()["revoked"] is True
    r = await sign_up(client, "third", invite_code=code["code"])
    assert r.status_code == 422


async def test_closed_mode(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    admin = await make_user("boss", role="admin")
    await set_rules(client, admin, registrations="closed")
    r = await client.get("/api/v1/instance")
    assert r.json()["registrations"] is False
    r = await sign_up(client, "late")
    assert r.status_code == 403 and r.json()["error"] == "Registrations are closed"


async def test_blocked_email_domains(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    mod = await make_user("mod", role="moderator")
    r = await client.post(
        "/api/v1/admin/email_domain_blocks", headers=mod.headers, json={"domain": "Spam.Example"}
    )
    assert r.status_code == 200 and r.json()["domain"] == "spam.example"
    block_id = r.json()["id"]
    r = await sign_up(client, "spammy", email="x@mail.spam.example")
    assert r.status_code == 422 and r.json()["details"]["email"][0]["error"] == "ERR_BLOCKED"
    r = await sign_up(client, "fine", email="x@notspam.example")
    assert r.status_code == 200
    r = await client.delete(f"/api/v1/admin/email_domain_blocks/{block_id}", headers=mod.headers)
    assert r.status_code == 200
    r = await sign_up(client, "spammy", email="x@mail.spam.example")
    assert r.status_code == 200


async def test_link_blocklist(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    admin = await make_user("boss", role="admin")
    alice = await make_user("alice")
    await set_rules(client, admin, link_blocklist=["spam.example"])
    r = await post(client, alice, "cheap pills https://www.spam.example/buy")
    assert r.status_code == 422 and "spam.example" in r.json()["error"]
    r = await post(client, alice, "fine https://birds.example/ and spam.example.org is fine")
    assert r.status_code == 200
    r = await client.put(
        f"/api/v1/statuses/{r.json()['id']}",
        headers=alice.headers,
        json={"status": "edited https://spam.example"},
    )
    assert r.status_code == 422


async def test_new_account_throttle(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    admin = await make_user("boss", role="admin")
    newbie = await make_user("newbie")
    veteran = await make_user("veteran")
    await set_rules(client, admin, new_account_posts_per_hour=2, new_account_hours=24)
    async with container.db.transaction() as session:
        await session.execute(
            update(Account)
            .where(Account.id == veteran.id)
            .values(created_at=utcnow() - timedelta(days=2))
        )
    for n in range(2):
        assert (await post(client, newbie, f"hello {n}")).status_code == 200
    r = await post(client, newbie, "one too many")
    assert r.status_code == 429 and "2 times an hour" in r.json()["error"]
    for n in range(3):
        assert (await post(client, veteran, f"old hand {n}")).status_code == 200
        assert (await post(client, admin, f"staff {n}")).status_code == 200


async def test_hidden_keywords_and_domains_leave_public_places(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    admin = await make_user("boss", role="admin")
    seller = await make_user("seller")
    fan = await make_user("fan")
    r = await client.post(f"/api/v1/accounts/{seller.id}/follow", headers=fan.headers)
    ids = {}
    for key, text in (
        ("keyword", "#发票 代开发票 call now"),
        ("domain", "#发票 see https://casino.example/win"),
        ("clean", "#发票 a clean post about invoices"),
    ):
        r = await post(client, seller, text)
        ids[key] = r.json()["id"]
    await set_rules(client, admin, hidden_keywords=["代开发票"], hidden_domains=["casino.example"])

    async def listed(path: str, user: User | None = None) -> set[str]:
        r = await client.get(path, headers=user.headers if user else {})
        return {s["id"] for s in r.json()}

    clean = {ids["clean"]}
    assert await listed("/api/v1/timelines/public") == clean
    assert await listed("/api/v1/timelines/tag/发票", fan) == clean
    r = await client.get("/api/v2/search", params={"q": "发票"}, headers=fan.headers)
    assert {s["id"] for s in r.json()["statuses"]} == clean
    # Their audience still has them; the author finds their own.
    assert set(ids.values()) <= await listed("/api/v1/timelines/home", fan)
    r = await client.get(f"/api/v1/statuses/{ids['keyword']}")
    assert r.status_code == 200
    r = await client.get("/api/v2/search", params={"q": "代开发票"}, headers=seller.headers)
    assert [s["id"] for s in r.json()["statuses"]] == [ids["keyword"]]

    # Hot topics: a tag holding a keyword does not trend.
    crowd = [await make_user(f"c{n}") for n in range(5)]
    for user in crowd:
        assert (await post(client, user, "#代开发票群 #干净话题")).status_code == 200
    await refresh(container, utcnow())
    r = await client.get("/api/v1/trends/tags")
    assert [t["name"] for t in r.json()] == ["干净话题"]
