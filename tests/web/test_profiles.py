"""Profiles, account lists, follow requests and the relationship buttons, driven through the
pages' forms like a browser without JavaScript, by two people with a browser each."""

import re

import httpx

from myna.actions.statuses import NewStatus
from myna.container import Container
from myna.lib.paging import Page
from myna.models import Visibility
from myna.web.session import COOKIE
from tests.conftest import MakeUser, User, row_counts
from tests.pictures import encode, gradient, png
from tests.web.forms import csrf_of, post_as, press, sign_in, submit


async def following(container: Container, who: User, whom: User) -> bool:
    relations = await container.account_reads.relations(who.id, [whom.id])
    return whom.id in relations.following


async def test_signed_out_visitor_sees_a_public_profile_without_private_posts(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await container.account_actions.do_update_credentials(
        alice.id, display_name="Alice 爱丽丝", note="Hello <b>world</b>\n\nsecond"
    )
    await container.account_actions.do_set_verified("alice")
    await post_as(container, alice, "everyone may read this")
    await post_as(container, alice, "only my followers", visibility=Visibility.FOLLOWERS)
    await post_as(container, alice, "between us", visibility=Visibility.DIRECT)
    r = await client.get("/@alice")
    assert r.status_code == 200
    page = r.text
    assert "Alice 爱丽丝" in page
    assert 'aria-label="Verified">V</span>' in page
    assert "@alice" in page
    assert "Hello &lt;b&gt;world&lt;/b&gt;" in page  # the bio is text, never markup
    assert "<p>second</p>" in page
    assert "everyone may read this" in page
    assert "only my followers" not in page
    assert "between us" not in page
    assert 'href="/@alice/followers"' in page and 'href="/@alice/following"' in page
    assert "<strong>2</strong> Posts" in page  # direct posts are not counted
    assert "/web/accounts/" not in page  # no buttons for a visitor
    assert "Sign in to follow" in page


async def test_unknown_profile_is_a_404_page(client: httpx.AsyncClient) -> None:
    for path in ("/@nobody", "/@nobody/followers", "/@nobody/following", "/@a%20b"):
        r = await client.get(path)
        assert r.status_code == 404, path
        assert "Not found" in r.text


async def test_owner_sees_edit_profile_and_no_follow_button(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    await make_user("alice", locked=True)
    await sign_in(client, "alice")
    page = (await client.get("/@alice")).text
    assert 'href="/settings/profile"' in page
    assert 'href="/follow_requests"' in page
    assert "/web/accounts/" not in page
    assert "/messages/new" not in page


async def test_follow_and_unfollow_with_the_buttons(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await post_as(container, alice, "for followers only", visibility=Visibility.FOLLOWERS)
    await sign_in(client, "bob")
    page = (await client.get("/@alice")).text
    assert "for followers only" not in page
    assert 'href="/messages/new?to=alice"' in page
    r = await press(client, "/@alice", f"/web/accounts/{alice.id}/follow")
    assert r.status_code == 303
    assert r.headers["location"] == "/@alice"
    assert await following(container, bob, alice)
    page = (await client.get("/@alice")).text
    assert "for followers only" in page
    assert f'action="/web/accounts/{alice.id}/unfollow"' in page
    assert "<strong>1</strong> Followers" in page
    listing = (await client.get("/@alice/followers")).text
    assert 'href="/@bob"' in listing
    assert (await client.get("/@bob/following")).text.count('href="/@alice"') >= 1
    # Following twice changes nothing.
    before = await row_counts(container.db)
    r = await press(client, "/@bob/following", f"/web/accounts/{alice.id}/unfollow")
    assert r.status_code == 303
    assert r.headers["location"] == "/@bob/following"
    assert not await following(container, bob, alice)
    after = await row_counts(container.db)
    assert after["follows"] == before["follows"] - 1


async def test_follows_you_and_mutual(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await container.relation_actions.do_follow(alice.id, bob.id)
    await sign_in(client, "bob")
    assert "Follows you" in (await client.get("/@alice")).text
    await container.relation_actions.do_follow(bob.id, alice.id)
    assert "Mutual follow" in (await client.get("/@alice")).text


async def test_locked_account_request_then_accept(
    client: httpx.AsyncClient,
    browser: httpx.AsyncClient,
    container: Container,
    make_user: MakeUser,
) -> None:
    alice, bob = await make_user("alice", locked=True), await make_user("bob")
    await sign_in(client, "bob")
    await sign_in(browser, "alice")
    page = (await client.get("/@alice")).text
    assert "Request to follow" in page
    await press(client, "/@alice", f"/web/accounts/{alice.id}/follow")
    page = (await client.get("/@alice")).text
    assert "Cancel request" in page
    assert not await following(container, bob, alice)
    # Alice sees the request on her profile, in the list and among her notifications.
    assert '<span class="count-badge">1</span>' in (await browser.get("/@alice")).text
    requests = (await browser.get("/follow_requests")).text
    assert 'href="/@bob"' in requests
    notes = (await browser.get("/notifications")).text
    assert "asked to follow you" in notes
    assert f'action="/web/follow_requests/{bob.id}/authorize"' in notes
    r = await press(browser, "/follow_requests", f"/web/follow_requests/{bob.id}/authorize")
    assert r.status_code == 303 and r.headers["location"] == "/follow_requests"
    assert await following(container, bob, alice)
    assert "No pending follow requests." in (await browser.get("/follow_requests")).text
    assert f'action="/web/accounts/{alice.id}/unfollow"' in (await client.get("/@alice")).text


async def test_locked_account_request_cancel_and_reject(
    client: httpx.AsyncClient,
    browser: httpx.AsyncClient,
    container: Container,
    make_user: MakeUser,
) -> None:
    alice, bob = await make_user("alice", locked=True), await make_user("bob")
    await sign_in(client, "bob")
    await sign_in(browser, "alice")
    await press(client, "/@alice", f"/web/accounts/{alice.id}/follow")
    await press(client, "/@alice", f"/web/accounts/{alice.id}/unfollow")  # cancel
    assert "Request to follow" in (await client.get("/@alice")).text
    assert "No pending follow requests." in (await browser.get("/follow_requests")).text
    await press(client, "/@alice", f"/web/accounts/{alice.id}/follow")
    r = await press(browser, "/follow_requests", f"/web/follow_requests/{bob.id}/reject")
    assert r.status_code == 303
    assert not await following(container, bob, alice)
    assert "Request to follow" in (await client.get("/@alice")).text
    # A request that is gone cannot be accepted: 404, nothing written.
    before = await row_counts(container.db)
    csrf = csrf_of((await browser.get("/follow_requests")).text)
    r = await browser.post(f"/web/follow_requests/{bob.id}/authorize", data={"csrf": csrf})
    assert r.status_code == 404
    assert await row_counts(container.db) == before


async def test_block_and_unblock(
    client: httpx.AsyncClient,
    browser: httpx.AsyncClient,
    container: Container,
    make_user: MakeUser,
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await post_as(container, alice, "alice writes in public")
    await container.relation_actions.do_follow(bob.id, alice.id)
    await sign_in(client, "alice")
    await sign_in(browser, "bob")
    r = await press(client, "/@bob", f"/web/accounts/{bob.id}/block")
    assert r.status_code == 303
    assert not await following(container, bob, alice)  # a block ends follows
    page = (await client.get("/@bob")).text
    assert f'action="/web/accounts/{bob.id}/unblock"' in page
    assert "/messages/new" not in page
    # Bob, blocked, sees Alice's profile but none of her posts, and no way to follow.
    page = (await browser.get("/@alice")).text
    assert "alice writes in public" not in page
    assert "You cannot follow or message this account." in page
    assert f"/web/accounts/{alice.id}/follow" not in page
    # Blocked accounts are listed in settings with an unblock button.
    blocks = (await client.get("/settings/blocks")).text
    assert 'href="/@bob"' in blocks
    r = await press(client, "/settings/blocks", f"/web/accounts/{bob.id}/unblock")
    assert r.headers["location"] == "/settings/blocks"
    assert "alice writes in public" in (await browser.get("/@alice")).text
    assert "You block nobody." in (await client.get("/settings/blocks")).text


async def test_mute_and_unmute(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await sign_in(client, "alice")
    await press(client, "/@bob", f"/web/accounts/{bob.id}/mute")
    relations = await container.account_reads.relations(alice.id, [bob.id])
    assert bob.id in relations.muting
    assert 'href="/@bob"' in (await client.get("/settings/mutes")).text
    await press(client, "/@bob", f"/web/accounts/{bob.id}/unmute")
    relations = await container.account_reads.relations(alice.id, [bob.id])
    assert bob.id not in relations.muting


async def test_bad_relationship_requests_change_nothing(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await sign_in(client, "bob")
    csrf = csrf_of((await client.get("/@alice")).text)
    before = await row_counts(container.db)
    for action in ("follow", "unfollow", "block", "unblock", "mute", "unmute"):
        # Forged or missing CSRF token.
        r = await client.post(f"/web/accounts/{alice.id}/{action}", data={"csrf": "0" * 40})
        assert r.status_code == 403, action
        assert "This form has expired" in r.text
        r = await client.post(f"/web/accounts/{alice.id}/{action}", data={})
        assert r.status_code == 403, action
        # Accounts that do not exist, and ids that cannot be ids.
        for bad in ("12345", "abc", "-1", "99999999999999999999"):
            r = await client.post(f"/web/accounts/{bad}/{action}", data={"csrf": csrf})
            assert r.status_code == 404, (action, bad)
            assert "Not found" in r.text
    for action in ("authorize", "reject"):
        r = await client.post(f"/web/follow_requests/{alice.id}/{action}", data={"csrf": csrf})
        assert r.status_code == 404
        r = await client.post(f"/web/follow_requests/x/{action}", data={"csrf": csrf})
        assert r.status_code == 404
    # Oneself.
    for action in ("follow", "block", "mute"):
        r = await client.post(f"/web/accounts/{bob.id}/{action}", data={"csrf": csrf})
        assert r.status_code == 403, action
        assert "yourself" in r.text
    assert await row_counts(container.db) == before


async def test_signed_out_buttons_go_to_sign_in(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    before = await row_counts(container.db)
    r = await client.post(f"/web/accounts/{alice.id}/follow", data={"csrf": "x"})
    assert r.status_code == 303
    assert r.headers["location"].startswith("/auth/sign_in")
    r = await client.get("/follow_requests")
    assert r.status_code == 303
    assert r.headers["location"] == "/auth/sign_in?next=/follow_requests"
    assert await row_counts(container.db) == before


async def test_next_never_leaves_the_site(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await make_user("bob")
    await sign_in(client, "bob")
    csrf = csrf_of((await client.get("/@alice")).text)
    r = await client.post(
        f"/web/accounts/{alice.id}/follow", data={"csrf": csrf, "next": "https://evil.test/"}
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/"


async def test_profile_tabs_and_paging(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    bobs = await post_as(container, bob, "bob's post")
    media = await container.media_actions.do_upload(
        alice.id, encode(gradient(40, 30), "PNG"), description="a gradient"
    )
    await container.status_actions.do_post(
        alice.id, NewStatus(text="a picture post", media_ids=(media.id,))
    )
    for n in range(22):
        await post_as(container, alice, f"numbered post {n:02d}")
    await post_as(container, alice, "@bob a comment on bob", in_reply_to_id=bobs)
    first = (await client.get("/@alice")).text
    assert "numbered post 21" in first
    assert "a comment on bob" not in first
    assert 'aria-current="page" class="current">Posts<' in first
    match = re.search(r'href="(/@alice\?max_id=\d+)" rel="next"', first)
    assert match
    second = (await client.get(match.group(1))).text
    assert "numbered post 00" in second and "numbered post 21" not in second
    assert "a picture post" in second
    assert 'href="/@alice">Newest<' in second
    replies = (await client.get("/@alice?with_replies=1")).text
    assert "a comment on bob" in replies
    assert re.search(r'href="/@alice\?with_replies=1&amp;max_id=\d+" rel="next"', replies)
    pictures = (await client.get("/@alice?only_media=1")).text
    assert "a picture post" in pictures
    assert "numbered post" not in pictures
    # A page past the end, and a max_id that is not an id.
    assert "No older posts." in (await client.get("/@alice?max_id=1")).text
    assert (await client.get("/@alice?max_id=zzz")).status_code == 200


async def test_follower_lists_page(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    fans = [await make_user(f"fan{n:02d}") for n in range(42)]
    for fan in fans:
        await container.relation_actions.do_follow(fan.id, alice.id)
    first = (await client.get("/@alice/followers")).text
    assert 'href="/@fan41"' in first and 'href="/@fan00"' not in first
    match = re.search(r'href="(/@alice/followers\?max_id=\d+)" rel="next"', first)
    assert match
    second = (await client.get(match.group(1))).text
    assert 'href="/@fan00"' in second and 'href="/@fan41"' not in second
    listing = await container.account_reads.followers(alice.id, Page(limit=1))
    assert listing.accounts[0].username == "fan41"
    assert "<strong>42</strong> Followers" in (await client.get("/@alice")).text


async def test_profile_in_chinese(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    await make_user("alice")
    await make_user("bob")
    await sign_in(client, "bob")
    client.cookies.set("myna_lang", "zh_CN")
    page = (await client.get("/@alice")).text
    assert "关注" in page and "粉丝" in page and "微博" in page
    assert "拉黑" in page and "私信" in page
    assert COOKIE in client.cookies


async def test_profile_page_and_account_rows_show_the_pictures(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    page = (await client.get("/@alice")).text
    assert 'src="/static/avatar.png"' in page and 'src="/static/header.png"' in page
    account = await container.account_actions.do_update_credentials(
        alice.id, avatar=png(), header=png(900, 300)
    )
    assert account.avatar_key and account.header_key
    avatar = container.storage.url(account.avatar_key)
    header = container.storage.url(account.header_key)
    page = (await client.get("/@alice")).text
    assert f'<img class="avatar large" src="{avatar}"' in page
    assert f'<img src="{header}"' in page
    await container.relation_actions.do_follow(bob.id, alice.id)
    followers = (await client.get("/@bob/following")).text
    # Rows render through _account.html; without the page's media_url they use /system/media/.
    assert account.avatar_key in followers


async def test_pinned_posts_head_the_profile(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice, _bob = await make_user("alice"), await make_user("bob")
    public = await post_as(container, alice, "置顶的这条")
    private = await post_as(container, alice, "只给粉丝", visibility=Visibility.FOLLOWERS)
    await post_as(container, alice, "newer than both")
    await sign_in(client, "alice")
    for status_id in (public, private):
        r = await submit(client, f"/web/statuses/{status_id}/pin", {"next": "/@alice"})
        assert r.status_code == 303
    page = (await client.get("/@alice")).text
    pinned = page.split('id="profile-pinned"')[1].split('id="profile-statuses"')[0]
    assert "置顶的这条" in pinned and "只给粉丝" in pinned and "newer than both" not in pinned
    assert f'action="/web/statuses/{public}/unpin"' in pinned

    await sign_in(browser, "bob")  # a stranger sees the public pin only
    page = (await browser.get("/@alice")).text
    pinned = page.split('id="profile-pinned"')[1].split('id="profile-statuses"')[0]
    assert "置顶的这条" in pinned and "只给粉丝" not in page
    before = await row_counts(container.db)
    r = await submit(browser, f"/web/statuses/{public}/pin")  # not bob's to pin
    assert r.status_code in (403, 422)
    assert await row_counts(container.db) == before

    r = await submit(client, f"/web/statuses/{public}/unpin")
    r = await submit(client, f"/web/statuses/{private}/unpin")
    assert 'id="profile-pinned"' not in (await client.get("/@alice")).text
