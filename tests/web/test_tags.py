"""Tag and topic pages (/tags/name): `#tag` and `#话题#` links in posts lead there, public
posts only, newest first, paged, live, with a compose box that starts with the tag."""

import re
from urllib.parse import quote

import httpx

from myna.actions.groups import NewGroup
from myna.actions.statuses import NewStatus
from myna.container import Container
from myna.models import Visibility
from tests.conftest import MakeUser
from tests.web.forms import sign_in


async def test_links_in_posts_lead_to_the_tag_pages(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await container.status_actions.do_post(
        alice.id, NewStatus(text="今天 #天气真好# 出门 #Myna #A/B# 完")
    )
    page = (await client.get("/tags/Myna")).text
    links = re.findall(r'href="http://testserver(/tags/[^"]+)"', page)
    assert sorted(links) == sorted(
        [f"/tags/{quote('天气真好', safe='')}", "/tags/Myna", f"/tags/{quote('A/B', safe='')}"]
    )
    for link in links:
        r = await client.get(link)
        assert r.status_code == 200, link
        assert "出门" in r.text
    r = await client.get("/tags/天气真好")  # unencoded, as typed
    assert "出门" in r.text
    assert "<h1>#天气真好#</h1>" in r.text
    r = await client.get("/tags/myna")  # tags match without regard to case
    assert "出门" in r.text
    assert "<h1>#myna</h1>" in r.text


async def test_only_public_posts_are_shown(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    bob = await make_user("bob")
    await container.relation_actions.do_follow(bob.id, alice.id)
    group_id = await container.group_actions.do_create(
        alice.id, NewGroup(handle="club", name="俱乐部", privacy="secret")
    )
    for visibility, text in [
        (Visibility.PUBLIC, "公开的"),
        (Visibility.UNLISTED, "不公开列出的"),
        (Visibility.FOLLOWERS, "粉丝的"),
        (Visibility.DIRECT, "私信的"),
    ]:
        await container.status_actions.do_post(
            alice.id, NewStatus(text=f"{text} #话题#", visibility=visibility)
        )
    await container.status_actions.do_post(
        alice.id,
        NewStatus(text="群里的 #话题#", visibility=Visibility.GROUP, group_id=group_id),
    )
    for signed_in in (False, True):
        if signed_in:
            await sign_in(client, "bob")  # a follower: still public posts only
        page = (await client.get("/tags/话题")).text
        assert "公开的" in page
        for hidden in ("不公开列出的", "粉丝的", "私信的", "群里的"):
            assert hidden not in page, hidden
    await container.relation_actions.do_block(alice.id, bob.id)
    assert "公开的" not in (await client.get("/tags/话题")).text


async def test_paging_and_empty_tags(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    posted = [
        await container.status_actions.do_post(alice.id, NewStatus(text=f"第{n:02d}条 #日记"))
        for n in range(22)
    ]
    page = (await client.get("/tags/日记")).text
    assert "第21条" in page and "第02条" in page and "第01条" not in page
    older = re.search(r'href="(/tags/[^"?]+\?max_id=\d+)"', page)
    assert older and older.group(1).endswith(f"?max_id={posted[2].id}")
    page = (await client.get(older.group(1))).text
    assert "第01条" in page and "第00条" in page and "第02条" not in page
    page = (await client.get("/tags/没人用过")).text
    assert "No public posts about this topic yet." in page
    assert (await client.get("/tags/")).status_code == 404
    assert (await client.get("/tags/%20")).status_code == 404
    assert (await client.get("/tags/" + "长" * 101)).status_code == 404


async def test_live_and_compose_for_signed_in_readers(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    await make_user("alice")
    page = (await client.get("/tags/天气")).text
    assert 'action="/web/statuses"' not in page  # signed out: no compose box
    await sign_in(client, "alice")
    page = (await client.get("/tags/天气")).text
    assert 'data-streams="hashtag:天气"' in page
    assert 'id="new-posts"' in page and 'data-stream="hashtag"' in page
    assert ">#天气# </textarea>" in page
    page = (await client.get("/tags/Myna")).text
    assert ">#Myna </textarea>" in page
    page = (await client.get(f"/tags/{quote('好 天气')}")).text  # a topic with a space
    assert 'data-streams=""' in page and 'id="new-posts"' not in page
    assert ">#好 天气# </textarea>" in page


async def test_posting_from_the_tag_page(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    await make_user("alice")
    await sign_in(client, "alice")
    here = f"/tags/{quote('天气', safe='')}"
    page = (await client.get(here)).text
    assert f'name="next" value="{here}"' in page
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert token
    r = await client.post(
        "/web/statuses",
        data={"csrf": token.group(1), "status": "#天气# 晴", "next": here, "visibility": "public"},
    )
    assert r.status_code == 303 and r.headers["location"] == here
    assert "晴" in (await client.get("/tags/天气")).text


async def test_tag_page_in_chinese(client: httpx.AsyncClient) -> None:
    client.cookies.set("myna_lang", "zh_CN")
    page = (await client.get("/tags/空的")).text
    assert "No public posts" not in page
    assert "还没有关于这个话题的公开微博" in page
