"""Group events for apps added to a group: the owner and admins add and remove apps; a post in
the group and a join reach the added app's subscriptions, signed, on a real loopback receiver,
and no other app's; after removal nothing more goes out, pending retries included."""

from typing import Any

import httpx
import pytest

from myna.config import Settings
from myna.container import Container
from tests.api.test_webhooks import (
    deliveries,
    register,
    settled,
    subscribe,
    webhook_settings,
)
from tests.conftest import MakeUser, User, row_counts
from tests.webhook_receiver import Receiver, receiver

GROUPS = "/api/v1/groups"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return webhook_settings(settings)


@pytest.fixture
def hook() -> Any:
    with receiver() as r:
        yield r


async def make_group(
    client: httpx.AsyncClient, owner: User, handle: str, privacy: str = "public"
) -> str:
    r = await client.post(
        GROUPS, json={"handle": handle, "name": handle, "privacy": privacy}, headers=owner.headers
    )
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


async def group_post(client: httpx.AsyncClient, user: User, group_id: str, text: str) -> str:
    r = await client.post(
        "/api/v1/statuses",
        json={"status": text, "visibility": "group", "group_id": group_id},
        headers=user.headers,
    )
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


async def test_only_owners_and_admins_add_list_and_remove_apps(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    bot = await register(client, container, "Group bot")
    gid = await make_group(client, alice, "birders")
    secret = await make_group(client, alice, "hidden", "secret")
    assert (await client.post(f"{GROUPS}/{gid}/join", headers=bob.headers)).status_code == 200

    before = await row_counts(container.db)
    for user, group, code in ((bob, gid, 403), (carol, gid, 403), (carol, secret, 404)):
        r = await client.post(
            f"{GROUPS}/{group}/apps", json={"client_id": bot.client_id}, headers=user.headers
        )
        assert r.status_code == code, (user.username, r.text)
        assert r.json()["error"]
        r = await client.get(f"{GROUPS}/{group}/apps", headers=user.headers)
        assert r.status_code == code
    assert await row_counts(container.db) == before

    r = await client.post(
        f"{GROUPS}/{gid}/apps", json={"client_id": bot.client_id}, headers=alice.headers
    )
    assert r.status_code == 200, r.text
    added = r.json()
    assert added["id"] == str(bot.app_id) and added["name"] == "Group bot"
    assert added["added_by_id"] == str(alice.id)
    # Adding it again changes nothing.
    r = await client.post(
        f"{GROUPS}/{gid}/apps", data={"client_id": bot.client_id}, headers=alice.headers
    )
    assert r.status_code == 200 and r.json() == added
    r = await client.get(f"{GROUPS}/{gid}/apps", headers=alice.headers)
    assert r.status_code == 200 and r.json() == [added]

    # An admin manages apps too; a plain member may not remove one.
    r = await client.delete(f"{GROUPS}/{gid}/apps/{bot.app_id}", headers=bob.headers)
    assert r.status_code == 403
    r = await client.post(
        f"{GROUPS}/{gid}/members/{bob.id}/role", json={"role": "admin"}, headers=alice.headers
    )
    assert r.status_code == 200, r.text
    r = await client.delete(f"{GROUPS}/{gid}/apps/{bot.app_id}", headers=bob.headers)
    assert r.status_code == 200 and r.json() == {}
    assert (await client.get(f"{GROUPS}/{gid}/apps", headers=alice.headers)).json() == []


async def test_bad_input_is_refused_with_a_json_error(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    bot = await register(client, container, "Group bot")
    gid = await make_group(client, alice, "birders")
    before = await row_counts(container.db)
    cases = [
        ("post", f"{GROUPS}/{gid}/apps", {}, 422),
        ("post", f"{GROUPS}/{gid}/apps", {"client_id": "  "}, 422),
        ("post", f"{GROUPS}/{gid}/apps", {"client_id": "no-such-app"}, 404),
        ("post", f"{GROUPS}/{gid}/apps", {"client_id": "x" * 500}, 404),
        ("post", f"{GROUPS}/{gid}/apps", {"client_id": ["a", "b"]}, 422),
        ("post", f"{GROUPS}/999999/apps", {"client_id": bot.client_id}, 404),
        ("post", f"{GROUPS}/abc/apps", {"client_id": bot.client_id}, 404),
        ("get", f"{GROUPS}/999999/apps", None, 404),
        ("delete", f"{GROUPS}/{gid}/apps/{bot.app_id}", None, 404),  # not added
        ("delete", f"{GROUPS}/{gid}/apps/abc", None, 404),
        ("delete", f"{GROUPS}/999999/apps/{bot.app_id}", None, 404),
    ]
    for method, url, body, code in cases:
        r = await client.request(method.upper(), url, json=body, headers=alice.headers)
        assert r.status_code == code, (method, url, body, r.text)
        assert r.headers["content-type"].startswith("application/json")
        assert r.json()["error"], (url, body)
    r = await client.post(
        f"{GROUPS}/{gid}/apps",
        content=b"{not json",
        headers={**alice.headers, "Content-Type": "application/json"},
    )
    assert 400 <= r.status_code < 500 and r.json()["error"]
    # Without a token, or with the app's own token (no account): refused.
    r = await client.post(f"{GROUPS}/{gid}/apps", json={"client_id": bot.client_id})
    assert r.status_code == 401 and r.json()["error"]
    r = await client.post(
        f"{GROUPS}/{gid}/apps", json={"client_id": bot.client_id}, headers=bot.headers
    )
    assert 400 <= r.status_code < 500 and r.json()["error"]
    assert await row_counts(container.db) == before


async def test_a_group_post_reaches_the_added_app_only_signed(
    client: httpx.AsyncClient, container: Container, hook: Receiver, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    bot, other = (
        await register(client, container, "Group bot"),
        await register(client, container, "Other bot"),
    )
    gid = await make_group(client, alice, "birders", "restricted")
    r = await client.post(
        f"{GROUPS}/{gid}/apps", json={"client_id": bot.client_id}, headers=alice.headers
    )
    assert r.status_code == 200, r.text
    sub = await subscribe(client, bot, hook, ["group.status.created"])
    with receiver() as elsewhere:
        other_sub = await subscribe(
            client,
            other,
            elsewhere,
            ["group.status.created", "group.member.joined"],
        )
        status_id = await group_post(client, alice, gid, "白鹭")
        # Not a group post: no group event.
        r = await client.post("/api/v1/statuses", json={"status": "公开"}, headers=alice.headers)
        assert r.status_code == 200

        (got,) = await hook.wait_for(1)
        assert got.signature_ok
        assert got.headers["x-myna-event"] == "group.status.created"
        body = got.json
        assert body["event"] == "group.status.created"
        assert body["group_id"] == gid
        assert body["account_id"] == str(alice.id)  # who added the app
        assert body["id"] == got.headers["x-myna-delivery"]
        status = body["object"]
        assert status["id"] == status_id and status["group_id"] == gid
        assert status["visibility"] == "group" and status["content"].startswith("<p>白鹭")
        assert status["account"]["username"] == "alice"
        # Rendered for no one: no account's own state.
        assert status["favourited"] is False and status["bookmarked"] is False
        (delivery,) = await settled(container, bot, sub)
        assert delivery.delivered_at is not None and delivery.group_id == int(gid)

        assert elsewhere.received == []
        assert await deliveries(container, other, other_sub) == []
        assert len(hook.received) == 1


async def test_a_join_is_delivered_and_requests_wait_for_approval(
    client: httpx.AsyncClient, container: Container, hook: Receiver, make_user: MakeUser
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    bot = await register(client, container, "Group bot")
    public = await make_group(client, alice, "birders")
    restricted = await make_group(client, alice, "owls", "restricted")
    for gid in (public, restricted):
        r = await client.post(
            f"{GROUPS}/{gid}/apps", json={"client_id": bot.client_id}, headers=alice.headers
        )
        assert r.status_code == 200, r.text
    sub = await subscribe(client, bot, hook, ["group.member.joined"])

    assert (await client.post(f"{GROUPS}/{public}/join", headers=bob.headers)).status_code == 200
    (got,) = await hook.wait_for(1)
    assert got.signature_ok and got.headers["x-myna-event"] == "group.member.joined"
    assert got.json["group_id"] == public
    assert got.json["object"]["id"] == str(bob.id)
    assert got.json["object"]["username"] == "bob"

    # A request is not a join; its approval is.
    assert (await client.post(f"{GROUPS}/{restricted}/join", headers=carol.headers)).json()[
        "requested"
    ]
    r = await client.post(
        f"{GROUPS}/{restricted}/requests/{carol.id}/authorize", headers=alice.headers
    )
    assert r.status_code == 200, r.text
    got = (await hook.wait_for(2))[1]
    assert got.signature_ok and got.json["group_id"] == restricted
    assert got.json["object"]["username"] == "carol"
    found = await settled(container, bot, sub)
    assert len(found) == 2


async def test_removing_the_app_stops_everything_pending_included(
    client: httpx.AsyncClient, container: Container, hook: Receiver, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    bot = await register(client, container, "Group bot")
    gid = await make_group(client, alice, "birders")
    r = await client.post(
        f"{GROUPS}/{gid}/apps", json={"client_id": bot.client_id}, headers=alice.headers
    )
    assert r.status_code == 200, r.text
    sub = await subscribe(
        client,
        bot,
        hook,
        ["group.status.created", "group.member.joined"],
    )
    # The retry comes 0.2 s after the first attempt failed; removing takes much less.
    hook.answers = [500]
    await group_post(client, alice, gid, "第一条")
    await hook.wait_for(1)
    r = await client.delete(f"{GROUPS}/{gid}/apps/{bot.app_id}", headers=alice.headers)
    assert r.status_code == 200, r.text
    (delivery,) = await settled(container, bot, sub)
    assert delivery.next_attempt_at is None and delivery.delivered_at is None
    assert "no longer added" in (delivery.last_error or "")

    await group_post(client, alice, gid, "第二条")
    assert (await client.post(f"{GROUPS}/{gid}/join", headers=bob.headers)).status_code == 200
    assert len(await deliveries(container, bot, sub)) == 1
    assert len(hook.received) == 1
