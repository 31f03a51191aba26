"""The web front page at `/`, driven through its forms like a browser without JavaScript."""

import re

import httpx

from myna.actions.statuses import NewStatus
from myna.container import Container
from myna.models import Visibility
from myna.web.session import COOKIE
from tests.conftest import MakeUser, row_counts
from tests.web.forms import csrf_of, sign_in, sign_up, submit


def text_of(html: str) -> str:
    """The words of a piece of page, without its tags and with spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def compose(client: httpx.AsyncClient, text: str, **fields: str) -> httpx.Response:
    csrf = csrf_of((await client.get("/")).text)
    return await client.post("/web/statuses", data={"status": text, "csrf": csrf, **fields})


async def test_signed_out_front_page_offers_sign_in_and_sign_up(client: httpx.AsyncClient) -> None:
    r = await client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert 'action="/auth/sign_in"' in r.text
    assert 'action="/auth/sign_up"' in r.text
    assert 'name="agreement"' in r.text
    assert 'action="/web/statuses"' not in r.text


async def test_sign_up_through_the_form_starts_a_session(
    client: httpx.AsyncClient, container: Container
) -> None:
    r = await sign_up(client, "alice")
    assert r.status_code == 303
    assert r.headers["location"] == "/"
    assert COOKIE in r.cookies
    page = (await client.get("/")).text
    assert "@alice" in page
    assert 'action="/web/statuses"' in page
    account = await container.account_reads.lookup("alice")
    assert account.email == "alice@example.test"


async def test_sign_up_errors_name_the_field_and_write_nothing(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    await make_user("taken")
    before = await row_counts(container.db)
    r = await sign_up(client, "taken")
    assert r.status_code == 422
    assert "Username is already taken" in r.text
    r = await sign_up(client, "taken", email="not-an-address", password="short")
    assert r.status_code == 422
    assert "E-mail is not valid" in r.text
    assert "Password is too short" in r.text
    assert 'value="taken"' in r.text  # what was typed comes back, except the password
    assert "short" not in r.text.split('id="sign-up-password"')[1].split(">")[0]
    r = await sign_up(client, "bob", agreement="")
    assert r.status_code == 422
    assert "accept the rules" in r.text
    assert COOKIE not in client.cookies
    assert await row_counts(container.db) == before


async def test_registrations_closed(client: httpx.AsyncClient, container: Container) -> None:
    container.settings.registrations_open = False
    r = await sign_up(client, "carol")
    assert r.status_code == 403
    assert "Registrations are closed" in r.text
    assert COOKIE not in client.cookies


async def test_sign_in_with_a_wrong_password_shows_an_error(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    await make_user("alice")
    r = await submit(client, "/auth/sign_in", {"login": "alice", "password": "wrong password"})
    assert r.status_code == 401
    assert "Wrong username, e-mail or password." in r.text
    assert 'value="alice"' in r.text
    assert COOKIE not in r.cookies
    assert COOKIE not in client.cookies


async def test_sign_in_by_e_mail(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    await make_user("alice")
    await sign_in(client, "alice@example.test")
    assert "@alice" in (await client.get("/")).text


async def test_compose_posts_a_status_seen_on_the_page_and_through_the_api(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    r = await compose(client, "你好，世界！第一条微博 #话题#", visibility="unlisted")
    assert r.status_code == 303
    assert r.headers["location"] == "/"
    page = (await client.get("/")).text
    assert "你好，世界！第一条微博" in page
    assert "#话题#" in page
    api = await client.get("/api/v1/timelines/home", headers=alice.headers)
    [status] = api.json()
    assert "你好，世界！第一条微博" in status["content"]
    assert status["visibility"] == "unlisted"
    assert status["application"]["name"] == "Myna Web"


async def test_compose_without_a_csrf_token_is_refused(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    await make_user("alice")
    await sign_in(client, "alice")
    before = await row_counts(container.db)
    r = await client.post("/web/statuses", data={"status": "forged"})
    assert r.status_code == 403
    r = await client.post("/web/statuses", data={"status": "forged", "csrf": "0" * 40})
    assert r.status_code == 403
    assert await row_counts(container.db) == before


async def test_compose_signed_out_writes_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    before = await row_counts(container.db)
    r = await client.post("/web/statuses", data={"status": "hello", "csrf": ""})
    assert r.status_code == 303
    assert await row_counts(container.db) == before


async def test_the_server_decides_the_length_and_its_message_is_shown(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    await make_user("alice")
    await sign_in(client, "alice")
    before = await row_counts(container.db)
    too_long = "长" * (container.settings.max_status_units + 1)
    r = await compose(client, too_long)
    assert r.status_code == 422
    assert "the limit is 140 units" in r.text
    assert f">{too_long}</textarea>" in r.text  # the draft is kept
    assert await row_counts(container.db) == before
    # 280 ASCII characters are 140 units: accepted; CRLF line breaks count as one character.
    r = await compose(client, "a" * 139 + "\r\n" + "b" * 139)
    assert r.status_code == 303


async def test_user_text_is_escaped(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await container.account_actions.do_update_credentials(
        alice.id, display_name='<img src=x onerror="alert(2)">'
    )
    await sign_in(client, "alice")
    r = await compose(client, '<script>alert("x")</script> <b>bold</b>')
    assert r.status_code == 303
    page = (await client.get("/")).text
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page
    assert "<b>bold" not in page
    assert "<img src=x" not in page
    assert "&lt;img src=x" in page


async def test_rejected_draft_is_escaped(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    await make_user("alice")
    await sign_in(client, "alice")
    r = await compose(client, "</textarea><script>alert(1)</script>" + "x" * 300)
    assert r.status_code == 422
    assert "<script>alert(1)" not in r.text
    assert "&lt;/textarea&gt;&lt;script&gt;" in r.text


async def test_home_timeline_shows_followed_posts_newest_first_with_counts(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    bob = await make_user("bob")
    await container.account_actions.do_update_credentials(bob.id, display_name="鲍勃")
    await container.account_actions.do_set_verified("bob")
    await container.relation_actions.do_follow(alice.id, bob.id)
    first = await container.status_actions.do_post(bob.id, NewStatus(text="第一条"))
    await container.status_actions.do_post(bob.id, NewStatus(text="第二条"))
    await container.status_actions.do_favourite(alice.id, first.id)
    await container.status_actions.do_post(
        alice.id, NewStatus(text="@bob 回复", in_reply_to_id=first.id)
    )
    await sign_in(client, "alice")
    page = (await client.get("/")).text
    assert page.index("回复") < page.index("第二条") < page.index("第一条")
    assert "鲍勃" in page and "@bob" in page
    assert '<span class="badge" title="Verified">V</span>' in page
    card = page[page.index(f'id="status-{first.id}"') :]
    card = text_of(card[: card.index("</article>")])
    assert "Comment 1" in card and "Like 1" in card and "Repost 0" in card


async def test_verified_badge_in_the_header(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    await make_user("alice")
    await sign_in(client, "alice")
    assert 'title="Verified"' not in (await client.get("/")).text
    await container.account_actions.do_set_verified("alice")
    assert 'title="Verified"' in (await client.get("/")).text


async def test_older_link_pages_with_max_id(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    posted = [
        await container.status_actions.do_post(alice.id, NewStatus(text=f"post {n:02d}"))
        for n in range(22)
    ]
    await sign_in(client, "alice")
    page = (await client.get("/")).text
    assert "post 21" in page and "post 02" in page and "post 01" not in page
    older = re.search(r'href="(/\?max_id=\d+)"', page)
    assert older and older.group(1) == f"/?max_id={posted[2].id}"
    page = (await client.get(older.group(1))).text
    assert "post 01" in page and "post 00" in page and "post 02" not in page
    assert 'href="/?max_id=' not in page  # no older page


async def test_sign_out_ends_the_session(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    await make_user("alice")
    csrf = await sign_in(client, "alice")
    raw = client.cookies[COOKIE]
    r = await client.post("/auth/sign_out", data={"csrf": "wrong"})
    assert r.status_code == 403
    assert "@alice" in (await client.get("/")).text
    r = await client.post("/auth/sign_out", data={"csrf": csrf})
    assert r.status_code == 303
    assert COOKIE not in client.cookies
    assert 'action="/auth/sign_in"' in (await client.get("/")).text
    # The old cookie's token was revoked: replaying it signs nobody in.
    client.cookies.set(COOKIE, raw)
    page = (await client.get("/")).text
    assert "@alice" not in page
    assert 'action="/auth/sign_in"' in page


async def test_lists_are_tabs_of_the_home_page(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    from myna.actions.lists import ListChange

    alice = await make_user("alice")
    bob = await make_user("bob")
    carol = await make_user("carol")
    for followed in (bob, carol):
        await container.relation_actions.do_follow(alice.id, followed.id)
    friends = await container.list_actions.do_create(alice.id, ListChange(title="好友"))
    await container.list_actions.do_add_accounts(alice.id, friends.id, [bob.id])
    carols = await container.list_actions.do_create(carol.id, ListChange(title="carol's"))
    await container.status_actions.do_post(bob.id, NewStatus(text="鲍勃的微博"))
    await container.status_actions.do_post(carol.id, NewStatus(text="卡罗尔的微博"))
    r = await client.get(f"/lists/{friends.id}")
    assert r.status_code == 303 and r.headers["location"].startswith("/auth/sign_in")
    await sign_in(client, "alice")
    page = (await client.get("/")).text
    assert '<a href="/" aria-current="page">All</a>' in page
    assert f'<a href="/lists/{friends.id}">好友</a>' in page
    assert "鲍勃的微博" in page and "卡罗尔的微博" in page
    assert 'data-streams="user"' in page and 'id="new-posts"' in page
    page = (await client.get(f"/lists/{friends.id}")).text
    assert f'<a href="/lists/{friends.id}" aria-current="page">好友</a>' in page
    assert "鲍勃的微博" in page and "卡罗尔的微博" not in page
    # No list stream exists: the list tab is not live (and never shows home posts live).
    assert 'data-streams=""' in page and 'id="new-posts"' not in page
    assert f'name="next" value="/lists/{friends.id}"' in page
    for wrong in (f"/lists/{carols.id}", "/lists/123", "/lists/abc"):
        r = await client.get(wrong)
        assert r.status_code == 404, wrong
        assert "carol's" not in r.text


async def test_the_signed_out_front_page_shows_the_latest_public_posts_only(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    for text, visibility in [
        ("大家好，公开的一条", Visibility.PUBLIC),
        ("quietly public", Visibility.UNLISTED),
        ("for followers", Visibility.FOLLOWERS),
        ("@alice to myself", Visibility.DIRECT),
    ]:
        await container.status_actions.do_post(
            alice.id, NewStatus(text=text, visibility=visibility)
        )
    page = (await client.get("/")).text
    latest = page.split('id="latest-heading"')[1]
    assert "大家好，公开的一条" in latest
    for hidden in ("quietly public", "for followers", "to myself"):
        assert hidden not in page
    assert 'action="/auth/sign_in"' in page
