"""A status's page (/@username/id) and the forms on every status card: comments, reposts,
likes, deleting and voting, driven like a browser without JavaScript; and who may see what."""

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from myna.actions.groups import NewGroup
from myna.actions.polls import NewPoll
from myna.actions.statuses import NewStatus
from myna.container import Container
from myna.lib.paging import Page
from myna.models import Visibility
from tests.conftest import BASE_URL, MakeUser, User, row_counts
from tests.web.forms import csrf, sign_in, submit


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def card(page: str, status_id: int) -> str:
    start = page.rindex("<article", 0, page.index(f'id="status-{status_id}"'))
    return page[start : page.index("</article>", start)]


@pytest.fixture
async def other(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser, for a second person."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as c:
        yield c


async def post(container: Container, user: User, text: str, **fields: object) -> int:
    status = await container.status_actions.do_post(user.id, NewStatus(text=text, **fields))  # type: ignore[arg-type]
    return status.id


async def test_a_public_status_with_its_thread_signed_out(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    bob = await make_user("bob")
    root = await post(container, alice, "楼主")
    middle = await post(container, bob, "@alice 沙发", in_reply_to_id=root)
    leaf = await post(container, alice, "@bob 谢谢", in_reply_to_id=middle)
    other_branch = await post(container, bob, "@alice 板凳", in_reply_to_id=root)
    r = await client.get(f"/@bob/{middle}")
    assert r.status_code == 200
    page = r.text
    assert "<title>bob: @alice 沙发" in page
    page = page[page.index("<main") :]
    assert page.index("楼主") < page.index("沙发") < page.index("谢谢")
    assert 'class="ancestors"' in page
    assert "status-full" in card(page, middle)
    assert f'id="status-{leaf}"' in page and "depth-1" in card(page, leaf)
    r = await client.get(f"/@alice/{root}")
    page = r.text
    assert "depth-1" in card(page, middle) and "depth-2" in card(page, leaf)
    assert "depth-1" in card(page, other_branch)
    # Depth-first: a comment's replies come right after it.
    assert page.index(f"status-{middle}") < page.index(f"status-{leaf}")
    assert page.index(f"status-{leaf}") < page.index(f"status-{other_branch}")
    assert "Comments 2" in words(page)
    assert 'action="/web/statuses"' not in page  # no comment box
    assert "/favourite" not in page  # counts only
    assert f"/auth/sign_in?next=/%40alice/{root}" in page or "Sign in to comment" in page


async def test_addresses(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    bob = await make_user("bob")
    status = await post(container, alice, "hello")
    r = await client.get(f"/@bob/{status}")
    assert r.status_code == 303 and r.headers["location"] == f"/@alice/{status}"
    assert (await client.get(f"/@ALICE/{status}")).status_code == 200
    repost = await container.status_actions.do_reblog(bob.id, status, None)
    r = await client.get(f"/@bob/{repost.id}")
    assert r.status_code == 303 and r.headers["location"] == f"/@alice/{status}"
    assert (await client.get(f"/@alice/{status + 1}")).status_code == 404
    assert (await client.get("/@alice/99999999999999999999")).status_code == 404
    assert (await client.get(f"/@alice/{status}?tab=nonsense")).status_code == 200


@pytest.mark.parametrize("viewer", ["signed-out", "stranger", "blocked"])
async def test_private_posts_are_not_found_for_those_not_entitled(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser, viewer: str
) -> None:
    alice = await make_user("alice")
    bob = await make_user("bob")
    carol = await make_user("carol")
    await container.relation_actions.do_follow(carol.id, alice.id)
    followers = await post(container, alice, "粉丝可见", visibility=Visibility.FOLLOWERS)
    direct = await post(container, alice, "@carol 私密", visibility=Visibility.DIRECT)
    group_id = await container.group_actions.do_create(
        alice.id, NewGroup(handle="secret", name="秘密群", privacy="secret")
    )
    in_group = await post(container, alice, "群内", visibility=Visibility.GROUP, group_id=group_id)
    public = await post(container, alice, "公开")
    reply = await post(container, carol, "@alice 公开回复", in_reply_to_id=followers)
    if viewer != "signed-out":
        await sign_in(client, "bob")
    if viewer == "blocked":
        await container.relation_actions.do_block(alice.id, bob.id)
    for hidden in (followers, direct, in_group):
        r = await client.get(f"/@alice/{hidden}")
        assert r.status_code == 404, hidden
        assert "粉丝可见" not in r.text and "私密" not in r.text and "群内" not in r.text
    r = await client.get(f"/@alice/{public}")
    assert r.status_code == (404 if viewer == "blocked" else 200)
    # A public reply to a followers-only post: its parent stays hidden.
    r = await client.get(f"/@carol/{reply}")
    assert r.status_code == 200
    assert "公开回复" in r.text and "粉丝可见" not in r.text
    # The entitled see them.
    await sign_in(client, "carol")
    for shown in (followers, direct):
        assert (await client.get(f"/@alice/{shown}")).status_code == 200


async def test_comment_box_posts_a_reply(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await make_user("bob")
    root = await post(container, alice, "楼主")
    await sign_in(client, "bob")
    page = (await client.get(f"/@alice/{root}")).text
    assert f'name="in_reply_to_id" value="{root}"' in page
    assert ">@alice </textarea>" in page
    r = await submit(
        client,
        "/web/statuses",
        {"status": "@alice 好！", "in_reply_to_id": str(root), "next": f"/@alice/{root}#comments"},
        page=f"/@alice/{root}",
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/@alice/{root}#comments"
    page = (await client.get(f"/@alice/{root}")).text
    assert "好！" in page and "depth-1" in page
    assert "Comments 1" in words(page)


async def test_a_refused_comment_shows_the_status_page_again(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await make_user("bob")
    root = await post(container, alice, "楼主")
    await sign_in(client, "bob")
    before = await row_counts(container.db)
    r = await submit(
        client,
        "/web/statuses",
        {"status": "  ", "in_reply_to_id": str(root)},
        page=f"/@alice/{root}",
    )
    assert r.status_code == 422
    assert "楼主" in r.text and "the post is empty" in r.text
    assert 'name="in_reply_to_id"' in r.text
    assert await row_counts(container.db) == before


async def test_a_reply_to_a_direct_post_stays_direct(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await make_user("bob")
    await make_user("carol")
    direct = await post(container, alice, "@bob @carol 三人聊", visibility=Visibility.DIRECT)
    await sign_in(client, "bob")
    page = (await client.get(f"/@alice/{direct}")).text
    assert ">@alice @carol </textarea>" in page
    assert '<option value="direct" selected>' in page


async def test_like_and_repost_forms(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    bob = await make_user("bob")
    status = await post(container, alice, "点赞我")
    await sign_in(client, "bob")
    here = f"/@alice/{status}"
    r = await submit(client, f"/web/statuses/{status}/favourite", {"next": here}, page=here)
    assert r.status_code == 303 and r.headers["location"] == here
    page = (await client.get(here)).text
    mine = card(page, status)
    assert f'action="/web/statuses/{status}/unfavourite"' in mine
    assert 'aria-pressed="true"' in mine and "Like 1" in words(mine)
    r = await submit(client, f"/web/statuses/{status}/reblog", {"next": here}, page=here)
    assert r.status_code == 303
    page = (await client.get(here)).text
    assert "Repost 1" in words(card(page, status))
    assert f'action="/web/statuses/{status}/unreblog"' in page
    api = await client.get(f"/api/v1/statuses/{status}", headers=bob.headers)
    assert api.json()["favourited"] and api.json()["reblogged"]
    # The likes and reposts tabs name bob.
    assert "@bob" in (await client.get(f"{here}?tab=likes")).text
    assert "@bob" in (await client.get(f"{here}?tab=reposts")).text
    # Undo both.
    await submit(client, f"/web/statuses/{status}/unfavourite", {"next": here}, page=here)
    await submit(client, f"/web/statuses/{status}/unreblog", {"next": here}, page=here)
    api = await client.get(f"/api/v1/statuses/{status}", headers=bob.headers)
    assert not api.json()["favourited"] and not api.json()["reblogged"]
    assert "Nobody has liked this yet." in (await client.get(f"{here}?tab=likes")).text


async def test_reposts_tab_shows_quotes_the_viewer_may_see(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    bob = await make_user("bob")
    carol = await make_user("carol")
    status = await post(container, alice, "原文")
    await post(container, bob, "说得好", quoted_status_id=status)
    await post(
        container, carol, "只给粉丝的引用", quoted_status_id=status, visibility=Visibility.FOLLOWERS
    )
    page = (await client.get(f"/@alice/{status}?tab=reposts")).text
    assert "说得好" in page
    assert "只给粉丝的引用" not in page
    reads = await container.status_reads.quotes_of(None, status, Page())
    assert [s.text for s in reads.statuses] == ["说得好"]
    reads = await container.status_reads.quotes_of(carol.id, status, Page())
    assert [s.text for s in reads.statuses] == ["只给粉丝的引用", "说得好"]


async def test_actions_refused_change_nothing(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await make_user("bob")
    hidden = await post(container, alice, "秘密", visibility=Visibility.FOLLOWERS)
    public = await post(container, alice, "公开")
    await sign_in(client, "bob")
    before = await row_counts(container.db)
    for action in ("favourite", "unfavourite", "reblog", "unreblog", "delete", "vote"):
        r = await submit(client, f"/web/statuses/{hidden}/{action}", {"choices": "0"})
        assert r.status_code == 404, action
        assert "秘密" not in r.text
        r = await submit(client, f"/web/statuses/nonsense/{action}", {"choices": "0"})
        assert r.status_code == 404, action
    r = await submit(client, f"/web/statuses/{public}/delete")  # not mine
    assert r.status_code == 404
    r = await client.post(f"/web/statuses/{public}/favourite", data={"csrf": "0" * 40})
    assert r.status_code == 403
    r = await client.post(f"/web/statuses/{public}/favourite")
    assert r.status_code == 403
    assert await row_counts(container.db) == before


async def test_followers_only_posts_cannot_be_reposted(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    bob = await make_user("bob")
    await container.relation_actions.do_follow(bob.id, alice.id)
    status = await post(container, alice, "粉丝可见", visibility=Visibility.FOLLOWERS)
    await sign_in(client, "bob")
    page = (await client.get(f"/@alice/{status}")).text
    assert f"/web/statuses/{status}/reblog" not in page
    assert f"/?quote={status}" not in page
    before = await row_counts(container.db)
    r = await submit(client, f"/web/statuses/{status}/reblog")
    assert r.status_code == 422
    assert "This post cannot be reposted." in r.text
    assert await row_counts(container.db) == before


async def test_delete_my_post(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    status = await post(container, alice, "要删除的")
    kept = await post(container, alice, "留着的")
    await sign_in(client, "alice")
    page = (await client.get("/")).text
    assert f'action="/web/statuses/{status}/delete"' in card(page, status)
    r = await submit(client, f"/web/statuses/{kept}/delete", {"next": "/"})
    assert r.status_code == 303 and r.headers["location"] == "/"
    here = f"/@alice/{status}"
    r = await submit(client, f"/web/statuses/{status}/delete", {"next": here}, page=here)
    assert r.status_code == 303 and r.headers["location"] == "/@alice"  # its page is gone
    assert (await client.get(here)).status_code == 404
    assert "要删除的" not in (await client.get("/")).text


async def test_voting(
    client: httpx.AsyncClient,
    other: httpx.AsyncClient,
    container: Container,
    make_user: MakeUser,
) -> None:
    alice = await make_user("alice")
    await make_user("bob")
    poll = NewPoll(options=("猫", "狗"), expires_in=3600)
    status = await post(container, alice, "猫还是狗？", poll=poll)
    await sign_in(client, "bob")
    here = f"/@alice/{status}"
    page = (await client.get(here)).text
    assert f'action="/web/statuses/{status}/vote"' in page
    assert 'type="radio" name="choices" value="1"' in page
    before = await row_counts(container.db)
    r = await submit(client, f"/web/statuses/{status}/vote", {"next": here}, page=here)
    assert r.status_code == 422 and "Choose an option first." in r.text
    r = await submit(client, f"/web/statuses/{status}/vote", {"choices": "7"}, page=here)
    assert r.status_code == 422
    r = await submit(client, f"/web/statuses/{status}/vote", {"choices": "x"}, page=here)
    assert r.status_code == 422
    assert await row_counts(container.db) == before
    r = await submit(
        client, f"/web/statuses/{status}/vote", {"choices": "1", "next": here}, page=here
    )
    assert r.status_code == 303
    page = (await client.get(here)).text
    assert "/vote" not in page
    assert "100%" in page and "Voters: 1" in page
    before = await row_counts(container.db)
    r = await submit(client, f"/web/statuses/{status}/vote", {"choices": "0"})
    assert r.status_code == 422 and "already voted" in r.text
    assert await row_counts(container.db) == before
    # Signed out: the results, no form.
    page = (await other.get(here)).text
    assert "/vote" not in page and "100%" in page


async def test_the_status_page_in_chinese(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    bob = await make_user("bob")
    poll = NewPoll(options=("好", "不好"), expires_in=3600)
    status = await post(container, alice, "你好", poll=poll)
    view = await container.poll_reads.one(
        alice.id, (await container.status_reads.one(alice.id, status)).polls[status].poll.id
    )
    await container.poll_actions.do_vote(bob.id, view.poll.id, [0])
    await sign_in(client, "alice")
    client.cookies.set("myna_lang", "zh_CN")
    page = (await client.get(f"/@alice/{status}")).text
    assert "评论" in page and "转发" in page and "赞" in page
    assert "1 人参与" in page
    assert "Comments" not in page


async def test_csrf_field_on_every_card_form(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await post(container, alice, "一条")
    await sign_in(client, "alice")
    page = (await client.get("/")).text
    token = await csrf(client)
    for form in re.findall(r"<form [^>]*method=\"post\".*?</form>", page, re.S):
        assert f'name="csrf" value="{token}"' in form


async def test_a_page_script_may_act_in_place(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    """With the fragment header the action answers 204 (the script re-renders the card);
    without it, a 303 back to the page."""
    alice = await make_user("alice")
    await make_user("bob")
    status = await container.status_actions.do_post(alice.id, NewStatus(text="like me"))
    await sign_in(client, "bob")
    script = {"X-Myna-Fragment": "1"}
    r = await submit(client, f"/web/statuses/{status.id}/favourite", headers=script)
    assert r.status_code == 204
    r = await submit(client, f"/web/statuses/{status.id}/unfavourite", {"next": "/tags/x"})
    assert r.status_code == 303 and r.headers["location"] == "/tags/x"
    r = await submit(client, f"/web/statuses/{status.id}/reblog", headers=script)
    assert r.status_code == 204
    page = (await client.get(f"/web/fragments/statuses?ids={status.id}")).text
    assert f'action="/web/statuses/{status.id}/unreblog"' in page
    r = await submit(client, "/web/statuses/123/favourite", headers=script)
    assert r.status_code == 404  # the script then submits the form itself: the page says why
