"""Finding things through the pages, like a browser without JavaScript: the search box and its
tabs, the hot-topics board (热搜榜) and its admin buttons, following a topic from its page, and
whom to follow on the home page. What each shows is cut to what the viewer may see."""

from urllib.parse import quote

import httpx
from fastapi import FastAPI

from myna.actions.accounts import Registration
from myna.container import Container
from myna.models import Visibility
from tests.conftest import BASE_URL, MakeUser, User, row_counts
from tests.web.conftest import Person
from tests.web.forms import post_as, press, sign_in, submit


async def many_post(make_user: MakeUser, container: Container, text: str, n: int) -> list[User]:
    """`n` new people each post `text` once (publicly)."""
    people = []
    for i in range(n):
        user = await make_user(f"fan{i}")
        await post_as(container, user, text)
        people.append(user)
    return people


# --- search ----------------------------------------------------------------------------------


async def test_search_finds_a_word_inside_a_chinese_sentence_but_no_private_post(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser, person: Person
) -> None:
    alice = await make_user("alice")
    await post_as(container, alice, "我今天在北京大学图书馆看书")
    await post_as(container, alice, "图书馆的秘密只给粉丝看", visibility=Visibility.FOLLOWERS)
    await post_as(container, alice, "@alice 图书馆私信", visibility=Visibility.DIRECT)
    async with person("bob") as (bob, _user):
        r = await bob.get("/search", params={"q": "图书馆"})
        assert r.status_code == 200
        assert "我今天在北京大学图书馆看书" in r.text
        assert "图书馆的秘密" not in r.text
        assert "图书馆私信" not in r.text
        assert 'aria-current="page" class="current">Posts</a>' in r.text
    # Signed out: the same public post, and still nothing private.
    r = await client.get("/search", params={"q": "大学"})
    assert r.status_code == 200
    assert "我今天在北京大学图书馆看书" in r.text
    assert "图书馆的秘密" not in r.text
    r = await client.get("/search", params={"q": "没有这样的话"})
    assert "No posts match “没有这样的话”." in r.text


async def test_people_and_topics_tabs(
    container: Container, make_user: MakeUser, person: Person
) -> None:
    alice = await make_user("alice")
    await post_as(container, alice, "今天是 #读书日# 看书去")
    async with person("bob") as (bob, _user):
        r = await bob.get("/search", params={"q": "ali", "tab": "people"})
        assert r.status_code == 200
        assert 'href="/@alice"' in r.text
        assert f'action="/web/accounts/{alice.id}/follow"' in r.text
        r = await bob.get("/search", params={"q": "读书", "tab": "topics"})
        assert r.status_code == 200
        assert f'href="/tags/{quote("读书日")}">#读书日#</a>' in r.text
        assert 'class="spark" role="img"' in r.text
        assert "Posts per day over the last seven days: 0, 0, 0, 0, 0, 0, 1" in r.text


async def test_the_search_page_in_chinese(client: httpx.AsyncClient) -> None:
    r = await client.get("/search", headers={"Accept-Language": "zh-CN"}, params={"q": "猫"})
    assert r.status_code == 200
    assert "“猫”的搜索结果" in r.text
    assert ">话题</a>" in r.text and ">用户</a>" in r.text


async def test_bad_searches_get_a_message_and_a_4xx(
    client: httpx.AsyncClient, make_user: MakeUser, person: Person
) -> None:
    r = await client.get("/search", params={"q": "长" * 101})
    assert r.status_code == 422
    assert "Search for at most 100 characters." in r.text
    async with person("bob") as (bob, _user):
        r = await bob.get("/search", params={"q": "cats", "offset": "-1"})
        assert r.status_code == 422
        assert "That page of results does not exist." in r.text
        # An unknown tab is the posts tab, as the form would send.
        r = await bob.get("/search", params={"q": "cats", "tab": "<script>"})
        assert r.status_code == 200
        assert "<script>" not in r.text.split("<body", 1)[1].replace("<script src=", "")


# --- the hot-topics board ----------------------------------------------------------------------


async def test_the_board_shows_what_trends_with_its_week_drawn(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    await many_post(make_user, container, "#双十一# 买买买", 6)
    await container.trend_actions.do_refresh()
    r = await client.get("/hot")
    assert r.status_code == 200
    assert f'href="/tags/{quote("双十一")}">#双十一#</a>' in r.text
    assert "6 people today · 6 posts this week" in r.text
    assert "/web/trends/tags/" not in r.text  # no admin buttons for a visitor
    r = await client.get("/hot", headers={"Accept-Language": "zh-CN"})
    assert "热搜" in r.text and "今天6人在讨论" in r.text
    r = await client.get("/hot", params={"tab": "posts"})
    assert r.status_code == 200


async def test_an_admin_hides_a_topic_and_nobody_else_can(
    app: FastAPI, container: Container, make_user: MakeUser, person: Person
) -> None:
    await many_post(make_user, container, "#双十一# 买买买", 6)
    await container.trend_actions.do_refresh()
    tag_id = await container.trend_actions.tag_id("双十一")
    hide = f"/web/trends/tags/{tag_id}/hide"
    async with person("mallory") as (mallory, _user):
        before = await row_counts(container.db)
        r = await submit(mallory, hide, page="/hot")
        assert r.status_code == 403
        assert await row_counts(container.db) == before
    assert [t.name for t in await container.trend_reads.tags(0, 10)] == ["双十一"]

    await container.account_actions.do_register(
        Registration(
            username="moderator1",
            email="moderator1@example.test",
            password="correct horse battery",
            role="admin",
        )
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as root:
        await sign_in(root, "moderator1")
        r = await press(root, "/hot", hide)
        assert r.status_code == 303
        assert await container.trend_reads.tags(0, 10) == []
        page = (await root.get("/hot")).text
        assert "Hidden from the board" in page
        assert f'action="/web/trends/tags/{tag_id}/unhide"' in page
        r = await press(root, "/hot", f"/web/trends/tags/{tag_id}/unhide")
        assert r.status_code == 303
        assert [t.name for t in await container.trend_reads.tags(0, 10)] == ["双十一"]
        r = await submit(root, "/web/trends/tags/123456789/hide", page="/hot")
        assert r.status_code == 404


# --- following a topic ---------------------------------------------------------------------------


async def test_following_a_topic_from_its_page_brings_its_posts_home(
    container: Container, make_user: MakeUser, person: Person
) -> None:
    alice = await make_user("alice")
    await post_as(container, alice, "#周末计划# 去爬山")
    page = f"/tags/{quote('周末计划')}"
    action = f"/web/tags/{quote('周末计划')}/follow"
    async with person("bob") as (bob, _user):
        r = await press(bob, page, action)
        assert r.status_code == 303
        topic_page = (await bob.get(page)).text
        assert "Unfollow topic" in topic_page
        assert "Its posts come to your home timeline." in topic_page
        await post_as(container, alice, "#周末计划# 周日看展")
        await post_as(container, alice, "#周末计划# 只给粉丝", visibility=Visibility.FOLLOWERS)
        home = (await bob.get("/")).text
        assert "周日看展" in home  # Bob does not follow Alice: it came for the topic
        assert "只给粉丝" not in home
        listed = (await bob.get("/followed_tags")).text
        assert "#周末计划#" in listed
        r = await press(bob, "/followed_tags", f"/web/tags/{quote('周末计划')}/unfollow")
        assert r.status_code == 303
        assert "Follow topic" in (await bob.get(page)).text


async def test_bad_topic_follows_change_nothing(
    container: Container, make_user: MakeUser, person: Person
) -> None:
    async with person("bob") as (bob, _user):
        before = await row_counts(container.db)
        forged = await bob.post("/web/tags/cats/follow", data={"csrf": "0" * 64})
        assert forged.status_code == 403
        missing = await bob.post("/web/tags/cats/follow", data={})
        assert missing.status_code == 403
        invalid = await submit(bob, f"/web/tags/{'x' * 101}/follow")
        assert invalid.status_code == 422
        unknown = await submit(bob, "/web/tags/nobodyusedthis/unfollow")
        assert unknown.status_code == 404
        assert await row_counts(container.db) == before


# --- whom to follow ----------------------------------------------------------------------------


async def test_home_suggests_friends_of_friends_and_a_dismissed_one_goes(
    container: Container, make_user: MakeUser, person: Person
) -> None:
    bob = await make_user("bob")
    carol = await make_user("carol")
    await container.relation_actions.do_follow(bob.id, carol.id)
    async with person("alice") as (alice, me):
        await container.relation_actions.do_follow(me.id, bob.id)
        home = (await alice.get("/")).text
        assert "Who to follow" in home
        assert 'href="/@carol"' in home
        assert "Followed by people you follow" in home
        dismiss = f"/web/suggestions/{carol.id}/dismiss"
        before = await row_counts(container.db)
        assert (await alice.post(dismiss, data={"csrf": "f" * 64})).status_code == 403
        assert (await submit(alice, "/web/suggestions/999999999/dismiss")).status_code == 404
        assert await row_counts(container.db) == before
        r = await press(alice, "/", dismiss)
        assert r.status_code == 303
        assert 'href="/@carol"' not in (await alice.get("/")).text
