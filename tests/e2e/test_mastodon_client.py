"""Mastodon.py 2.x, the library third-party clients use, against a real `myna serve` process:
registration, the OAuth grants (password, authorization code with and without PKCE), posting in
Chinese and English, following, reading, replying, reposting, quoting, liking, notifications
and Link-header paging."""

import base64
import hashlib
import re
import secrets
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from mastodon import Mastodon
from mastodon.errors import MastodonNotFoundError

pytestmark = pytest.mark.e2e

SCOPES = ["read", "write", "follow", "push"]
OOB = "urn:ietf:wg:oauth:2.0:oob"
# Port 9 (discard) on loopback: nothing listens, and the test never follows the redirect.
CALLBACK = "http://127.0.0.1:9/callback"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def credentials(server: str) -> tuple[str, str]:
    """One registered client application, as (client_id, client_secret)."""
    return Mastodon.create_app(
        "Myna e2e", api_base_url=server, scopes=SCOPES, redirect_uris=[OOB, CALLBACK]
    )


def _unauthenticated(server: str, credentials: tuple[str, str]) -> Mastodon:
    client_id, client_secret = credentials
    return Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=server)


def _register(server: str, credentials: tuple[str, str], username: str) -> Mastodon:
    api = _unauthenticated(server, credentials)
    token = api.create_account(
        username, PASSWORD, f"{username}@example.test", agreement=True, scopes=SCOPES
    )
    assert isinstance(token, str) and token
    return Mastodon(access_token=token, api_base_url=server)


def _log_in(server: str, credentials: tuple[str, str], username: str) -> Mastodon:
    """The password grant, as a client with a login form of its own would use it."""
    token = _unauthenticated(server, credentials).log_in(
        username, PASSWORD, scopes=SCOPES, allow_http=True
    )
    return Mastodon(access_token=token, api_base_url=server)


class _FormReader(HTMLParser):
    """Collects the hidden inputs of the consent form, and the code of the OOB page."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden: list[tuple[str, str]] = []
        self.action: str | None = None
        self.code: str | None = None
        self._in_code = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            self.action = found.get("action")
        elif tag == "input" and found.get("type") == "hidden":
            self.hidden.append((found.get("name") or "", found.get("value") or ""))
        elif tag == "code" and found.get("id") == "code":
            self._in_code = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "code":
            self._in_code = False

    def handle_data(self, data: str) -> None:
        if self._in_code:
            self.code = (self.code or "") + data.strip()


def _read_page(html: str) -> _FormReader:
    reader = _FormReader()
    reader.feed(html)
    return reader


def _pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _consent(
    server: str, authorize_url: str, username: str, decision: str = "approve"
) -> httpx.Response:
    """What a person does in the browser: open the page, sign in, press a button."""
    with httpx.Client(base_url=server, follow_redirects=False) as http:
        page = http.get(authorize_url)
        assert page.status_code == 200, page.text
        form = _read_page(page.text)
        assert form.action == "/oauth/authorize"
        fields = [*form.hidden, ("username", username), ("password", PASSWORD)]
        fields.append(("decision", decision))
        return http.post(
            form.action,
            content=urlencode(fields),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )


def _code_from_redirect(response: httpx.Response, state: str) -> str:
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    query = parse_qs(location.query)
    assert query["state"] == [state]
    return query["code"][0]


def _exchange(
    server: str, credentials: tuple[str, str], code: str, redirect_uri: str, verifier: str
) -> httpx.Response:
    client_id, client_secret = credentials
    return httpx.post(
        f"{server}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": client_id,
            "client_secret": client_secret,
            "code_verifier": verifier,
        },
    )


def test_instance_and_app(server: str, credentials: tuple[str, str]) -> None:
    api = _unauthenticated(server, credentials)
    info = api.instance()
    assert re.match(r"^\d+\.\d+\.\d+", info.version)
    major, minor, patch = (int(part) for part in info.version.split(" ")[0].split("."))
    assert (major, minor, patch) >= (4, 0, 0)
    assert info.domain == urlsplit(server).netloc
    assert api.instance_v1().uri == urlsplit(server).netloc


def test_password_grant(server: str, credentials: tuple[str, str]) -> None:
    _register(server, credentials, "pat")
    me = _log_in(server, credentials, "pat").account_verify_credentials()
    assert me.username == "pat" and me.acct == "pat"

    wrong = _unauthenticated(server, credentials)
    with pytest.raises(Exception, match="Invalid user name, password"):
        wrong.log_in("pat", PASSWORD + "!", scopes=SCOPES, allow_http=True)


def test_authorization_code_with_pkce(server: str, credentials: tuple[str, str]) -> None:
    _register(server, credentials, "pkce")
    api = _unauthenticated(server, credentials)
    verifier, challenge = _pkce_pair()
    state = secrets.token_urlsafe(8)
    url = api.auth_request_url(redirect_uris=CALLBACK, scopes=SCOPES, state=state, allow_http=True)
    url += "&" + urlencode({"code_challenge": challenge, "code_challenge_method": "S256"})
    code = _code_from_redirect(_consent(server, url, "pkce"), state)

    # Another last character: the real verifier never ends with it.
    other = "x" if verifier[-1] != "x" else "y"
    wrong = _exchange(server, credentials, code, CALLBACK, verifier[:-1] + other)
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"

    answer = _exchange(server, credentials, code, CALLBACK, verifier)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"].lower() == "bearer"
    assert set(body["scope"].split()) == set(SCOPES)
    me = Mastodon(access_token=body["access_token"], api_base_url=server)
    assert me.account_verify_credentials().username == "pkce"

    again = _exchange(server, credentials, code, CALLBACK, verifier)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_authorization_code_with_pkce_out_of_band(
    server: str, credentials: tuple[str, str]
) -> None:
    _register(server, credentials, "oob")
    api = _unauthenticated(server, credentials)
    verifier, challenge = _pkce_pair()
    url = api.auth_request_url(redirect_uris=OOB, scopes=["read"], allow_http=True)
    url += "&" + urlencode({"code_challenge": challenge, "code_challenge_method": "S256"})
    page = _consent(server, url, "oob")
    assert page.status_code == 200, page.text
    code = _read_page(page.text).code
    assert code

    missing = _exchange(server, credentials, code, OOB, "")
    assert missing.status_code == 400

    answer = _exchange(server, credentials, code, OOB, verifier)
    assert answer.status_code == 200, answer.text
    assert answer.json()["scope"] == "read"
    reader = Mastodon(access_token=answer.json()["access_token"], api_base_url=server)
    assert reader.account_verify_credentials().username == "oob"


def test_authorization_code_without_pkce(server: str, credentials: tuple[str, str]) -> None:
    _register(server, credentials, "plain")
    api = _unauthenticated(server, credentials)
    state = secrets.token_urlsafe(8)
    url = api.auth_request_url(redirect_uris=CALLBACK, scopes=SCOPES, state=state, allow_http=True)
    code = _code_from_redirect(_consent(server, url, "plain"), state)
    token = api.log_in(code=code, redirect_uri=CALLBACK, scopes=SCOPES, allow_http=True)
    me = Mastodon(access_token=token, api_base_url=server).account_verify_credentials()
    assert me.username == "plain"


def test_consent_denied(server: str, credentials: tuple[str, str]) -> None:
    _register(server, credentials, "denier")
    api = _unauthenticated(server, credentials)
    url = api.auth_request_url(redirect_uris=CALLBACK, scopes=SCOPES, state="s1", allow_http=True)
    response = _consent(server, url, "denier", decision="deny")
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["error"] == ["access_denied"]
    assert "code" not in query


def test_two_people_talking(server: str, credentials: tuple[str, str]) -> None:
    _register(server, credentials, "alice")
    _register(server, credentials, "bob")
    alice = _log_in(server, credentials, "alice")
    bob = _log_in(server, credentials, "bob")
    alice_me = alice.account_verify_credentials()
    bob_me = bob.account_verify_credentials()
    assert (alice_me.username, bob_me.username) == ("alice", "bob")
    assert alice_me.id != bob_me.id

    relation = bob.account_follow(alice_me.id)
    assert relation.following is True
    [seen_by_bob] = bob.account_relationships(alice_me.id)
    assert seen_by_bob.id == alice_me.id
    assert (seen_by_bob.following, seen_by_bob.followed_by) == (True, False)
    [seen_by_alice] = alice.account_relationships(bob_me.id)
    assert (seen_by_alice.following, seen_by_alice.followed_by) == (False, True)

    chinese = alice.status_post("你好，世界！#话题# 今天天气很好")
    english = alice.status_post("Hello world, #birds sing. @bob have a look")
    assert chinese.account.id == alice_me.id
    assert "你好，世界！" in chinese.content
    assert [tag.name for tag in chinese.tags] == ["话题"]
    assert [tag.name for tag in english.tags] == ["birds"]
    assert [m.acct for m in english.mentions] == ["bob"]

    home = bob.timeline_home()
    assert [s.id for s in home] == [english.id, chinese.id]

    [tagged] = bob.timeline_hashtag("话题")
    assert tagged.id == chinese.id

    reply = bob.status_reply(chinese, "说得好！")
    assert reply.in_reply_to_id == chinese.id
    assert reply.in_reply_to_account_id == alice_me.id
    assert [m.acct for m in reply.mentions] == ["alice"]
    repost = bob.status_reblog(chinese)
    assert repost.reblog.id == chinese.id
    assert repost.account.id == bob_me.id and repost.reblog.reblogged is True
    quote = bob.status_post("Worth reading", quoted_status_id=chinese.id)
    assert quote.quote.state == "accepted"
    assert quote.quote.quoted_status.id == chinese.id
    liked = bob.status_favourite(chinese)
    assert liked.favourited is True and liked.favourites_count == 1

    counted = alice.status(chinese.id)
    assert (counted.replies_count, counted.reblogs_count, counted.favourites_count) == (1, 1, 1)
    assert [a.id for a in alice.status_reblogged_by(chinese)] == [bob_me.id]
    assert [a.id for a in alice.status_favourited_by(chinese)] == [bob_me.id]

    context = bob.status_context(reply)
    assert [s.id for s in context.ancestors] == [chinese.id]
    assert context.descendants == []
    assert [s.id for s in alice.status_context(chinese).descendants] == [reply.id]

    notes = alice.notifications()
    by_type = sorted((n.type, n.account.id) for n in notes)
    assert by_type == sorted(
        [
            ("follow", bob_me.id),
            ("mention", bob_me.id),
            ("reblog", bob_me.id),
            ("quote", bob_me.id),
            ("favourite", bob_me.id),
        ]
    )
    assert [n.id for n in notes] == sorted((n.id for n in notes), key=int, reverse=True)
    targets = {n.type: n.status.id for n in notes if n.status is not None}
    assert targets == {
        "mention": reply.id,
        "reblog": chinese.id,
        "quote": quote.id,
        "favourite": chinese.id,
    }
    [favourite] = alice.notifications(types=["favourite"])
    assert favourite.account.id == bob_me.id and favourite.status.id == chinese.id
    [mention_for_bob] = bob.notifications(types=["mention"])
    assert mention_for_bob.status.id == english.id

    # Bob's own writes land in his home; his repost does not, since the original he follows
    # is already there (one post, seen once).
    home = bob.timeline_home()
    assert [s.id for s in home] == [quote.id, reply.id, english.id, chinese.id]

    assert bob.status_unfavourite(chinese).favourited is False
    assert bob.status_unreblog(chinese).reblogged is False
    counted = alice.status(chinese.id)
    assert (counted.replies_count, counted.reblogs_count, counted.favourites_count) == (1, 0, 0)
    assert alice.notifications(types=["favourite"]) == []

    alice.status_delete(english)
    with pytest.raises(MastodonNotFoundError):
        bob.status(english.id)
    assert [s.id for s in bob.timeline_home()] == [quote.id, reply.id, chinese.id]


def test_paging_with_link_headers(server: str, credentials: tuple[str, str]) -> None:
    writer = _register(server, credentials, "writer")
    reader = _register(server, credentials, "reader")
    reader.account_follow(writer.account_verify_credentials().id)
    posted = [writer.status_post(f"第{n}条 post number {n}").id for n in range(7)]
    newest_first = list(reversed(posted))

    pages = [reader.timeline_home(limit=3)]
    while True:
        following = reader.fetch_next(pages[-1])
        if not following:
            break
        pages.append(following)
    assert [len(page) for page in pages] == [3, 3, 1]
    walked = [s.id for page in pages for s in page]
    assert walked == newest_first
    assert len(set(walked)) == len(walked)

    back = reader.fetch_previous(pages[1])
    assert back is not None
    assert [s.id for s in back] == newest_first[:3]
    assert not reader.fetch_previous(pages[0])

    newer = writer.status_post("one more").id
    fresh = reader.fetch_previous(pages[0])
    assert fresh is not None
    assert [s.id for s in fresh] == [newer]
