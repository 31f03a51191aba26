"""Bad input gets the documented 4xx JSON error and writes nothing.

Every rejected request below is bracketed by `row_counts` to prove that no table changed."""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from myna.app import create_app as create_web_app
from myna.config import Settings
from myna.container import Container, build
from myna.lib import secrets
from myna.lib.clock import utcnow
from myna.lib.ids import new_id
from myna.models import OAuthToken
from myna.store import oauth as oauth_store
from tests.conftest import MakeUser, User, row_counts

OOB = "urn:ietf:wg:oauth:2.0:oob"
JSON_HEADERS = {"Content-Type": "application/json"}

Counts = Callable[[], Awaitable[dict[str, int]]]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Authlib refuses plain-http public URLs other than loopback: this instance is https."""
    return settings.model_copy(update={"base_url": "https://testserver"})


@pytest.fixture
def counts(container: Container) -> Counts:
    async def read() -> dict[str, int]:
        return await row_counts(container.db)

    return read


def assert_error(response: httpx.Response, status: int, *fragments: str) -> dict[str, Any]:
    """A JSON error body with `error` set, the given status, and each fragment in the message."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert isinstance(body, dict)
    assert isinstance(body.get("error"), str) and body["error"], body
    for fragment in fragments:
        assert fragment in body["error"], body
    return body


async def post_status(
    client: httpx.AsyncClient, user: User, text: str, **extra: Any
) -> dict[str, Any]:
    r = await client.post("/api/v1/statuses", json={"status": text, **extra}, headers=user.headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def create_app(
    client: httpx.AsyncClient, scopes: str = "read write follow push"
) -> dict[str, Any]:
    r = await client.post(
        "/api/v1/apps", json={"client_name": "bad input", "redirect_uris": OOB, "scopes": scopes}
    )
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def token_for(client: httpx.AsyncClient, app: dict[str, Any], **grant: str) -> str:
    form = {"client_id": app["client_id"], "client_secret": app["client_secret"], **grant}
    r = await client.post("/oauth/token", data=form)
    assert r.status_code == 200, r.text
    return r.json()["access_token"]  # type: ignore[no-any-return]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- POST /api/v1/statuses: bodies that cannot be read --------------------------------------

UNREADABLE_BODIES = [
    pytest.param(
        {"content": b'{"status": ', "headers": JSON_HEADERS}, "Malformed JSON", id="truncated-json"
    ),
    pytest.param(
        {"content": b"{status: 'x'}", "headers": JSON_HEADERS}, "Malformed JSON", id="not-json"
    ),
    pytest.param(
        {"content": b"\xff\xfe\x00", "headers": JSON_HEADERS}, "Malformed JSON", id="binary-json"
    ),
    pytest.param({"content": b'["hello"]', "headers": JSON_HEADERS}, "object", id="json-array"),
    pytest.param({"content": b'"hello"', "headers": JSON_HEADERS}, "object", id="json-string"),
    pytest.param({"content": b"42", "headers": JSON_HEADERS}, "object", id="json-number"),
    pytest.param(
        {
            "content": b'--xyz\r\nContent-Disposition: form-data; name="status"\r\n\r\nhello',
            "headers": {"Content-Type": "multipart/form-data; boundary=xyz"},
        },
        "Malformed form",
        id="multipart-unterminated",
    ),
    pytest.param(
        {
            "content": (
                b'--xyz\r\nContent-Disposition: form-data; name="status"\r\n\r\nsecret plans\r\n'
                b'--xyz\r\nContent-Disposition: form-data; name="visibility"\r\n\r\ndirect'
            ),
            "headers": {"Content-Type": "multipart/form-data; boundary=xyz"},
        },
        "Malformed form",
        id="multipart-cut-before-visibility",  # must not post "secret plans" publicly
    ),
    pytest.param(
        {"content": b"status=hello", "headers": {"Content-Type": "multipart/form-data"}},
        "Malformed form",
        id="multipart-no-boundary",
    ),
    pytest.param(
        {
            "content": b"garbage without any boundary",
            "headers": {"Content-Type": "multipart/form-data; boundary=xyz"},
        },
        "Malformed form",
        id="multipart-garbage",
    ),
]


@pytest.mark.parametrize(("request_kwargs", "message"), UNREADABLE_BODIES)
async def test_unreadable_status_body_is_400(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    counts: Counts,
    request_kwargs: dict[str, Any],
    message: str,
) -> None:
    alice = await make_user("alice")
    kwargs = {**request_kwargs, "headers": {**request_kwargs["headers"], **alice.headers}}
    before = await counts()
    r = await client.post("/api/v1/statuses", **kwargs)
    assert_error(r, 400, message)
    assert await counts() == before


# --- POST /api/v1/statuses: well-formed but unacceptable ------------------------------------

REJECTED_STATUSES = [
    # wrong types for `status`
    pytest.param({"status": {"text": "hi"}}, "status must be a string", id="status-object"),
    pytest.param({"status": ["hi"]}, "status", id="status-list"),
    pytest.param({"status": True}, "status must be a string", id="status-bool"),
    # blank text
    pytest.param({"status": ""}, "can't be blank", id="empty"),
    pytest.param({"status": "   "}, "can't be blank", id="spaces"),
    pytest.param(
        {"status": "\n\t \u3000"}, "can't be blank", id="whitespace-and-ideographic-space"
    ),
    pytest.param({"status": None}, "can't be blank", id="null"),
    pytest.param({}, "can't be blank", id="missing"),
    # over the limit: the message gives the count and the limit
    pytest.param({"status": "好" * 141}, "141 units", id="141-chinese"),
    pytest.param({"status": "a" * 281}, "141 units", id="281-ascii"),
    pytest.param({"status": "好" * 200}, "200 units", id="200-chinese"),
    pytest.param({"status": "好" * 100, "spoiler_text": "注" * 41}, "141 units", id="with-spoiler"),
    pytest.param({"status": "x" * 200_000}, "too long", id="huge"),
    # other fields
    pytest.param(
        {"status": "hi", "visibility": "secret"}, "visibility must be one of", id="visibility"
    ),
    pytest.param(
        {"status": "hi", "visibility": "Public"}, "visibility must be one of", id="visibility-case"
    ),
    pytest.param(
        {"status": "hi", "visibility": 3}, "visibility must be one of", id="visibility-number"
    ),
    pytest.param({"status": "hi", "visibility": ["public"]}, "visibility", id="visibility-list"),
    pytest.param(
        {"status": "hi", "sensitive": "maybe"}, "sensitive must be a boolean", id="sensitive"
    ),
    pytest.param(
        {"status": "hi", "sensitive": {"a": 1}},
        "sensitive must be a boolean",
        id="sensitive-object",
    ),
    pytest.param(
        {"status": "hi", "in_reply_to_id": "abc"}, "in_reply_to_id must be an id", id="reply-abc"
    ),
    pytest.param(
        {"status": "hi", "in_reply_to_id": "-5"},
        "in_reply_to_id must be an id",
        id="reply-negative",
    ),
    pytest.param(
        {"status": "hi", "in_reply_to_id": 1.5}, "in_reply_to_id must be an id", id="reply-float"
    ),
    pytest.param(
        {"status": "hi", "in_reply_to_id": True}, "in_reply_to_id must be an id", id="reply-bool"
    ),
    pytest.param(
        {"status": "hi", "in_reply_to_id": "99999999999999999999"},
        "in_reply_to_id must be an id",
        id="reply-huge",
    ),
    pytest.param({"status": "hi", "language": "en us!"}, "Language", id="language"),
    pytest.param({"status": "hi", "media_ids": ["1"]}, "Media 1 not found", id="media"),
    pytest.param(
        {"status": "hi", "media_ids": ["x"]}, "media_ids must be a list of ids", id="media-x"
    ),
]


@pytest.mark.parametrize(("body", "message"), REJECTED_STATUSES)
async def test_rejected_status_is_422_and_writes_nothing(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    counts: Counts,
    body: dict[str, Any],
    message: str,
) -> None:
    alice = await make_user("alice")
    before = await counts()
    r = await client.post("/api/v1/statuses", json=body, headers=alice.headers)
    assert_error(r, 422, message)
    assert await counts() == before


async def test_over_long_text_message_names_count_and_limit(
    client: httpx.AsyncClient, make_user: MakeUser, counts: Counts
) -> None:
    alice = await make_user("alice")
    before = await counts()
    r = await client.post("/api/v1/statuses", json={"status": "好" * 141}, headers=alice.headers)
    body = assert_error(r, 422)
    assert "141" in body["error"] and "140" in body["error"]
    assert await counts() == before


@pytest.mark.parametrize(
    "form",
    [
        pytest.param({"status": "好" * 141}, id="urlencoded-too-long"),
        pytest.param({"status": "hi", "visibility": "everyone"}, id="urlencoded-visibility"),
        pytest.param({"status": "hi", "sensitive": "maybe"}, id="urlencoded-sensitive"),
        pytest.param({"status": "hi", "in_reply_to_id": "abc"}, id="urlencoded-reply"),
        pytest.param({"status": " "}, id="urlencoded-blank"),
    ],
)
async def test_rejected_form_status_is_422(
    client: httpx.AsyncClient, make_user: MakeUser, counts: Counts, form: dict[str, str]
) -> None:
    alice = await make_user("alice")
    before = await counts()
    assert_error(await client.post("/api/v1/statuses", data=form, headers=alice.headers), 422)
    before_multipart = await counts()
    assert before_multipart == before
    files = {key: (None, value) for key, value in form.items()}
    assert_error(await client.post("/api/v1/statuses", files=files, headers=alice.headers), 422)
    assert await counts() == before


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("好" * 140, 140),
        ("a" * 280, 140),
        ("a" * 279, 140),
        ("https://example.com/" + "x" * 500, 10),
    ],
)
async def test_text_at_the_limit_is_accepted(
    client: httpx.AsyncClient, make_user: MakeUser, text: str, units: int
) -> None:
    alice = await make_user("alice")
    status = await post_status(client, alice, text)
    assert status["account"]["id"] == str(alice.id)
    r = await client.get(f"/api/v1/statuses/{status['id']}", headers=alice.headers)
    assert r.status_code == 200


@pytest.mark.parametrize(("value", "text"), [(5, "5"), (2.5, "2.5")])
async def test_number_as_status_text_is_accepted(
    client: httpx.AsyncClient, make_user: MakeUser, counts: Counts, value: float, text: str
) -> None:
    """Some clients send numeric-looking text as a JSON number: it is still text."""
    alice = await make_user("alice")
    before = await counts()
    r = await client.post("/api/v1/statuses", json={"status": value}, headers=alice.headers)
    assert r.status_code == 200, r.text
    assert f"<p>{text}</p>" == r.json()["content"]
    assert (await counts())["statuses"] == before["statuses"] + 1


async def test_reply_to_unknown_status_is_404(
    client: httpx.AsyncClient, make_user: MakeUser, counts: Counts
) -> None:
    alice = await make_user("alice")
    before = await counts()
    r = await client.post(
        "/api/v1/statuses", json={"status": "hi", "in_reply_to_id": "999"}, headers=alice.headers
    )
    assert_error(r, 404)
    assert await counts() == before


@pytest.mark.parametrize("visibility", ["private", "direct"])
async def test_reply_to_a_post_the_caller_cannot_see_is_404(
    client: httpx.AsyncClient, make_user: MakeUser, counts: Counts, visibility: str
) -> None:
    alice = await make_user("alice")
    mallory = await make_user("mallory")
    hidden = await post_status(client, alice, "only for my followers", visibility=visibility)
    before = await counts()
    r = await client.post(
        "/api/v1/statuses",
        json={"status": "hi", "in_reply_to_id": hidden["id"]},
        headers=mallory.headers,
    )
    missing = await client.post(
        "/api/v1/statuses", json={"status": "hi", "in_reply_to_id": "999"}, headers=mallory.headers
    )
    # forbidden and missing look the same
    assert assert_error(r, 404) == assert_error(missing, 404)
    assert await counts() == before


# --- tokens ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-token"),
        pytest.param({"Authorization": "Bearer not-a-real-token"}, id="garbage"),
        pytest.param({"Authorization": "Bearer "}, id="empty-bearer"),
        pytest.param({"Authorization": "Basic dXNlcjpwYXNz"}, id="basic"),
    ],
)
async def test_missing_or_garbage_token_is_401(
    client: httpx.AsyncClient, make_user: MakeUser, counts: Counts, headers: dict[str, str]
) -> None:
    await make_user("alice")
    before = await counts()
    r = await client.post("/api/v1/statuses", json={"status": "hi"}, headers=headers)
    assert_error(r, 401)
    assert await counts() == before
    assert_error(await client.get("/api/v1/timelines/home", headers=headers), 401)


async def test_garbage_token_on_an_anonymous_endpoint_is_401(client: httpx.AsyncClient) -> None:
    """A client must learn its token died even where anonymous reading is allowed."""
    assert (await client.get("/api/v1/timelines/public")).status_code == 200
    r = await client.get("/api/v1/timelines/public", headers=bearer("not-a-real-token"))
    assert_error(r, 401)


async def test_revoked_token_is_401(
    client: httpx.AsyncClient, make_user: MakeUser, counts: Counts
) -> None:
    alice = await make_user("alice")
    app = await create_app(client)
    token = await token_for(
        client,
        app,
        grant_type="password",
        username="alice",
        password=alice.password,
        scope="read write",
    )
    r = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert r.status_code == 200 and r.json()["id"] == str(alice.id)

    r = await client.post(
        "/oauth/revoke",
        data={"client_id": app["client_id"], "client_secret": app["client_secret"], "token": token},
    )
    assert r.status_code == 200, r.text

    before = await counts()
    assert_error(
        await client.post("/api/v1/statuses", json={"status": "hi"}, headers=bearer(token)), 401
    )
    assert_error(
        await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token)), 401
    )
    assert await counts() == before


async def test_expired_token_is_401(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser, counts: Counts
) -> None:
    alice = await make_user("alice")
    app = await create_app(client)
    raw = secrets.new_token()
    now = utcnow()
    async with container.db.transaction() as session:
        app_id = (await oauth_store.app_by_client_id(session, app["client_id"])).id  # type: ignore[union-attr]
        await oauth_store.add_token(
            session,
            OAuthToken(
                id=new_id(),
                app_id=app_id,
                account_id=alice.id,
                token_digest=secrets.digest(raw),
                scopes="read write",
                created_at=now - timedelta(days=2),
                expires_at=now - timedelta(seconds=1),
            ),
        )
    before = await counts()
    assert_error(
        await client.post("/api/v1/statuses", json={"status": "hi"}, headers=bearer(raw)), 401
    )
    assert_error(await client.get("/api/v1/accounts/verify_credentials", headers=bearer(raw)), 401)
    assert await counts() == before


async def test_token_with_a_lifetime_reports_it(make_user: MakeUser, settings: Settings) -> None:
    """With access_token_ttl_days set, the token endpoint gives the lifetime; the token works."""
    alice = await make_user("alice")
    limited = settings.model_copy(update={"access_token_ttl_days": 1})
    services = build(limited)
    transport = httpx.ASGITransport(app=create_web_app(limited, services))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        app = await create_app(other)
        r = await other.post(
            "/oauth/token",
            data={
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
                "grant_type": "password",
                "username": "alice",
                "password": alice.password,
            },
        )
        assert r.status_code == 200, r.text
        assert r.json()["expires_in"] == 86_400
        r = await other.get(
            "/api/v1/accounts/verify_credentials", headers=bearer(r.json()["access_token"])
        )
        assert r.status_code == 200
    await services.close()


@pytest.mark.parametrize(
    ("scopes", "method", "path", "body"),
    [
        ("read", "POST", "/api/v1/statuses", {"status": "hi"}),
        ("read:statuses", "POST", "/api/v1/statuses", {"status": "hi"}),
        ("write:favourites", "POST", "/api/v1/statuses", {"status": "hi"}),
        ("read", "POST", "/api/v1/accounts/{bob}/follow", None),
        ("write:statuses", "POST", "/api/v1/accounts/{bob}/follow", None),
        ("write", "GET", "/api/v1/timelines/home", None),
        ("read:accounts", "GET", "/api/v1/timelines/home", None),
        ("read:statuses", "GET", "/api/v1/notifications", None),
    ],
)
async def test_under_scoped_token_is_403(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    counts: Counts,
    scopes: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    bob = await make_user("bob")
    alice = await make_user("alice", scopes=scopes)
    before = await counts()
    r = await client.request(method, path.format(bob=bob.id), json=body, headers=alice.headers)
    assert_error(r, 403, "scope")
    assert await counts() == before


async def test_app_only_token_cannot_read_home(client: httpx.AsyncClient, counts: Counts) -> None:
    app = await create_app(client)
    token = await token_for(client, app, grant_type="client_credentials", scope="read write")
    r = await client.get("/api/v1/apps/verify_credentials", headers=bearer(token))
    assert r.status_code == 200
    before = await counts()
    assert_error(await client.get("/api/v1/timelines/home", headers=bearer(token)), 422, "user")
    assert_error(
        await client.post("/api/v1/statuses", json={"status": "hi"}, headers=bearer(token)),
        422,
        "user",
    )
    assert await counts() == before


# --- unknown or foreign ids ----------------------------------------------------------------

UNKNOWN = [
    ("GET", "/api/v1/statuses/999"),
    ("GET", "/api/v1/statuses/abc"),
    ("GET", "/api/v1/statuses/-1"),
    ("GET", "/api/v1/statuses/99999999999999999999999"),
    ("GET", "/api/v1/statuses/999/context"),
    ("GET", "/api/v1/statuses/999/favourited_by"),
    ("GET", "/api/v1/statuses/999/reblogged_by"),
    ("DELETE", "/api/v1/statuses/999"),
    ("POST", "/api/v1/statuses/999/favourite"),
    ("POST", "/api/v1/statuses/999/unfavourite"),
    ("POST", "/api/v1/statuses/999/reblog"),
    ("POST", "/api/v1/statuses/abc/reblog"),
    ("POST", "/api/v1/statuses/999/unreblog"),
    ("GET", "/api/v1/accounts/999"),
    ("GET", "/api/v1/accounts/abc"),
    ("GET", "/api/v1/accounts/0"),
    ("GET", "/api/v1/accounts/999/statuses"),
    ("GET", "/api/v1/accounts/999/followers"),
    ("GET", "/api/v1/accounts/999/following"),
    ("POST", "/api/v1/accounts/999/follow"),
    ("POST", "/api/v1/accounts/abc/follow"),
    ("POST", "/api/v1/accounts/999/unfollow"),
    ("POST", "/api/v1/accounts/999/block"),
    ("POST", "/api/v1/accounts/999/mute"),
    ("POST", "/api/v1/follow_requests/999/authorize"),
    ("POST", "/api/v1/follow_requests/999/reject"),
    ("GET", "/api/v1/notifications/999"),
    ("POST", "/api/v1/notifications/999/dismiss"),
    ("POST", "/api/v1/notifications/abc/dismiss"),
]


@pytest.mark.parametrize(("method", "path"), UNKNOWN)
async def test_unknown_ids_are_404(
    client: httpx.AsyncClient, make_user: MakeUser, counts: Counts, method: str, path: str
) -> None:
    alice = await make_user("alice")
    await post_status(client, alice, "something to not find")
    before = await counts()
    assert_error(await client.request(method, path, headers=alice.headers), 404, "not found")
    assert await counts() == before


async def test_acting_on_a_hidden_status_is_404(
    client: httpx.AsyncClient, make_user: MakeUser, counts: Counts
) -> None:
    alice = await make_user("alice")
    mallory = await make_user("mallory")
    hidden = await post_status(client, alice, "followers only", visibility="private")
    before = await counts()
    for action in ("favourite", "reblog", "unfavourite", "unreblog", "context"):
        method = "GET" if action == "context" else "POST"
        r = await client.request(
            method, f"/api/v1/statuses/{hidden['id']}/{action}", headers=mallory.headers
        )
        assert_error(r, 404)
    assert_error(await client.get(f"/api/v1/statuses/{hidden['id']}", headers=mallory.headers), 404)
    assert_error(
        await client.delete(f"/api/v1/statuses/{hidden['id']}", headers=mallory.headers), 404
    )
    assert await counts() == before


async def test_deleting_someone_elses_public_status_is_404(
    client: httpx.AsyncClient, make_user: MakeUser, counts: Counts
) -> None:
    alice = await make_user("alice")
    mallory = await make_user("mallory")
    status = await post_status(client, alice, "mine")
    before = await counts()
    assert_error(
        await client.delete(f"/api/v1/statuses/{status['id']}", headers=mallory.headers), 404
    )
    assert await counts() == before
    assert (await client.get(f"/api/v1/statuses/{status['id']}")).status_code == 200


async def test_authorizing_someone_who_did_not_ask_is_404(
    client: httpx.AsyncClient, make_user: MakeUser, counts: Counts
) -> None:
    alice = await make_user("alice", locked=True)
    bob = await make_user("bob")
    before = await counts()
    for action in ("authorize", "reject"):
        r = await client.post(f"/api/v1/follow_requests/{bob.id}/{action}", headers=alice.headers)
        assert_error(r, 404)
    assert await counts() == before
    r = await client.get(f"/api/v1/accounts/relationships?id[]={alice.id}", headers=bob.headers)
    assert r.json()[0]["following"] is False


async def test_dismissing_another_users_notification_is_404(
    client: httpx.AsyncClient, make_user: MakeUser, counts: Counts
) -> None:
    alice = await make_user("alice")
    bob = await make_user("bob")
    mallory = await make_user("mallory")
    await post_status(client, bob, "hello @alice")
    r = await client.get("/api/v1/notifications", headers=alice.headers)
    [notification] = r.json()
    nid = notification["id"]

    before = await counts()
    assert_error(
        await client.post(f"/api/v1/notifications/{nid}/dismiss", headers=mallory.headers), 404
    )
    assert_error(
        await client.post(
            "/api/v1/notifications/dismiss", json={"id": nid}, headers=mallory.headers
        ),
        404,
    )
    assert_error(await client.get(f"/api/v1/notifications/{nid}", headers=mallory.headers), 404)
    assert await counts() == before

    r = await client.get(f"/api/v1/notifications/{nid}", headers=alice.headers)
    assert r.status_code == 200 and r.json()["id"] == nid
    r = await client.get("/api/v1/notifications", headers=alice.headers)
    assert [n["id"] for n in r.json()] == [nid]


# --- routes and methods ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/nothing-here", 404),
        ("GET", "/api/v9/statuses", 404),
        ("POST", "/api/v1/timelines/nothing", 404),
        ("DELETE", "/api/v1/timelines/home", 405),
        ("PUT", "/api/v1/statuses", 405),
        ("GET", "/api/v1/apps", 405),
        ("GET", "/oauth/token", 405),
        ("POST", "/api/v1/instance", 405),
    ],
)
async def test_unknown_routes_and_wrong_methods_are_json(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    counts: Counts,
    method: str,
    path: str,
    status: int,
) -> None:
    alice = await make_user("alice")
    before = await counts()
    assert_error(await client.request(method, path, headers=alice.headers), status)
    assert await counts() == before


# --- registration through the API ---------------------------------------------------------


@pytest.fixture
async def app_token(client: httpx.AsyncClient) -> str:
    app = await create_app(client)
    return await token_for(client, app, grant_type="client_credentials", scope="read write")


GOOD_REGISTRATION = {
    "username": "newcomer",
    "email": "newcomer@example.test",
    "password": "a long enough password",
    "agreement": True,
    "locale": "zh-CN",
}

BAD_REGISTRATIONS = [
    pytest.param({"username": "ALICE"}, "username", "ERR_TAKEN", id="taken-other-case"),
    pytest.param({"username": "Alice"}, "username", "ERR_TAKEN", id="taken-capitalised"),
    pytest.param({"email": "ALICE@example.test"}, "email", "ERR_TAKEN", id="email-taken"),
    pytest.param({"username": "bad name"}, "username", "ERR_INVALID", id="space"),
    pytest.param({"username": "a" * 31}, "username", "ERR_INVALID", id="31-chars"),
    pytest.param({"username": "名字"}, "username", "ERR_INVALID", id="cjk"),
    pytest.param({"username": "bad-name"}, "username", "ERR_INVALID", id="hyphen"),
    pytest.param({"username": ""}, "username", "ERR_BLANK", id="blank-username"),
    pytest.param({"username": "admin"}, "username", "ERR_RESERVED", id="reserved"),
    pytest.param({"password": "short"}, "password", "ERR_TOO_SHORT", id="short-password"),
    pytest.param({"password": ""}, "password", "ERR_BLANK", id="blank-password"),
    pytest.param({"email": "not-an-email"}, "email", "ERR_INVALID", id="bad-email"),
    pytest.param({"email": "a@b"}, "email", "ERR_INVALID", id="email-no-dot"),
    pytest.param({"email": ""}, "email", "ERR_BLANK", id="blank-email"),
    pytest.param({"agreement": False}, "agreement", "ERR_ACCEPTED", id="agreement-false"),
    pytest.param({"agreement": None}, "agreement", "ERR_ACCEPTED", id="agreement-missing"),
]


@pytest.mark.parametrize(("change", "field", "code"), BAD_REGISTRATIONS)
async def test_bad_registration_is_422(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    counts: Counts,
    app_token: str,
    change: dict[str, Any],
    field: str,
    code: str,
) -> None:
    await make_user("alice")
    body = {k: v for k, v in {**GOOD_REGISTRATION, **change}.items() if v is not None}
    before = await counts()
    r = await client.post("/api/v1/accounts", json=body, headers=bearer(app_token))
    result = assert_error(r, 422, field)
    assert result["details"][field][0]["error"] == code
    assert await counts() == before


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({**GOOD_REGISTRATION, "username": {"a": 1}}, id="username-object"),
        pytest.param({**GOOD_REGISTRATION, "agreement": "perhaps"}, id="agreement-word"),
        pytest.param({**GOOD_REGISTRATION, "password": ["x" * 10]}, id="password-list"),
    ],
)
async def test_registration_with_wrong_types_is_422(
    client: httpx.AsyncClient, counts: Counts, app_token: str, body: dict[str, Any]
) -> None:
    before = await counts()
    assert_error(await client.post("/api/v1/accounts", json=body, headers=bearer(app_token)), 422)
    assert await counts() == before


async def test_good_registration_control(
    client: httpx.AsyncClient, counts: Counts, app_token: str
) -> None:
    """The same request the rejections start from is accepted, so they fail for their reason."""
    before = await counts()
    r = await client.post("/api/v1/accounts", json=GOOD_REGISTRATION, headers=bearer(app_token))
    assert r.status_code == 200, r.text
    assert (await counts())["accounts"] == before["accounts"] + 1
    r = await client.get(
        "/api/v1/accounts/verify_credentials", headers=bearer(r.json()["access_token"])
    )
    assert r.json()["username"] == "newcomer"


async def test_registration_needs_an_app_token(
    client: httpx.AsyncClient, make_user: MakeUser, counts: Counts
) -> None:
    alice = await make_user("alice")
    before = await counts()
    assert_error(await client.post("/api/v1/accounts", json=GOOD_REGISTRATION), 401)
    assert_error(
        await client.post("/api/v1/accounts", json=GOOD_REGISTRATION, headers=alice.headers), 403
    )
    assert await counts() == before


# --- apps ---------------------------------------------------------------------------------

GOOD_APP = {"client_name": "my client", "redirect_uris": OOB, "scopes": "read write"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param({"redirect_uris": OOB}, "client_name", id="no-name"),
        pytest.param({**GOOD_APP, "client_name": "  "}, "client_name", id="blank-name"),
        pytest.param({**GOOD_APP, "client_name": {"x": 1}}, "client_name", id="name-object"),
        pytest.param({"client_name": "x"}, "Redirect URI", id="no-redirect"),
        pytest.param({**GOOD_APP, "redirect_uris": "not a uri"}, "Redirect URI", id="bad-redirect"),
        pytest.param(
            {**GOOD_APP, "redirect_uris": "https://a.example/cb#frag"},
            "Redirect URI",
            id="fragment",
        ),
        pytest.param(
            {**GOOD_APP, "scopes": "read admin:everything"}, "admin:everything", id="unknown-scope"
        ),
        pytest.param({**GOOD_APP, "scopes": "reed"}, "reed", id="typo-scope"),
        pytest.param({**GOOD_APP, "website": "javascript:alert(1)"}, "Website", id="bad-website"),
    ],
)
async def test_bad_app_is_422(
    client: httpx.AsyncClient, counts: Counts, body: dict[str, Any], message: str
) -> None:
    before = await counts()
    assert_error(await client.post("/api/v1/apps", json=body), 422, message)
    if all(isinstance(value, str) for value in body.values()):
        assert_error(await client.post("/api/v1/apps", data=body), 422, message)
    assert await counts() == before


async def test_good_app_control(client: httpx.AsyncClient, counts: Counts) -> None:
    before = await counts()
    r = await client.post("/api/v1/apps", json=GOOD_APP)
    assert r.status_code == 200, r.text
    assert r.json()["scopes"] == ["read", "write"]
    assert (await counts())["oauth_apps"] == before["oauth_apps"] + 1


# --- Idempotency-Key ----------------------------------------------------------------------


async def test_repeated_idempotency_key_returns_the_first_status(
    client: httpx.AsyncClient, make_user: MakeUser, counts: Counts
) -> None:
    alice = await make_user("alice")
    headers = {**alice.headers, "Idempotency-Key": "key-1"}
    first = await client.post("/api/v1/statuses", json={"status": "once"}, headers=headers)
    assert first.status_code == 200, first.text
    after_first = await counts()
    second = await client.post("/api/v1/statuses", json={"status": "once"}, headers=headers)
    assert second.status_code == first.status_code
    assert second.json()["id"] == first.json()["id"]
    # even with a different body: the key decides
    third = await client.post("/api/v1/statuses", data={"status": "twice?"}, headers=headers)
    assert third.status_code == 200 and third.json()["id"] == first.json()["id"]
    assert await counts() == after_first
    r = await client.get(f"/api/v1/accounts/{alice.id}/statuses", headers=alice.headers)
    assert [s["id"] for s in r.json()] == [first.json()["id"]]
    assert r.json()[0]["account"]["statuses_count"] == 1


async def test_idempotency_key_is_per_user(
    client: httpx.AsyncClient, make_user: MakeUser, counts: Counts
) -> None:
    alice = await make_user("alice")
    bob = await make_user("bob")
    before = await counts()
    a = await client.post(
        "/api/v1/statuses", json={"status": "a"}, headers={**alice.headers, "Idempotency-Key": "k"}
    )
    b = await client.post(
        "/api/v1/statuses", json={"status": "b"}, headers={**bob.headers, "Idempotency-Key": "k"}
    )
    assert a.status_code == b.status_code == 200
    assert a.json()["id"] != b.json()["id"]
    assert a.json()["account"]["id"] == str(alice.id) and b.json()["account"]["id"] == str(bob.id)
    assert (await counts())["statuses"] == before["statuses"] + 2


async def test_different_idempotency_keys_post_twice(
    client: httpx.AsyncClient, make_user: MakeUser, counts: Counts
) -> None:
    alice = await make_user("alice")
    before = await counts()
    for key in ("k1", "k2"):
        r = await client.post(
            "/api/v1/statuses",
            json={"status": "same"},
            headers={**alice.headers, "Idempotency-Key": key},
        )
        assert r.status_code == 200
    assert (await counts())["statuses"] == before["statuses"] + 2


async def test_rejected_post_does_not_spend_its_idempotency_key(
    client: httpx.AsyncClient, make_user: MakeUser, counts: Counts
) -> None:
    alice = await make_user("alice")
    headers = {**alice.headers, "Idempotency-Key": "retry-me"}
    before = await counts()
    assert_error(
        await client.post("/api/v1/statuses", json={"status": "好" * 141}, headers=headers), 422
    )
    assert await counts() == before
    r = await client.post("/api/v1/statuses", json={"status": "fixed"}, headers=headers)
    assert r.status_code == 200 and "fixed" in r.json()["content"]


async def test_over_long_idempotency_key_is_422(
    client: httpx.AsyncClient, make_user: MakeUser, counts: Counts
) -> None:
    alice = await make_user("alice")
    before = await counts()
    r = await client.post(
        "/api/v1/statuses",
        json={"status": "hi"},
        headers={**alice.headers, "Idempotency-Key": "k" * 201},
    )
    assert_error(r, 422, "Idempotency-Key")
    assert await counts() == before


# --- paging parameters --------------------------------------------------------------------


PAGED = [
    "/api/v1/timelines/home",
    "/api/v1/timelines/public",
    "/api/v1/timelines/tag/cats",
    "/api/v1/notifications",
    "/api/v1/follow_requests",
    "/api/v1/accounts/{me}/statuses",
    "/api/v1/accounts/{me}/followers",
]


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("limit=abc", "limit"),
        ("limit=1.5", "limit"),
        ("limit=0", "limit"),
        ("limit=-3", "limit"),
        ("max_id=abc", "max_id"),
        ("since_id=x", "since_id"),
        ("min_id=-1", "min_id"),
    ],
)
async def test_bad_paging_parameters_are_422(
    client: httpx.AsyncClient, make_user: MakeUser, query: str, name: str
) -> None:
    alice = await make_user("alice")
    for path in PAGED:
        r = await client.get(f"{path.format(me=alice.id)}?{query}", headers=alice.headers)
        assert_error(r, 422, name)


async def test_large_limit_is_capped(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    alice = await make_user("alice")
    for n in range(45):
        await post_status(client, alice, f"post {n}")
    for path in (
        "/api/v1/timelines/home",
        "/api/v1/timelines/public",
        f"/api/v1/accounts/{alice.id}/statuses",
    ):
        r = await client.get(f"{path}?limit=1000", headers=alice.headers)
        assert r.status_code == 200, r.text
        assert len(r.json()) == 40, path
        r = await client.get(f"{path}?limit=41", headers=alice.headers)
        assert len(r.json()) == 40, path
        r = await client.get(f"{path}?limit=3", headers=alice.headers)
        assert len(r.json()) == 3, path


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        # Found by schemathesis: Authlib cannot echo these in an error description.
        ("GET", "/oauth/authorize", {"client_id": "`", "response_type": "3\x06kE\x07"}),
        ("POST", "/oauth/authorize", {"client_id": "`", "response_type": "\x01"}),
        ("POST", "/oauth/token", {"grant_type": "\x01", "client_id": "x"}),
    ],
)
async def test_oauth_parameters_with_control_characters_are_400(
    client: httpx.AsyncClient, counts: Counts, method: str, path: str, params: dict[str, str]
) -> None:
    before = await counts()
    if method == "GET":
        r = await client.get(path, params=params)
    else:
        r = await client.post(path, data=params)
    assert r.status_code == 400, r.text
    assert r.json()["error"] in ("invalid_request", "unsupported_grant_type")
    assert await counts() == before
