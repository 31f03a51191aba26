"""Rate limits on the API: headers on every answer, 429 before any route runs, one bucket per
token, app, address and account, the sign-up bucket shared with the web form, and windows that
end. Limits are tiny and windows long (an hour), except where a test waits for a window to end.
The suite runs with limits off (tests/conftest.py); these tests turn them on."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from myna.config import Settings
from myna.container import Container
from tests import pictures
from tests.conftest import MakeUser, row_counts
from tests.web.forms import sign_up

HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")

LIMITS: dict[str, Any] = {
    "rate_limits_enabled": True,
    "rate_limit_token": "5/1 hour",
    "rate_limit_app": "",
    "rate_limit_ip": "5/1 hour",
    "rate_limit_sign_up": "2/1 hour",
    "rate_limit_statuses": "2/1 hour",
    "rate_limit_media": "1/1 hour",
}


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """The suite's settings with limits on; a test changes some with
    `@pytest.mark.parametrize("limits", [{...}])`."""
    changes = getattr(request, "param", None) or {}
    return settings.model_copy(update={**LIMITS, **changes})


def limits(**changes: Any) -> Any:
    """Marks a test to run with these settings changed."""
    return pytest.mark.parametrize("settings", [changes], indirect=True)


def remaining(r: httpx.Response) -> int:
    return int(r.headers["X-RateLimit-Remaining"])


def reset_of(r: httpx.Response) -> datetime:
    value = r.headers["X-RateLimit-Reset"]
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value.removesuffix("Z")).replace(tzinfo=UTC)


def assert_refused(r: httpx.Response) -> None:
    assert r.status_code == 429, r.text
    assert r.json() == {"error": "Too many requests"}
    assert int(r.headers["Retry-After"]) >= 1
    assert remaining(r) == 0
    assert reset_of(r) > datetime.now(UTC)


async def test_headers_on_success_and_on_errors(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    ok = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    missing = await client.get("/api/v1/statuses/12345", headers=alice.headers)
    invalid = await client.get("/api/v1/timelines/home?limit=many", headers=alice.headers)
    assert (ok.status_code, missing.status_code, invalid.status_code) == (200, 404, 422)
    for r in (ok, missing, invalid):
        assert all(name in r.headers for name in HEADERS), r.headers
        assert r.headers["X-RateLimit-Limit"] == "5"
    assert [remaining(r) for r in (ok, missing, invalid)] == [4, 3, 2]
    # One window: the reset does not move while it lasts, and it is in the future.
    assert reset_of(ok) == reset_of(invalid) > datetime.now(UTC)


async def test_over_the_token_limit_nothing_is_done(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice = await make_user("alice")
    for _ in range(5):
        r = await client.get("/api/v1/timelines/home", headers=alice.headers)
        assert r.status_code == 200
    before = await row_counts(container.db)
    refused = await client.post(
        "/api/v1/statuses", json={"status": "one too many"}, headers=alice.headers
    )
    assert_refused(refused)
    assert refused.headers["X-RateLimit-Limit"] == "5"
    assert await row_counts(container.db) == before
    # Other tokens have buckets of their own.
    bob = await make_user("bob")
    r = await client.get("/api/v1/timelines/home", headers=bob.headers)
    assert r.status_code == 200
    assert remaining(r) == 4


@limits(rate_limit_token="2/3 seconds")
async def test_the_window_ends_and_calls_are_allowed_again(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    for _ in range(2):
        assert (await client.get("/api/v1/timelines/home", headers=alice.headers)).is_success
    refused = await client.get("/api/v1/timelines/home", headers=alice.headers)
    assert_refused(refused)
    wait = int(refused.headers["Retry-After"])
    assert wait <= 3
    await asyncio.sleep(wait)  # Retry-After is never earlier than the window's end
    again = await client.get("/api/v1/timelines/home", headers=alice.headers)
    assert again.status_code == 200
    assert remaining(again) == 1
    assert reset_of(again) > reset_of(refused)


async def test_anonymous_calls_count_per_address(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    for left in (4, 3, 2, 1, 0):
        r = await client.get("/api/v1/timelines/public")
        assert r.status_code == 200
        assert remaining(r) == left
    assert_refused(await client.get("/api/v1/timelines/public"))
    # A token that is not valid is counted as anonymous: it buys no fresh bucket.
    bogus = {"Authorization": "Bearer not-a-token"}
    assert_refused(await client.get("/api/v1/timelines/public", headers=bogus))
    # A valid token has its own bucket; the web pages and the OAuth pages are not limited.
    assert (await client.get("/api/v1/timelines/public", headers=alice.headers)).is_success
    page = await client.get("/")
    assert page.status_code == 200
    assert "X-RateLimit-Limit" not in page.headers
    # The token endpoint answers API clients: it is.
    assert_refused(await client.post("/oauth/token", data={"grant_type": "client_credentials"}))


@limits(rate_limit_token="100/1 hour", rate_limit_app="3/1 hour")
async def test_all_the_tokens_of_an_app_share_its_bucket(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")  # tokens of one app
    for user in (alice, bob, alice):
        assert (await client.get("/api/v1/timelines/home", headers=user.headers)).is_success
    refused = await client.get("/api/v1/timelines/home", headers=bob.headers)
    assert_refused(refused)
    assert refused.headers["X-RateLimit-Limit"] == "3"


async def _app_token(container: Container) -> dict[str, str]:
    new = await container.app_actions.do_create_app(
        name="signups", redirect_uris="urn:ietf:wg:oauth:2.0:oob", scopes="read write", website=None
    )
    _token, raw = await container.app_actions.do_issue_token(new.app.id, None, "read write")
    return {"Authorization": f"Bearer {raw}"}


def _registration(username: str) -> dict[str, str]:
    return {
        "username": username,
        "email": f"{username}@example.test",
        "password": "correct horse battery",
        "agreement": "true",
    }


async def test_sign_ups_per_address_api_and_web_form_together(
    client: httpx.AsyncClient, container: Container
) -> None:
    headers = await _app_token(container)
    first = await client.post("/api/v1/accounts", json=_registration("one"), headers=headers)
    assert first.status_code == 200, first.text
    web = await sign_up(client, "two")
    assert web.status_code == 303, web.text
    before = await row_counts(container.db)
    refused = await client.post("/api/v1/accounts", json=_registration("three"), headers=headers)
    assert_refused(refused)
    assert refused.headers["X-RateLimit-Limit"] == "2"
    client.cookies.clear()  # signed out again, as someone else at the same address
    page = await sign_up(client, "four")
    assert page.status_code == 429
    assert int(page.headers["Retry-After"]) >= 1
    assert "Too many sign-ups" in page.text
    assert await row_counts(container.db) == before


async def test_posting_counts_statuses_created_per_account(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice = await make_user("alice")
    posted = await client.post("/api/v1/statuses", json={"status": "one"}, headers=alice.headers)
    assert posted.status_code == 200
    # A refused post creates nothing and is not counted.
    empty = await client.post("/api/v1/statuses", json={"status": ""}, headers=alice.headers)
    assert empty.status_code == 422
    assert remaining(empty) == 1
    repost = await client.post(
        f"/api/v1/statuses/{posted.json()['id']}/reblog", headers=alice.headers
    )
    assert repost.status_code == 200
    assert repost.headers["X-RateLimit-Limit"] == "2"  # the tightest bucket is reported
    assert remaining(repost) == 0
    before = await row_counts(container.db)
    assert_refused(
        await client.post("/api/v1/statuses", json={"status": "three"}, headers=alice.headers)
    )
    assert await row_counts(container.db) == before
    # Per account, whatever the token: a second token of alice's is refused too.
    _token, raw = await container.app_actions.do_issue_token(
        (await _first_app_id(container, alice.token)), alice.id, "read write"
    )
    other = {"Authorization": f"Bearer {raw}"}
    assert_refused(await client.post("/api/v1/statuses", json={"status": "4"}, headers=other))
    # Reading is not posting.
    assert (await client.get("/api/v1/timelines/home", headers=alice.headers)).is_success


async def _first_app_id(container: Container, raw_token: str) -> int:
    caller = await container.token_reads.caller(raw_token)
    assert caller is not None
    return caller.app.id


async def test_media_uploads_per_account(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice = await make_user("alice")
    files = {"file": ("p.png", pictures.png(), "image/png")}
    first = await client.post("/api/v2/media", files=files, headers=alice.headers)
    assert first.status_code == 200, first.text
    before = await row_counts(container.db)
    assert_refused(await client.post("/api/v1/media", files=files, headers=alice.headers))
    assert await row_counts(container.db) == before


@limits(rate_limits_enabled=False)
async def test_turned_off_nothing_is_limited(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    for _ in range(8):
        r = await client.post("/api/v1/statuses", json={"status": "hi"}, headers=alice.headers)
        assert r.status_code == 200
        assert "X-RateLimit-Limit" not in r.headers
    for _ in range(8):
        assert (await client.get("/api/v1/timelines/public")).status_code == 200


@limits(rate_limit_token="", rate_limit_ip="")
async def test_the_console_changes_a_limit(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    """An admin raises the statuses limit from the server's 2 an hour to 4 (a new window
    opens for it), then gives the server's setting back (an empty value); a bad limit is
    refused and changes nothing."""
    admin = await make_user("boss", role="admin")
    alice = await make_user("alice")

    async def post(n: int) -> int:
        r = await client.post("/api/v1/statuses", json={"status": f"n{n}"}, headers=alice.headers)
        return r.status_code

    async def rules(limits: dict[str, str]) -> httpx.Response:
        return await client.put(
            "/api/v1/myna/admin/rules", headers=admin.headers, json={"rate_limits": limits}
        )

    assert [await post(n) for n in range(3)] == [200, 200, 429]
    r = await rules({"statuses": "4/1 hour"})
    assert r.status_code == 200 and r.json()["rate_limits"] == {"statuses": "4/1 hour"}
    # A changed limit counts in a window of its own, from nothing.
    assert [await post(n) for n in range(3, 7)] == [200, 200, 200, 200]
    assert await post(7) == 429
    r = await rules({"statuses": "plenty", "media": "1/1 hour"})
    assert r.status_code == 422 and "statuses" in r.json()["error"]
    r = await rules({"statuses": ""})
    assert r.status_code == 200 and r.json()["rate_limits"] == {}
    # The housekeeping sweep in another process would read the same: the stored rules.
    assert (await container.server_reads.current()).rate_limits == ()
