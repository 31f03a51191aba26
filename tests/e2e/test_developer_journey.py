"""Issue 8's acceptance: a third-party developer builds on Myna. In Chromium, against a real
`myna serve` with rate limits on (a tiny per-token limit), they sign up, register an app in
the developer portal, authorize it with authorization code + PKCE, call the API until it says
429 and again after the reset, subscribe a webhook in the portal, and watch a delivery fail,
be retried and be replayed, each signed so that their receiver can check it.

Screenshots of the portal's app page go to docs/screenshots/portal-en.png and portal-zh.png."""

import base64
import hashlib
import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser import open_person
from tests.e2e.conftest import running_server
from tests.e2e.test_browser import sign_up
from tests.webhook_receiver import Receiver, receiver

pytestmark = pytest.mark.e2e

TOKEN_LIMIT = 5
WAIT_LIMIT = 20.0  # seconds; reached only when something is wrong


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_server(
        tmp_path_factory.mktemp("developer"),
        worker=True,  # in scale mode webhook deliveries are jobs
        rate_limits_enabled="true",
        rate_limit_token=f"{TOKEN_LIMIT}/3 seconds",
        webhooks_allow_private="true",
        webhook_retry_base_seconds="1",
        housekeeping_interval_seconds="1",
    ) as base:
        yield base


@contextmanager
def callback_server() -> Iterator[str]:
    """A loopback page for the redirect URI: it only says "ok"; the test reads the URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/callback"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def eventually(check: Any, what: str) -> Any:
    """Polls `check` until it answers something true (fails after WAIT_LIMIT)."""
    deadline = time.monotonic() + WAIT_LIMIT
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def wait_for_requests(hooks: Receiver, count: int) -> None:
    eventually(lambda: len(hooks.received) >= count, f"{count} webhook requests")


def call(http: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """An API call that waits out a 429 (the tiny limit is not what these calls test)."""
    while True:
        r = http.request(method, path, **kwargs)
        if r.status_code != 429:
            return r
        time.sleep(int(r.headers["Retry-After"]))


def register_app(page: Page, redirect_uri: str) -> tuple[str, str, str]:
    """Registers an app in the portal; answers its page's path, client id and secret."""
    page.goto("/settings/profile")
    page.get_by_role("link", name="Developers").click()
    expect(page).to_have_url(re.compile(r"/developers$"))
    page.locator("#register-name").fill("Birdwatch")
    page.locator("#register-website").fill("https://birdwatch.example")
    page.locator("#register-redirect-uris").fill(redirect_uri)
    page.locator("#register-scope-write").check()  # `read` is ticked already
    page.get_by_role("button", name="Register").click()
    expect(page.locator("#client-id")).to_be_visible()
    client_id = page.locator("#client-id").inner_text()
    # The secret is behind a "Show" disclosure, opened with the keyboard.
    expect(page.locator("#client-secret")).to_be_hidden()
    page.locator("#client-secret-details summary").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#client-secret")).to_be_visible()
    secret = page.locator("#client-secret").inner_text()
    path = urlsplit(page.locator("form[action$='/rotate_secret']").get_attribute("action") or "")
    return path.path.removesuffix("/rotate_secret"), client_id, secret


def authorize(page: Page, base: str, client_id: str, redirect_uri: str) -> tuple[str, str]:
    """Authorization code + PKCE in the browser; answers the code and the verifier."""
    verifier, challenge = pkce()
    state = secrets.token_urlsafe(8)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": "read write",
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    page.goto(f"{base}/oauth/authorize?{query}")
    expect(page.locator("h1")).to_contain_text("Birdwatch")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{redirect_uri}?*")
    returned = parse_qs(urlsplit(page.url).query)
    assert returned["state"] == [state]
    return returned["code"][0], verifier


def test_a_developer_builds_on_myna(limited_server: str, browser: Browser, tmp_path: Path) -> None:
    base = limited_server
    dev = open_person(browser, base, "dev", "en-US")
    page = dev.page
    try:
        with callback_server() as redirect_uri, httpx.Client(base_url=base) as http:
            sign_up(page, "devi")
            app_path, client_id, client_secret = register_app(page, redirect_uri)
            code, verifier = authorize(page, base, client_id, redirect_uri)

            r = http.post(
                "/oauth/token",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                    "client_id": client_id,
                    "client_secret": client_secret,
                    "code_verifier": verifier,
                },
            )
            assert r.status_code == 200, r.text
            token = r.json()["access_token"]
            assert r.json()["scope"] == "read write"
            bearer = {"Authorization": f"Bearer {token}"}
            # A code works once.
            again = http.post(
                "/oauth/token",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                    "client_id": client_id,
                    "client_secret": client_secret,
                    "code_verifier": verifier,
                },
            )
            assert again.status_code == 400

            check_rate_limits(http, bearer)
            hooks_journey(page, http, bearer, app_path)

            # The usage chart counted the calls, the 429s among the errors.
            page.goto(app_path)
            label = page.locator("svg.usage-chart").get_attribute("aria-label") or ""
            match = re.search(r"(\d+) calls and (\d+) errors", label)
            assert match and int(match.group(1)) >= TOKEN_LIMIT + 2, label
            assert int(match.group(2)) >= 1, label
            dev.shot("portal-en")
            page.context.add_cookies([{"name": "myna_lang", "value": "zh_CN", "url": base}])
            page.reload()
            expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
            expect(page.get_by_role("heading", name="凭据")).to_be_visible()
            dev.shot("portal-zh")
        assert not dev.errors, dev.errors
    finally:
        dev.context.close()


def check_rate_limits(http: httpx.Client, bearer: dict[str, str]) -> None:
    """Calls until 429; the headers count down; after the reset, calls work again."""
    # Start at the beginning of a window, so the countdown is the whole limit.
    first = call(http, "GET", "/api/v1/accounts/verify_credentials", headers=bearer)
    assert first.status_code == 200
    reset = datetime.fromisoformat(first.headers["X-RateLimit-Reset"].replace("Z", "+00:00"))
    time.sleep(max(0.0, (reset - datetime.now(UTC)).total_seconds()) + 0.2)

    remaining: list[int] = []
    while True:
        sent = datetime.now(UTC)
        r = http.get("/api/v1/accounts/verify_credentials", headers=bearer)
        assert r.headers["X-RateLimit-Limit"] == str(TOKEN_LIMIT)
        if r.status_code == 429:
            break
        assert r.status_code == 200
        remaining.append(int(r.headers["X-RateLimit-Remaining"]))
        assert len(remaining) <= TOKEN_LIMIT, "no 429 past the limit"
    # Counting down to 0 (a window may have ended in between if the machine was slow).
    assert remaining[-1] == 0 and remaining == sorted(remaining, reverse=True)
    assert r.json()["error"]
    assert r.headers["X-RateLimit-Remaining"] == "0"
    reset = datetime.fromisoformat(r.headers["X-RateLimit-Reset"].replace("Z", "+00:00"))
    assert reset > sent  # ISO 8601 in UTC, when the window ends
    retry_after = int(r.headers["Retry-After"])
    assert 1 <= retry_after <= 3

    time.sleep(max(0.0, (reset - datetime.now(UTC)).total_seconds()) + 0.2)
    ok = http.get("/api/v1/accounts/verify_credentials", headers=bearer)
    assert ok.status_code == 200, ok.text
    assert int(ok.headers["X-RateLimit-Remaining"]) == TOKEN_LIMIT - 1


def hooks_journey(page: Page, http: httpx.Client, bearer: dict[str, str], app_path: str) -> None:
    with receiver() as hooks:
        hooks.answers = [500]  # the first delivery fails, the retry succeeds
        page.goto(app_path)
        page.locator("#webhook-url").fill(hooks.url)
        page.locator("#event-status-created").check()
        page.locator("#event-mention").check()
        page.get_by_role("button", name="Add webhook").click()
        expect(page.locator("#webhook-secret")).to_be_visible()
        hooks.secret = page.locator("#webhook-secret").inner_text()

        posted = call(
            http,
            "POST",
            "/api/v1/statuses",
            headers=bearer,
            data={"status": "Hello from Birdwatch #birds", "visibility": "public"},
        )
        assert posted.status_code == 200, posted.text
        status_id = posted.json()["id"]

        wait_for_requests(hooks, 2)
        first, retry = hooks.received[:2]
        for got in (first, retry):
            assert got.signature_ok
            assert got.json["event"] == "status.created"
            assert got.json["object"]["id"] == status_id
        assert first.headers["x-myna-delivery"] == retry.headers["x-myna-delivery"]

        # The portal shows the delivery: two attempts, delivered, last answer 200.
        page.goto(app_path)
        row = page.locator("tr.delivery").first
        expect(row.locator(".attempts")).to_have_text("2")
        expect(row).to_have_attribute("data-state", "delivered")
        expect(row).to_contain_text("200")

        row.get_by_role("button", name=re.compile("Replay")).click()
        expect(page.locator("p.saved")).to_contain_text("sent again")
        wait_for_requests(hooks, 3)
        replayed = hooks.received[2]
        assert replayed.signature_ok
        assert replayed.json["object"]["id"] == status_id
        assert replayed.headers["x-myna-delivery"] == first.headers["x-myna-delivery"]
        page.goto(app_path)
        expect(page.locator("tr.delivery").first.locator(".attempts")).to_have_text("3")
