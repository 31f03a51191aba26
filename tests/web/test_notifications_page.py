"""The notifications page and its live fragment, as a browser sees them."""

import re

import httpx

from myna.container import Container
from myna.lib.paging import Page
from myna.models import Visibility
from myna.web import i18n
from tests.conftest import MakeUser, row_counts
from tests.web.forms import post_as, sign_in


def badge(page: str) -> str | None:
    """The unread badge's number, or None when it is hidden."""
    match = re.search(r'<span id="unread-badge"[^>]*?( hidden)?>(\d+)</span>', page, re.S)
    assert match, "no badge"
    return None if match.group(1) else match.group(2)


async def test_notifications_need_signing_in(client: httpx.AsyncClient) -> None:
    r = await client.get("/notifications")
    assert r.status_code == 303
    assert r.headers["location"] == "/auth/sign_in?next=/notifications"
    r = await client.get("/web/fragments/notifications/1")
    assert r.status_code == 303


async def test_every_kind_is_told_and_viewing_marks_them_read(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await container.account_actions.do_update_credentials(bob.id, display_name="Bob 鲍勃")
    mine = await post_as(container, alice, "alice's own words")
    await container.relation_actions.do_follow(bob.id, alice.id)
    await container.status_actions.do_favourite(bob.id, mine)
    await container.status_actions.do_reblog(bob.id, mine, None)
    await post_as(container, bob, "hello @alice, look", visibility=Visibility.FOLLOWERS)
    await post_as(container, bob, "@alice nice one", in_reply_to_id=mine)
    await post_as(container, bob, "quoting this", quoted_status_id=mine)
    await sign_in(client, "alice")
    assert badge((await client.get("/settings/profile")).text) == "6"
    page = (await client.get("/notifications")).text
    assert badge(page) is None  # seen: the badge is gone on this very page
    for sentence in (
        "followed you",
        "liked your post",
        "reposted your post",
        "mentioned you",
        "commented on your post",
        "quoted your post",
    ):
        assert sentence in page, sentence
    assert page.count('<a class="name" href="/@bob">Bob 鲍勃</a>') >= 6
    assert "hello @alice, look" in page or "hello" in page
    assert "nice one" in page and "quoting this" in page
    assert f'href="/@alice/{mine}">alice&#39;s own words</a>' in page  # the liked post
    assert page.count('class="card notification') == 6
    assert page.count(' unread"') == 6  # new until now
    assert await container.notification_reads.unread_count(alice.id) == 0
    assert badge((await client.get("/settings/profile")).text) is None
    page = (await client.get("/notifications")).text
    assert ' unread"' not in page
    # Newest first.
    assert page.index("quoted your post") < page.index("followed you")


async def test_mentions_tab_and_paging(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    mine = await post_as(container, alice, "like me")
    await container.status_actions.do_favourite(bob.id, mine)
    for n in range(22):
        await post_as(container, bob, f"@alice ping {n:02d}")
    await sign_in(client, "alice")
    mentions = (await client.get("/notifications?types=mention")).text
    assert 'aria-current="page" class="current">Mentions<' in mentions
    assert "ping 21" in mentions and "ping 01" not in mentions
    # A filtered tab has not shown everything: nothing is marked read.
    assert await container.notification_reads.unread_count(alice.id) == 23
    match = re.search(r'href="(/notifications\?types=mention&amp;max_id=\d+)" rel="next"', mentions)
    assert match
    older = (await client.get(match.group(1).replace("&amp;", "&"))).text
    assert "ping 01" in older and "ping 00" in older and "liked your post" not in older
    everything = (await client.get("/notifications")).text
    assert "liked your post" not in everything  # the like is on the second page
    match = re.search(r'href="(/notifications\?max_id=\d+)" rel="next"', everything)
    assert match
    second = (await client.get(match.group(1))).text
    assert "liked your post" in second
    assert 'href="/notifications">Newest<' in second
    assert await container.notification_reads.unread_count(alice.id) == 0
    assert "No older notifications." in (await client.get("/notifications?max_id=1")).text


async def test_an_older_page_does_not_move_the_marker_back(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    for n in range(3):
        await post_as(container, bob, f"@alice hi {n}")
    await sign_in(client, "alice")
    await client.get("/notifications")
    before = await container.marker_reads.get(alice.id, ["notifications"])
    page = await container.notification_reads.page(alice.id, Page())
    await client.get(f"/notifications?max_id={page.cursor_ids[0]}")
    after = await container.marker_reads.get(alice.id, ["notifications"])
    assert after[0].last_read_id == before[0].last_read_id == page.cursor_ids[0]


async def test_follow_request_notification_has_buttons(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice", locked=True), await make_user("bob")
    await container.relation_actions.do_follow(bob.id, alice.id)
    await sign_in(client, "alice")
    page = (await client.get("/notifications")).text
    assert "asked to follow you" in page
    assert 'href="/follow_requests"' in page
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert csrf
    r = await client.post(
        f"/web/follow_requests/{bob.id}/authorize",
        data={"csrf": csrf.group(1), "next": "/notifications"},
    )
    assert r.status_code == 303 and r.headers["location"] == "/notifications"
    page = (await client.get("/notifications")).text
    assert "asked to follow you" not in page and "followed you" in page


async def test_only_what_the_viewer_may_see(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    await post_as(container, bob, "@alice not for carol", visibility=Visibility.DIRECT)
    await post_as(container, carol, "@alice carol says hi")
    await container.relation_actions.do_mute(alice.id, carol.id)
    await sign_in(client, "alice")
    page = (await client.get("/notifications")).text
    assert "not for carol" in page
    assert "carol says hi" not in page  # muted with notifications
    await sign_in(client, "carol")
    page = (await client.get("/notifications")).text
    assert "not for carol" not in page
    assert "No notifications yet." in page


async def test_fragment_renders_ones_own_notification_only(
    client: httpx.AsyncClient,
    browser: httpx.AsyncClient,
    container: Container,
    make_user: MakeUser,
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await post_as(container, bob, "@alice psst")
    note = (await container.notification_reads.page(alice.id, Page())).notifications[0]
    await sign_in(client, "alice")
    await sign_in(browser, "bob")
    r = await client.get(f"/web/fragments/notifications/{note.id}")
    assert r.status_code == 200
    assert r.text.strip().startswith('<li class="card notification notification-mention unread"')
    assert f'id="notification-{note.id}"' in r.text
    assert "mentioned you" in r.text and "psst" in r.text
    assert "<html" not in r.text
    before = await row_counts(container.db)
    for bad in (str(note.id), "12345", "abc"):
        r = await browser.get(f"/web/fragments/notifications/{bad}")
        assert r.status_code == 404, bad
        assert "psst" not in r.text
    assert await row_counts(container.db) == before
    # The page loads the script that inserts new ones, and the list is marked live.
    page = (await client.get("/notifications")).text
    assert '<script src="/static/notifications.js" defer></script>' in page
    assert 'id="notifications" data-live="1"' in page
    assert (await client.get("/static/notifications.js")).status_code == 200


async def test_notifications_in_chinese(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    mine = await post_as(container, alice, "一条微博")
    await container.status_actions.do_favourite(bob.id, mine)
    await container.relation_actions.do_follow(bob.id, alice.id)
    await sign_in(client, "alice")
    client.cookies.set(i18n.LANG_COOKIE, "zh_CN")
    page = (await client.get("/notifications")).text
    assert "赞了你的微博" in page and "关注了你" in page
    assert "@我的" in page


async def test_names_are_escaped(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await container.account_actions.do_update_credentials(bob.id, display_name="<b>x</b>")
    await container.relation_actions.do_follow(bob.id, alice.id)
    await sign_in(client, "alice")
    page = (await client.get("/notifications")).text
    assert "&lt;b&gt;x&lt;/b&gt;</a> followed you" in page
    assert "<b>x</b>" not in page
    assert "&lt;b&gt;x&lt;/b&gt;" in (await client.get("/@bob")).text


async def test_a_moderation_warning_on_the_page(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    mod = await make_user("mod", role="moderator")
    troll = await make_user("troll")
    await container.moderation_actions.do_account_action(
        mod.id, troll.id, "none", text="请文明发言"
    )
    await sign_in(client, "troll")
    page = (await client.get("/notifications")).text
    assert "The moderators of this server acted on your account:" in page
    assert "a warning" in page and "请文明发言" in page
    assert "@mod" not in page
