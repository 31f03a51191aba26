"""Webhooks as a third-party app uses them: subscribe with the app's own token, receive signed
events on a real loopback receiver, see retries and replays in the delivery log; and what is
never delivered (privacy, revoked authorizations, private addresses)."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from myna.actions.lists import ListChange
from myna.actions.statuses import NewStatus
from myna.api.schemas.webhooks import install
from myna.app import create_app
from myna.backends.jobs import ArqJobs
from myna.config import Settings
from myna.container import Container, build
from myna.lib.paging import Page
from myna.models import Visibility, WebhookDelivery
from myna.worker import worker_for
from tests.conftest import BASE_URL, REDIS_URL, MakeUser, User, row_counts
from tests.webhook_receiver import Receiver, receiver

needs_redis = pytest.mark.skipif(not REDIS_URL, reason="needs MYNA_TEST_REDIS_URL")

WEBHOOKS = "/api/v1/myna/webhooks"


def webhook_settings(base: Settings, **extra: Any) -> Settings:
    """Loopback receivers allowed, fast retries. Jobs run in this process (embedded mode):
    the scale-mode test below runs a real arq worker instead."""
    return base.model_copy(
        update={
            "base_url": "https://testserver",  # Authlib wants OAuth over https
            "webhooks_allow_private": True,
            "webhook_retry_base_seconds": 0.2,
            "webhook_max_attempts": 3,
            "webhook_timeout_seconds": 5.0,
            "housekeeping_interval_seconds": 0,
            "redis_url": "",
            **extra,
        }
    )


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return webhook_settings(settings)


@pytest.fixture
def hook() -> Any:
    with receiver() as r:
        yield r


@dataclass
class ThirdParty:
    """A developer's app: registered through the API, holding its own client_credentials
    token; accounts authorize it by getting a token of it."""

    app_id: int
    headers: dict[str, str]
    container: Container
    client_id: str = ""

    async def authorized_by(self, user: User, scopes: str = "read write follow") -> int:
        token, _raw = await self.container.app_actions.do_issue_token(self.app_id, user.id, scopes)
        return token.id


async def register(client: httpx.AsyncClient, container: Container, name: str) -> ThirdParty:
    made = await client.post(
        "/api/v1/apps",
        json={
            "client_name": name,
            "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            "scopes": "read write follow",
        },
    )
    assert made.status_code == 200, made.text
    app = made.json()
    token = await client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": "read",
        },
    )
    assert token.status_code == 200, token.text
    return ThirdParty(
        int(app["id"]),
        {"Authorization": f"Bearer {token.json()['access_token']}"},
        container,
        client_id=app["client_id"],
    )


@pytest.fixture
async def bot(client: httpx.AsyncClient, container: Container) -> ThirdParty:
    return await register(client, container, "Weather bot")


async def subscribe(
    client: httpx.AsyncClient, app: ThirdParty, hook: Receiver, events: list[str]
) -> dict[str, Any]:
    answer = await client.post(
        WEBHOOKS, json={"url": hook.url, "events": events}, headers=app.headers
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    hook.secret = body["secret"]
    return body


async def deliveries(
    container: Container, app: ThirdParty, sub: dict[str, Any]
) -> list[WebhookDelivery]:
    return await container.webhook_reads.deliveries(app.app_id, int(sub["id"]), Page(limit=40))


async def settled(
    container: Container, app: ThirdParty, sub: dict[str, Any]
) -> list[WebhookDelivery]:
    """The deliveries once none is pending any more (an attempt's outcome is written after
    the receiver answered)."""
    for _ in range(500):
        found = await deliveries(container, app, sub)
        if found and all(d.next_attempt_at is None for d in found):
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"deliveries still pending: {found}")


async def post(
    container: Container,
    user: User,
    text: str,
    visibility: Visibility = Visibility.PUBLIC,
    **kw: Any,
) -> int:
    status = await container.status_actions.do_post(
        user.id, NewStatus(text=text, visibility=visibility, **kw)
    )
    return status.id


# Managing subscriptions ---------------------------------------------------------------------


async def test_subscriptions_are_created_listed_changed_rotated_and_deleted(
    client: httpx.AsyncClient, bot: ThirdParty, hook: Receiver
) -> None:
    made = await subscribe(client, bot, hook, ["status.created", "mention"])
    assert made["url"] == hook.url
    assert made["events"] == ["status.created", "mention"]
    assert made["active"] is True
    assert len(made["secret"]) >= 32

    listed = await client.get(WEBHOOKS, headers=bot.headers)
    assert [s["id"] for s in listed.json()] == [made["id"]]
    assert "secret" not in listed.json()[0]  # shown once
    shown = await client.get(f"{WEBHOOKS}/{made['id']}", headers=bot.headers)
    assert shown.json()["events"] == ["status.created", "mention"] and "secret" not in shown.json()

    changed = await client.patch(
        f"{WEBHOOKS}/{made['id']}",
        json={"events": ["follow", "follow_request"], "active": False},
        headers=bot.headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["events"] == ["follow", "follow_request"]
    assert changed.json()["active"] is False
    assert changed.json()["url"] == hook.url

    rotated = await client.post(f"{WEBHOOKS}/{made['id']}/rotate_secret", headers=bot.headers)
    assert rotated.status_code == 200
    assert rotated.json()["secret"] != made["secret"]

    gone = await client.delete(f"{WEBHOOKS}/{made['id']}", headers=bot.headers)
    assert gone.status_code == 200 and gone.json() == {}
    missing = await client.get(f"{WEBHOOKS}/{made['id']}", headers=bot.headers)
    assert missing.status_code == 404
    assert (await client.get(WEBHOOKS, headers=bot.headers)).json() == []


async def test_bad_input_is_refused_with_a_json_error_and_writes_nothing(
    client: httpx.AsyncClient,
    container: Container,
    bot: ThirdParty,
    hook: Receiver,
    make_user: MakeUser,
) -> None:
    alice = await make_user("alice")
    other = await register(client, container, "Someone else's app")
    theirs = await subscribe(client, other, hook, ["mention"])
    before = await row_counts(container.db)

    cases: list[tuple[str, str, dict[str, Any] | None, dict[str, str] | None, int]] = [
        ("POST", WEBHOOKS, {"url": "ftp://example.com/x", "events": ["mention"]}, bot.headers, 422),
        ("POST", WEBHOOKS, {"url": "not a url", "events": ["mention"]}, bot.headers, 422),
        (
            "POST",
            WEBHOOKS,
            {"url": "http://example.com/x", "events": ["mention"]},
            bot.headers,
            422,
        ),
        (
            "POST",
            WEBHOOKS,
            {"url": "https://u:p@example.com/", "events": ["mention"]},
            bot.headers,
            422,
        ),
        ("POST", WEBHOOKS, {"url": hook.url, "events": ["status.deleted"]}, bot.headers, 422),
        ("POST", WEBHOOKS, {"url": hook.url, "events": []}, bot.headers, 422),
        ("POST", WEBHOOKS, {"url": hook.url}, bot.headers, 422),
        ("POST", WEBHOOKS, {"events": ["mention"]}, bot.headers, 422),
        ("POST", WEBHOOKS, {"url": ["x"], "events": ["mention"]}, bot.headers, 422),
        ("POST", WEBHOOKS, {"url": hook.url, "events": ["mention"]}, alice.headers, 403),
        ("POST", WEBHOOKS, {"url": hook.url, "events": ["mention"]}, None, 401),
        ("GET", WEBHOOKS, None, alice.headers, 403),
        # Another app's subscription is missing, not forbidden.
        ("GET", f"{WEBHOOKS}/{theirs['id']}", None, bot.headers, 404),
        ("PATCH", f"{WEBHOOKS}/{theirs['id']}", {"active": False}, bot.headers, 404),
        ("DELETE", f"{WEBHOOKS}/{theirs['id']}", None, bot.headers, 404),
        ("POST", f"{WEBHOOKS}/{theirs['id']}/rotate_secret", None, bot.headers, 404),
        ("GET", f"{WEBHOOKS}/{theirs['id']}/deliveries", None, bot.headers, 404),
        ("POST", f"{WEBHOOKS}/{theirs['id']}/deliveries/1/replay", None, bot.headers, 404),
        ("GET", f"{WEBHOOKS}/nonsense", None, bot.headers, 404),
        ("PATCH", f"{WEBHOOKS}/{theirs['id']}", {"events": ["nope"]}, other.headers, 422),
        ("PATCH", f"{WEBHOOKS}/{theirs['id']}", {"url": "gopher://x"}, other.headers, 422),
        ("PATCH", f"{WEBHOOKS}/{theirs['id']}", {"active": "maybe"}, other.headers, 422),
    ]
    for method, path, body, headers, expected in cases:
        answer = await client.request(method, path, json=body, headers=headers)
        assert answer.status_code == expected, (method, path, body, answer.text)
        assert isinstance(answer.json().get("error"), str), answer.text
    assert await row_counts(container.db) == before
    unchanged = await client.get(f"{WEBHOOKS}/{theirs['id']}", headers=other.headers)
    assert unchanged.json()["events"] == ["mention"] and unchanged.json()["active"] is True


async def test_an_app_has_at_most_the_configured_number_of_subscriptions(
    client: httpx.AsyncClient, container: Container, bot: ThirdParty, hook: Receiver
) -> None:
    limit = container.settings.webhook_max_subscriptions
    for _ in range(limit):
        await subscribe(client, bot, hook, ["mention"])
    before = await row_counts(container.db)
    refused = await client.post(
        WEBHOOKS, json={"url": hook.url, "events": ["mention"]}, headers=bot.headers
    )
    assert refused.status_code == 422
    assert f"at most {limit}" in refused.json()["error"]
    assert await row_counts(container.db) == before


async def test_private_addresses_are_refused_without_the_setting(
    settings: Settings, container: Container, make_user: MakeUser, hook: Receiver
) -> None:
    """On subscribing, and again when delivering: a subscription made while private addresses
    were allowed gets nothing once they are not."""
    strict = build(settings.model_copy(update={"webhooks_allow_private": False}))
    try:
        strict_app = create_app(strict.settings, strict)
        transport = httpx.ASGITransport(app=strict_app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            bot = await register(http, strict, "Bot")
            before = await row_counts(strict.db)
            for url in (
                hook.url,
                "http://localhost:9/x",
                "https://10.1.2.3/x",
                "https://192.168.0.1/x",
                "https://169.254.169.254/latest/meta-data",
                "https://[::1]/x",
                "https://[::ffff:127.0.0.1]/x",
                "https://100.64.0.1/x",
                "https://0.0.0.0/x",
                "https://does-not-exist.invalid/x",
            ):
                answer = await http.post(
                    WEBHOOKS, json={"url": url, "events": ["status.created"]}, headers=bot.headers
                )
                assert answer.status_code == 422, (url, answer.text)
                assert "error" in answer.json()
            assert await row_counts(strict.db) == before

        # Made through the permissive server (same database), delivered by the strict one.
        relaxed = create_app(container.settings, container)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=relaxed), base_url=BASE_URL
        ) as http:
            bot = await register(http, container, "Bot 2")
            sub = await subscribe(http, bot, hook, ["status.created"])
        alice = await make_user("alice")
        await bot.authorized_by(alice)
        await post(strict, alice, "hello")
        found = await settled(strict, bot, sub)
        assert len(found) == 1 and found[0].delivered_at is None
        assert "private or reserved address" in (found[0].last_error or "")
        assert hook.received == []
    finally:
        await strict.close()


# Events ---------------------------------------------------------------------------------------


async def test_status_created_is_signed_and_logged(
    client: httpx.AsyncClient,
    container: Container,
    bot: ThirdParty,
    hook: Receiver,
    make_user: MakeUser,
) -> None:
    alice = await make_user("alice")
    await bot.authorized_by(alice)
    sub = await subscribe(client, bot, hook, ["status.created"])
    status_id = await post(container, alice, "晴天 #weather")

    (got,) = await hook.wait_for(1)
    assert got.signature_ok
    assert got.headers["content-type"] == "application/json"
    assert got.headers["x-myna-event"] == "status.created"
    body = got.json
    assert body["event"] == "status.created"
    assert body["account_id"] == str(alice.id)
    assert body["object"]["id"] == str(status_id)
    assert body["object"]["account"]["username"] == "alice"
    assert body["object"]["content"].startswith("<p>晴天")
    assert body["id"] == got.headers["x-myna-delivery"]

    await settled(container, bot, sub)  # the attempt's outcome is written after the answer
    log = await client.get(f"{WEBHOOKS}/{sub['id']}/deliveries", headers=bot.headers)
    assert log.status_code == 200
    (entry,) = log.json()
    assert entry["id"] == got.headers["x-myna-delivery"]
    assert entry["state"] == "delivered" and entry["attempts"] == 1
    assert entry["last_status_code"] == 200
    assert entry["payload"] == body
    one = await client.get(f"{WEBHOOKS}/{sub['id']}/deliveries/{entry['id']}", headers=bot.headers)
    assert one.json()["attempt_log"][0]["status_code"] == 200


async def test_mention_reaches_the_mentioned_accounts_apps_only(
    client: httpx.AsyncClient,
    container: Container,
    bot: ThirdParty,
    hook: Receiver,
    make_user: MakeUser,
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await bot.authorized_by(bob)  # alice did not authorize the bot
    await subscribe(client, bot, hook, ["status.created", "mention"])
    status_id = await post(container, alice, "@bob 明天见")

    (got,) = await hook.wait_for(1)
    assert got.signature_ok
    assert got.json["event"] == "mention"
    assert got.json["account_id"] == str(bob.id)
    assert got.json["object"]["id"] == str(status_id)
    assert [m["username"] for m in got.json["object"]["mentions"]] == ["bob"]


async def test_follow_and_follow_request(
    client: httpx.AsyncClient,
    container: Container,
    bot: ThirdParty,
    hook: Receiver,
    make_user: MakeUser,
) -> None:
    bob = await make_user("bob")
    dora = await make_user("dora", locked=True)
    carol = await make_user("carol")
    await bot.authorized_by(bob)
    await bot.authorized_by(dora)
    await subscribe(client, bot, hook, ["follow", "follow_request"])

    await container.relation_actions.do_follow(carol.id, bob.id)
    (first,) = await hook.wait_for(1)
    assert first.json["event"] == "follow"
    assert first.json["account_id"] == str(bob.id)
    assert first.json["object"]["username"] == "carol"

    await container.relation_actions.do_follow(carol.id, dora.id)
    second = (await hook.wait_for(2))[1]
    assert second.json["event"] == "follow_request"
    assert second.json["account_id"] == str(dora.id)
    assert second.json["object"]["id"] == str(carol.id)

    await container.relation_actions.do_authorize_request(dora.id, carol.id)
    third = (await hook.wait_for(3))[2]
    assert third.json["event"] == "follow" and third.json["account_id"] == str(dora.id)
    assert all(r.signature_ok for r in hook.received)


# Retries and replays --------------------------------------------------------------------------


async def test_a_failed_delivery_is_retried_and_both_attempts_are_logged(
    client: httpx.AsyncClient,
    container: Container,
    bot: ThirdParty,
    hook: Receiver,
    make_user: MakeUser,
) -> None:
    alice = await make_user("alice")
    await bot.authorized_by(alice)
    sub = await subscribe(client, bot, hook, ["status.created"])
    hook.answers = [500]
    await post(container, alice, "retry me")

    first, second = await hook.wait_for(2)
    assert first.signature_ok and second.signature_ok
    assert first.body == second.body  # the same payload, signed again
    assert first.headers["x-myna-delivery"] == second.headers["x-myna-delivery"]
    (delivery,) = await settled(container, bot, sub)
    assert delivery.attempts == 2
    assert [a["status_code"] for a in delivery.attempt_log] == [500, 200]
    assert delivery.attempt_log[0]["error"] == "HTTP 500"
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None


async def test_gives_up_after_the_last_attempt_and_a_replay_sends_again(
    client: httpx.AsyncClient,
    container: Container,
    bot: ThirdParty,
    hook: Receiver,
    make_user: MakeUser,
) -> None:
    alice = await make_user("alice")
    await bot.authorized_by(alice)
    sub = await subscribe(client, bot, hook, ["status.created"])
    hook.answers = [503, 503, 503]  # webhook_max_attempts is 3 here
    await post(container, alice, "down for maintenance")
    await hook.wait_for(3)
    url = f"{WEBHOOKS}/{sub['id']}/deliveries"
    for _ in range(200):
        (entry,) = (await client.get(url, headers=bot.headers)).json()
        if entry["state"] != "pending":
            break
        await asyncio.sleep(0.02)
    assert entry["state"] == "failed"
    assert entry["attempts"] == 3 and entry["last_status_code"] == 503

    replayed = await client.post(f"{url}/{entry['id']}/replay", headers=bot.headers)
    assert replayed.status_code == 202, replayed.text
    fourth = (await hook.wait_for(4))[3]
    assert fourth.signature_ok
    assert fourth.headers["x-myna-delivery"] == entry["id"]
    assert fourth.json == entry["payload"]
    for _ in range(200):
        (entry,) = (await client.get(url, headers=bot.headers)).json()
        if entry["state"] != "pending":
            break
        await asyncio.sleep(0.02)
    assert entry["state"] == "delivered" and entry["attempts"] == 4
    assert [a["status_code"] for a in entry["attempt_log"]] == [503, 503, 503, 200]


async def test_deliveries_left_by_a_process_that_cannot_send_go_out_on_the_sweep(
    settings: Settings, make_user: MakeUser, container: Container, hook: Receiver
) -> None:
    """A CLI process (no renderer) records deliveries; the housekeeping of a server sends
    them."""
    cli = build(settings)
    try:
        new = await cli.app_actions.do_create_app(
            name="Bot", redirect_uris="urn:ietf:wg:oauth:2.0:oob", scopes="read", website=None
        )
        made = await cli.webhook_actions.do_create(new.app.id, hook.url, ["status.created"])
        hook.secret = made.secret
        alice = await make_user("alice")
        await cli.app_actions.do_issue_token(new.app.id, alice.id, "read")
        await post(cli, alice, "from the command line")
        (pending,) = await cli.webhook_reads.deliveries(new.app.id, made.subscription.id, Page())
        assert pending.attempts == 0 and pending.next_attempt_at is not None
        assert hook.received == []
    finally:
        await cli.close()
    install(container)
    await container.housekeeping.run_once()
    (got,) = await hook.wait_for(1)
    assert got.signature_ok and got.json["object"]["content"] == "<p>from the command line</p>"


# What is never delivered ---------------------------------------------------------------------


async def test_only_public_and_unlisted_statuses_are_announced(
    client: httpx.AsyncClient,
    container: Container,
    bot: ThirdParty,
    hook: Receiver,
    make_user: MakeUser,
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await container.relation_actions.do_follow(bob.id, alice.id)
    await bot.authorized_by(alice)
    sub = await subscribe(client, bot, hook, ["status.created"])
    followers = await post(container, alice, "只给粉丝看", Visibility.FOLLOWERS)
    direct = await post(container, alice, "@bob 私信", Visibility.DIRECT)
    circle = await container.list_actions.do_create(alice.id, ListChange(title="close friends"))
    await post(container, alice, "circle", Visibility.FOLLOWERS, list_id=circle.id)
    unlisted = await post(container, alice, "unlisted", Visibility.UNLISTED)
    public = await post(container, alice, "public")

    # Recorded in the posting transaction: the log is complete once the posts returned.
    recorded = {d.object_id for d in await deliveries(container, bot, sub)}
    assert recorded == {unlisted, public}
    got = await hook.wait_for(2)
    assert {r.json["object"]["id"] for r in got} == {str(unlisted), str(public)}
    assert str(followers) not in str([r.body for r in got]) and str(direct) not in str(
        [r.body for r in got]
    )


async def test_mentions_follow_the_visibility_rule(
    client: httpx.AsyncClient,
    container: Container,
    bot: ThirdParty,
    hook: Receiver,
    make_user: MakeUser,
) -> None:
    """A mentioned account's app hears only of what the account may see: not a post by
    someone across a block, not a circle post it is outside of."""
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    await bot.authorized_by(bob)
    sub = await subscribe(client, bot, hook, ["mention"])
    await container.relation_actions.do_block(bob.id, carol.id)
    await post(container, carol, "@bob hello from across a block")
    circle = await container.list_actions.do_create(alice.id, ListChange(title="inner circle"))
    await post(container, alice, "@bob not in the circle", Visibility.FOLLOWERS, list_id=circle.id)
    direct = await post(container, alice, "@bob a direct message", Visibility.DIRECT)

    assert [d.object_id for d in await deliveries(container, bot, sub)] == [direct]
    (got,) = await hook.wait_for(1)
    assert got.json["object"]["id"] == str(direct)


async def test_only_accounts_that_authorize_the_app_with_the_scope_are_heard(
    client: httpx.AsyncClient,
    container: Container,
    bot: ThirdParty,
    hook: Receiver,
    make_user: MakeUser,
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    sub = await subscribe(client, bot, hook, ["status.created", "mention"])
    bob_token = await bot.authorized_by(bob)
    await bot.authorized_by(carol, scopes="write")  # cannot read statuses or notifications
    await container.app_actions.do_revoke_authorization(bob.id, bot.app_id)
    assert bob_token
    await post(container, alice, "alice never authorized the bot")
    await post(container, bob, "bob revoked it @carol")
    await post(container, carol, "carol may only write")
    assert await deliveries(container, bot, sub) == []
    # Another app's subscription hears nothing of this one's accounts either.
    other = await register(client, container, "Other")
    await bot.authorized_by(alice)
    other_sub = await subscribe(client, other, hook, ["status.created"])
    await post(container, alice, "now alice authorizes the bot")
    assert await deliveries(container, other, other_sub) == []
    assert len(await deliveries(container, bot, sub)) == 1


async def test_a_revoked_authorization_stops_pending_retries(
    client: httpx.AsyncClient,
    container: Container,
    bot: ThirdParty,
    hook: Receiver,
    make_user: MakeUser,
) -> None:
    alice = await make_user("alice")
    await bot.authorized_by(alice)
    sub = await subscribe(client, bot, hook, ["status.created"])
    # The retry comes 0.2 s after the first attempt failed; revoking takes much less.
    hook.answers = [500]
    await post(container, alice, "revoke me")
    await hook.wait_for(1)
    await container.app_actions.do_revoke_authorization(alice.id, bot.app_id)
    (delivery,) = await settled(container, bot, sub)
    assert delivery.next_attempt_at is None and delivery.delivered_at is None
    assert "no longer authorizes" in (delivery.last_error or "")
    assert len(hook.received) == 1


async def test_an_inactive_subscription_records_nothing(
    client: httpx.AsyncClient,
    container: Container,
    bot: ThirdParty,
    hook: Receiver,
    make_user: MakeUser,
) -> None:
    alice = await make_user("alice")
    await bot.authorized_by(alice)
    sub = await subscribe(client, bot, hook, ["status.created"])
    await client.patch(f"{WEBHOOKS}/{sub['id']}", json={"active": False}, headers=bot.headers)
    await post(container, alice, "nobody listens")
    assert await deliveries(container, bot, sub) == []


# Scale mode: deliveries as arq jobs, retries deferred in Redis --------------------------------


@pytest.fixture
async def scale(settings: Settings) -> AsyncIterator[Container]:
    assert REDIS_URL
    prefix = f"myna-test-{uuid.uuid4().hex[:12]}:"
    services = build(settings.model_copy(update={"redis_url": REDIS_URL, "redis_prefix": prefix}))
    install(services)
    yield services
    if isinstance(services.jobs, ArqJobs):
        pool = await services.jobs.pool()
        keys = [k async for k in pool.scan_iter(match=f"{prefix}*")]
        keys += [k async for k in pool.scan_iter(match=f"arq:*{prefix}*")]
        if keys:
            await pool.delete(*keys)
    await services.close()


@needs_redis
async def test_scale_mode_delivers_through_the_worker_with_a_deferred_retry(
    scale: Container, make_user: MakeUser, hook: Receiver
) -> None:
    assert isinstance(scale.jobs, ArqJobs)
    app: FastAPI = create_app(scale.settings, scale)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
        bot = await register(http, scale, "Bot")
        sub = await subscribe(http, bot, hook, ["status.created"])
    alice = await make_user("alice")
    await bot.authorized_by(alice)
    hook.answers = [500]
    await post(scale, alice, "through redis")
    assert hook.received == []  # queued for a worker, not sent by the server
    worker = worker_for(scale.settings, scale, burst=True)
    try:
        await worker.main()  # burst: runs until the queue (with the deferred retry) is empty
    finally:
        await worker.close()
    first, second = await hook.wait_for(2)
    assert first.signature_ok and second.signature_ok
    (delivery,) = await settled(scale, bot, sub)
    assert [a["status_code"] for a in delivery.attempt_log] == [500, 200]
