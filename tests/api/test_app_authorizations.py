"""Revoking an application's authorization: all of the account's live tokens of that app stop
working in one transaction, and each one's open streams are told to close."""

import asyncio

import httpx

from myna.container import Container
from myna.events.messages import Message, control
from tests.conftest import MakeUser


async def test_revoking_an_app_revokes_all_its_tokens_of_that_account_only(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    other = await container.app_actions.do_create_app(
        name="Other", redirect_uris="urn:ietf:wg:oauth:2.0:oob", scopes="read", website=None
    )
    caller = await container.token_reads.caller(alice.token)
    assert caller is not None
    tests_app = caller.app.id
    second, second_raw = await container.app_actions.do_issue_token(tests_app, alice.id, "read")
    _kept, kept_raw = await container.app_actions.do_issue_token(other.app.id, alice.id, "read")

    heard: list[tuple[str, Message]] = []

    async def record(channel: str, message: bytes) -> None:
        heard.append((channel, Message.decode(message)))

    container.broker.set_handler(record)
    await container.broker.subscribe(control(alice.id))

    revoked = await container.app_actions.do_revoke_authorization(alice.id, tests_app)
    assert sorted(revoked) == sorted([caller.token.id, second.id])
    for raw in (alice.token, second_raw):
        r = await client.get("/api/v1/accounts/verify_credentials", headers=_bearer(raw))
        assert r.status_code == 401
    for raw in (kept_raw, bob.token):  # another app, another account: untouched
        r = await client.get("/api/v1/accounts/verify_credentials", headers=_bearer(raw))
        assert r.status_code == 200

    for _ in range(100):  # the Redis broker delivers asynchronously
        if len(heard) >= 2:
            break
        await asyncio.sleep(0.02)
    token_ids = sorted(message.extra["token_id"] for _channel, message in heard)
    assert {(channel, message.event) for channel, message in heard} == {
        (control(alice.id), "revoked")
    }
    assert token_ids == sorted(revoked)

    apps = await container.account_reads.authorized_apps(alice.id)
    assert [a.app.name for a in apps] == ["Other"]
    # Nothing left to revoke: an empty answer, nothing published.
    assert await container.app_actions.do_revoke_authorization(alice.id, tests_app) == []


def _bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}
