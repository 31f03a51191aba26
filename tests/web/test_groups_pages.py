"""Groups in the web interface: the list, creating, the group chat, joining, members,
requests, invitations and settings, driven through the forms like a person without
JavaScript (and with the fragment header where the page script sends one)."""

import html
import re
from typing import Any

import httpx
import pytest

from myna.actions.groups import NewGroup
from myna.actions.statuses import NewStatus
from myna.container import Container
from myna.models import Visibility
from tests.conftest import MakeUser, User, row_counts
from tests.web.conftest import Person
from tests.web.forms import csrf_of


async def post_form(
    client: httpx.AsyncClient, action: str, data: dict[str, str] | None = None, **kw: Any
) -> httpx.Response:
    csrf = csrf_of((await client.get("/groups")).text)
    return await client.post(action, data={"csrf": csrf, **(data or {})}, **kw)


async def make_group(
    container: Container, owner: User, handle: str, privacy: str = "public"
) -> int:
    return await container.group_actions.do_create(
        owner.id, NewGroup(handle=handle, name=f"{handle} 小组", privacy=privacy)
    )


async def group_post(container: Container, author: User, group_id: int, text: str) -> int:
    status = await container.status_actions.do_post(
        author.id, NewStatus(text=text, visibility=Visibility.GROUP, group_id=group_id)
    )
    return status.id


async def test_create_a_group_and_chat_in_it(person: Person, container: Container) -> None:
    async with person("alice") as (alice, a):
        page = await alice.get("/groups")
        assert page.status_code == 200 and 'action="/web/groups"' in page.text
        r = await post_form(
            alice,
            "/web/groups",
            {
                "handle": "Birders",
                "name": "观鸟小组",
                "description": "每周末去湿地",
                "privacy": "restricted",
            },
        )
        assert r.status_code == 303
        match = re.fullmatch(r"/groups/(\d+)", r.headers["location"])
        assert match
        gid = match.group(1)
        page = (await alice.get(f"/groups/{gid}")).text
        assert "观鸟小组" in page and "每周末去湿地" in page and "!Birders" in page
        assert "You are: Owner" in page
        assert f'data-streams="group:{gid}"' in page
        assert 'data-kind="group"' in page and f'action="/web/groups/{gid}/posts"' in page
        # By handle too, as the API's Group entity links it.
        assert (await alice.get("/groups/birders")).status_code == 200
        assert "观鸟小组" in (await alice.get("/groups")).text

        r = await post_form(alice, f"/web/groups/{gid}/posts", {"text": "今天看到白鹭"})
        assert r.status_code == 303 and r.headers["location"] == f"/groups/{gid}"
        r = await post_form(
            alice,
            f"/web/groups/{gid}/posts",
            {"text": "还有苍鹭"},
            headers={"X-Myna-Fragment": "1"},
        )
        assert r.status_code == 200 and r.text.strip().startswith('<li class="bubble mine"')
        page = (await alice.get(f"/groups/{gid}")).text
        assert page.index("今天看到白鹭") < page.index("还有苍鹭")
        bundle = await container.status_reads.group(a.id, int(gid), page=_page())
        assert [s.group_id for s in bundle.statuses] == [int(gid), int(gid)]


def _page() -> Any:
    from myna.lib.paging import Page

    return Page()


async def test_bad_group_forms_change_nothing(person: Person, container: Container) -> None:
    async with person("alice") as (alice, a), person("bob") as (bob, _b):
        gid = await make_group(container, a, "taken")
        before = await row_counts(container.db)
        cases = [
            ({"handle": "ok1", "name": "  ", "privacy": "public"}, "Name can't be blank"),
            ({"handle": "", "name": "x", "privacy": "public"}, "Handle can't be blank"),
            ({"handle": "no spaces", "name": "x", "privacy": "public"}, "ASCII letters"),
            ({"handle": "TAKEN", "name": "x", "privacy": "public"}, "Handle is already taken"),
            ({"handle": "ok2", "name": "x", "privacy": "open"}, "Privacy must be one of"),
            ({"handle": "ok3", "name": "名" * 101, "privacy": "public"}, "Name is too long"),
            ({"handle": "ok4", "name": "x", "description": "d" * 2001}, "Description is too long"),
        ]
        for data, message in cases:
            r = await post_form(alice, "/web/groups", data)
            assert r.status_code == 422, data
            assert message in html.unescape(r.text), data
            assert 'role="alert"' in r.text
        r = await alice.post("/web/groups", data={"csrf": "f" * 40, "handle": "x", "name": "x"})
        assert r.status_code == 403 and "This form has expired" in r.text
        r = await alice.post("/web/groups", data={"handle": "x", "name": "x"})
        assert r.status_code == 403
        # Posting: empty, too long, not a member, forged.
        r = await post_form(alice, f"/web/groups/{gid}/posts", {"text": " "})
        assert r.status_code == 422 and "Write a message first" in r.text
        r = await post_form(alice, f"/web/groups/{gid}/posts", {"text": "长" * 141})
        assert r.status_code == 422 and "长" * 141 in r.text
        r = await post_form(bob, f"/web/groups/{gid}/posts", {"text": "let me speak"})
        assert r.status_code == 403 and "Only members can post to this group" in r.text
        r = await bob.post(f"/web/groups/{gid}/posts", data={"text": "no token"})
        assert r.status_code == 403
        for bad in ("999999999", "abc"):
            r = await post_form(alice, f"/web/groups/{bad}/posts", {"text": "hi"})
            assert r.status_code == 404
        assert await row_counts(container.db) == before
        assert (await alice.get("/groups/999999999")).status_code == 404
        assert (await alice.get("/groups/no_such_group")).status_code == 404


async def test_non_members_never_see_private_posts(
    person: Person, container: Container, client: httpx.AsyncClient
) -> None:
    async with person("alice") as (_alice, a), person("eve") as (eve, _e):
        restricted = await make_group(container, a, "inner", "restricted")
        secret = await make_group(container, a, "hidden", "secret")
        public = await make_group(container, a, "open", "public")
        r_post = await group_post(container, a, restricted, "restricted words")
        s_post = await group_post(container, a, secret, "secret words")
        await group_post(container, a, public, "public words")

        page = await eve.get(f"/groups/{restricted}")
        assert page.status_code == 200
        assert "restricted words" not in page.text
        assert "Only members can read this group" in page.text
        assert "Ask to join" in page.text
        assert 'data-streams=""' in page.text or 'data-streams="group' not in page.text
        r = await eve.get(f"/web/fragments/messages/{r_post}")
        assert r.status_code == 404 and "restricted words" not in r.text
        for path in (f"/groups/{secret}", f"/groups/{secret}/members", "/groups/hidden"):
            r = await eve.get(path)
            assert r.status_code == 404, path
            assert "secret words" not in r.text and "hidden 小组" not in r.text
        r = await eve.get(f"/web/fragments/messages/{s_post}")
        assert r.status_code == 404
        # A restricted group's feed is empty to outsiders; a secret one does not exist.
        r = await eve.get(f"/web/fragments/groups/{restricted}/since/1")
        assert r.status_code == 200 and "restricted words" not in r.text
        assert "bubble" not in r.text
        r = await eve.get(f"/web/fragments/groups/{secret}/since/1")
        assert r.status_code == 404 and "secret words" not in r.text
        assert "hidden 小组" not in (await eve.get("/groups?q=hidden")).text
        assert "inner 小组" in (await eve.get("/groups?q=inner")).text
        # A public group's chat is open to read, but not to write without joining.
        page = (await eve.get(f"/groups/{public}")).text
        assert "public words" in page and "Join the group to take part" in page
        assert f'action="/web/groups/{public}/posts"' not in page
        # Signed out: the public group reads; the restricted one shows nothing.
        assert "public words" in (await client.get(f"/groups/{public}")).text
        r = await client.get(f"/groups/{restricted}")
        assert r.status_code == 200 and "restricted words" not in r.text
        assert "Sign in to join" in r.text
        assert (await client.get(f"/groups/{secret}")).status_code == 404


async def test_join_request_approve_and_leave(person: Person, container: Container) -> None:
    async with (
        person("alice") as (alice, a),
        person("bob") as (bob, b),
        person("carol") as (carol, _c),
    ):
        gid = await make_group(container, a, "club", "restricted")
        await group_post(container, a, gid, "members only news")
        r = await post_form(bob, f"/web/groups/{gid}/join", {"next": f"/groups/{gid}"})
        assert r.status_code == 303
        page = (await bob.get(f"/groups/{gid}")).text
        assert "waiting for approval" in page and "Withdraw request" in page
        assert "members only news" not in page
        await post_form(carol, f"/web/groups/{gid}/join")
        # Only managers see requests.
        assert (await bob.get(f"/groups/{gid}/requests")).status_code == 403
        page = (await alice.get(f"/groups/{gid}/requests")).text
        assert "@bob" in page and "@carol" in page
        r = await post_form(alice, f"/web/groups/{gid}/requests/{b.id}/authorize")
        assert r.status_code == 303
        r = await post_form(alice, f"/web/groups/{gid}/requests/{_c.id}/reject")
        assert r.status_code == 303
        page = (await alice.get(f"/groups/{gid}/requests")).text
        assert "Nobody is waiting to join." in page
        before = await row_counts(container.db)
        r = await post_form(alice, f"/web/groups/{gid}/requests/{_c.id}/authorize")
        assert r.status_code == 404  # no request any more
        assert await row_counts(container.db) == before
        page = (await bob.get(f"/groups/{gid}")).text
        assert "members only news" in page and "You are: Member" in page
        assert f'data-streams="group:{gid}"' in page
        # In-home switch, then leaving.
        r = await post_form(bob, f"/web/groups/{gid}/home", {"in_home": "0"})
        assert r.status_code == 303
        assert "Show in my home timeline" in (await bob.get(f"/groups/{gid}")).text
        r = await post_form(bob, f"/web/groups/{gid}/leave", {"next": f"/groups/{gid}"})
        assert r.status_code == 303
        assert "members only news" not in (await bob.get(f"/groups/{gid}")).text
        # The owner cannot leave.
        r = await post_form(alice, f"/web/groups/{gid}/leave")
        assert r.status_code == 403 and "transfer ownership first" in r.text
        _ = carol


async def test_invitations_to_a_secret_group(person: Person, container: Container) -> None:
    async with (
        person("alice") as (alice, a),
        person("bob") as (bob, _b),
        person("carol") as (carol, _c),
    ):
        gid = await make_group(container, a, "circle", "secret")
        before = await row_counts(container.db)
        r = await post_form(alice, f"/web/groups/{gid}/invites", {"username": "nobody"})
        assert r.status_code == 422 and "There is nobody called @nobody here." in r.text
        r = await post_form(alice, f"/web/groups/{gid}/invites", {"username": ""})
        assert r.status_code == 422 and "Enter a username." in r.text
        assert await row_counts(container.db) == before
        # A non-member cannot invite: the secret group does not exist for them.
        r = await post_form(bob, f"/web/groups/{gid}/invites", {"username": "carol"})
        assert r.status_code == 404
        assert await row_counts(container.db) == before

        for name in ("bob", "@carol"):
            r = await post_form(alice, f"/web/groups/{gid}/invites", {"username": name})
            assert r.status_code == 303
        page = (await bob.get("/groups")).text
        assert "circle 小组" in page and "Accept invitation" in page
        page = (await bob.get(f"/groups/{gid}")).text
        assert "You are invited to this group." in page
        r = await post_form(bob, f"/web/groups/{gid}/join", {"next": f"/groups/{gid}"})
        assert r.status_code == 303
        assert "You are: Member" in (await bob.get(f"/groups/{gid}")).text
        assert "Accept invitation" not in (await bob.get("/groups")).text
        # Carol declines: the group is gone from her sight.
        r = await post_form(carol, f"/web/groups/{gid}/leave", {"next": "/groups"})
        assert r.status_code == 303 and r.headers["location"] == "/groups"
        assert (await carol.get(f"/groups/{gid}")).status_code == 404
        assert "circle 小组" not in (await carol.get("/groups")).text


async def test_member_management(person: Person, container: Container) -> None:
    async with (
        person("alice") as (alice, a),
        person("bob") as (bob, b),
        person("carol") as (carol, c),
        person("dave") as (_dave, d),
    ):
        gid = await make_group(container, a, "team")
        other = await make_group(container, d, "elsewhere")
        for user in (b, c):
            await container.group_actions.do_join(user.id, gid)
        page = (await alice.get(f"/groups/{gid}/members")).text
        assert "Make admin" in page and "Transfer ownership" in page and "Invite someone" in page
        # Plain members see no management.
        page = (await carol.get(f"/groups/{gid}/members")).text
        assert "Make admin" not in page and "@bob" in page and "Invite someone" not in page

        r = await post_form(alice, f"/web/groups/{gid}/members/{b.id}/role", {"role": "admin"})
        assert r.status_code == 303
        page = (await bob.get(f"/groups/{gid}/members")).text
        assert "You are: Admin" in page
        assert f"/web/groups/{gid}/members/{c.id}/remove" in page  # an admin manages members
        assert "Make admin" not in page  # but not roles

        before = await row_counts(container.db)
        bad = [
            (carol, f"/web/groups/{gid}/members/{b.id}/remove", {}, 403),  # a plain member
            (bob, f"/web/groups/{gid}/members/{a.id}/ban", {}, 403),  # nobody acts on the owner
            (bob, f"/web/groups/{gid}/members/{b.id}/remove", {}, 403),  # nor on themselves
            (bob, f"/web/groups/{gid}/members/{c.id}/role", {"role": "admin"}, 403),
            (alice, f"/web/groups/{gid}/members/{c.id}/role", {"role": "owner"}, 422),
            (alice, f"/web/groups/{gid}/members/{c.id}/role", {"role": "king"}, 422),
            (alice, f"/web/groups/{gid}/members/{d.id}/remove", {}, 404),  # another group's member
            (alice, f"/web/groups/{other}/members/{d.id}/remove", {}, 403),  # not my group
            (alice, f"/web/groups/{gid}/members/999999/remove", {}, 404),
            (alice, f"/web/groups/{gid}/members/abc/remove", {}, 404),
            (alice, f"/web/groups/{gid}/members/{c.id}/transfer", {}, 422),  # not confirmed
            (alice, f"/web/groups/{gid}/members/{d.id}/transfer", {"confirm": "1"}, 422),
            (alice, f"/web/groups/{gid}/bans", {"username": "ghost"}, 422),
        ]
        for who, action, data, status in bad:
            r = await post_form(who, action, data)
            assert r.status_code == status, (action, data, r.status_code)
            assert 'role="alert"' in r.text
        r = await alice.post(f"/web/groups/{gid}/members/{c.id}/remove", data={"csrf": "0" * 40})
        assert r.status_code == 403
        assert await row_counts(container.db) == before

        r = await post_form(bob, f"/web/groups/{gid}/members/{c.id}/remove")
        assert r.status_code == 303
        assert f'id="member-{c.id}"' not in (await alice.get(f"/groups/{gid}/members")).text
        r = await post_form(alice, f"/web/groups/{gid}/bans", {"username": "carol"})
        assert r.status_code == 303
        r = await post_form(carol, f"/web/groups/{gid}/join")
        assert r.status_code == 403 and "You are banned from this group" in r.text
        r = await post_form(alice, f"/web/groups/{gid}/unbans", {"username": "carol"})
        assert r.status_code == 303
        assert (await post_form(carol, f"/web/groups/{gid}/join")).status_code == 303

        r = await post_form(alice, f"/web/groups/{gid}/members/{b.id}/role", {"role": "member"})
        assert r.status_code == 303
        r = await post_form(alice, f"/web/groups/{gid}/members/{b.id}/transfer", {"confirm": "1"})
        assert r.status_code == 303
        assert "You are: Owner" in (await bob.get(f"/groups/{gid}")).text
        assert "You are: Admin" in (await alice.get(f"/groups/{gid}")).text


async def test_moderators_delete_posts_in_the_chat(person: Person, container: Container) -> None:
    async with person("alice") as (alice, a), person("bob") as (bob, b):
        gid = await make_group(container, a, "mods")
        await container.group_actions.do_join(b.id, gid)
        mine = await group_post(container, a, gid, "owner words")
        theirs = await group_post(container, b, gid, "spam spam")
        page = (await alice.get(f"/groups/{gid}")).text
        assert f"/web/chat/{theirs}/delete" in page  # the owner moderates
        page = (await bob.get(f"/groups/{gid}")).text
        assert f"/web/chat/{mine}/delete" not in page and f"/web/chat/{theirs}/delete" in page
        r = await bob.get(f"/web/fragments/messages/{mine}")
        assert r.status_code == 200 and "/delete" not in r.text
        before = await row_counts(container.db)
        r = await post_form(bob, f"/web/chat/{mine}/delete")
        assert r.status_code == 404
        assert await row_counts(container.db) == before
        r = await post_form(alice, f"/web/chat/{theirs}/delete", {"next": f"/groups/{gid}"})
        assert r.status_code == 303 and r.headers["location"] == f"/groups/{gid}"
        assert "spam spam" not in (await bob.get(f"/groups/{gid}")).text


async def test_settings_and_deleting(person: Person, container: Container) -> None:
    async with person("alice") as (alice, a), person("bob") as (bob, b):
        gid = await make_group(container, a, "settled")
        await container.group_actions.do_join(b.id, gid)
        await group_post(container, b, gid, "a post that goes with the group")
        assert (await bob.get(f"/groups/{gid}/settings")).status_code == 403
        page = (await alice.get(f"/groups/{gid}/settings")).text
        assert "Delete this group" in page and 'value="settled 小组"' in page
        before = await row_counts(container.db)
        r = await post_form(bob, f"/web/groups/{gid}/settings", {"name": "mine now"})
        assert r.status_code == 403
        r = await post_form(alice, f"/web/groups/{gid}/settings", {"name": "", "privacy": "public"})
        assert r.status_code == 422 and "Name can't be blank" in html.unescape(r.text)
        r = await post_form(
            alice, f"/web/groups/{gid}/settings", {"name": "x", "privacy": "everyone"}
        )
        assert r.status_code == 422
        r = await post_form(alice, f"/web/groups/{gid}/delete")
        assert r.status_code == 422 and "Tick the box" in r.text
        r = await post_form(bob, f"/web/groups/{gid}/delete", {"confirm": "1"})
        assert r.status_code == 403
        assert await row_counts(container.db) == before

        r = await post_form(
            alice,
            f"/web/groups/{gid}/settings",
            {"name": "新名字", "description": "新的简介", "privacy": "restricted"},
        )
        assert r.status_code == 303
        page = (await alice.get(f"/groups/{gid}")).text
        assert "新名字" in page and "新的简介" in page and "Joining needs approval" in page
        r = await post_form(alice, f"/web/groups/{gid}/delete", {"confirm": "1"})
        assert r.status_code == 303 and r.headers["location"] == "/groups"
        assert (await alice.get(f"/groups/{gid}")).status_code == 404
        assert (await bob.get(f"/groups/{gid}")).status_code == 404


async def test_live_group_pieces(person: Person, container: Container) -> None:
    async with person("alice") as (alice, a), person("bob") as (bob, b):
        gid = await make_group(container, a, "live", "restricted")
        post = await group_post(container, a, gid, "fresh")
        r = await alice.get(f"/web/fragments/messages/{post}")
        assert r.status_code == 200 and f'id="message-{post}"' in r.text
        assert "<html" not in r.text
        await container.group_actions.do_join(b.id, gid)  # asks only
        assert (await bob.get(f"/web/fragments/messages/{post}")).status_code == 404
        await container.group_actions.do_authorize(a.id, gid, b.id)
        r = await bob.get(f"/web/fragments/messages/{post}")
        assert r.status_code == 200 and "fresh" in r.text
        later = await group_post(container, a, gid, "later")
        r = await bob.get(f"/web/fragments/groups/{gid}/since/{post}")
        assert r.status_code == 200 and "later" in r.text and "fresh" not in r.text
        assert f'id="message-{later}"' in r.text
        _ = alice


async def test_my_groups_pages(person: Person, container: Container, make_user: MakeUser) -> None:
    async with person("alice") as (alice, a):
        owner = await make_user("owner")
        ids = [await make_group(container, owner, f"g{i}") for i in range(22)]
        for gid in ids:
            await container.group_actions.do_join(a.id, gid)
        page = (await alice.get("/groups")).text
        assert "g21 小组" in page and "g0 小组" not in page
        older = re.search(r'href="/groups\?max_id=(\d+)"', page)
        assert older
        page = (await alice.get(f"/groups?max_id={older.group(1)}")).text
        assert "g0 小组" in page and "g21 小组" not in page


async def test_chinese_group_pages(person: Person, container: Container) -> None:
    async with person("alice") as (alice, a):
        alice.cookies.set("myna_lang", "zh_CN")
        gid = await make_group(container, a, "zh")
        page = (await alice.get(f"/groups/{gid}")).text
        assert "群聊" in page and "群主" in page and "发送" in page
        r = await post_form(alice, "/web/groups", {"handle": "zh", "name": "x"})
        assert r.status_code == 422 and "这个群号已被占用" in r.text
        page = (await alice.get(f"/groups/{gid}/members")).text
        assert "邀请成员" in page


async def test_group_reads_for_the_pages(container: Container, make_user: MakeUser) -> None:
    """The reads behind the group pages: a group by handle, and the invitations one holds."""
    from myna.lib.errors import NotFound

    owner, guest, stranger = [await make_user(n) for n in ("owner", "guest", "stranger")]
    secret = await make_group(container, owner, "Quiet", "secret")
    public = await make_group(container, owner, "Loud")
    assert (await container.group_reads.by_handle(owner.id, "quiet")).group.id == secret
    assert (await container.group_reads.by_handle(None, "LOUD")).group.id == public
    for viewer in (stranger.id, None):
        with pytest.raises(NotFound):
            await container.group_reads.by_handle(viewer, "Quiet")
    with pytest.raises(NotFound):
        await container.group_reads.by_handle(owner.id, "nothing")

    assert await container.group_reads.invitations(guest.id) == []
    await container.group_actions.do_invite(owner.id, secret, guest.id)
    await container.group_actions.do_invite(owner.id, public, guest.id)
    invited = await container.group_reads.invitations(guest.id)
    assert [v.group.id for v in invited] == [public, secret]  # newest invitation first
    assert all(v.invited and v.role is None for v in invited)
    assert (await container.group_reads.by_handle(guest.id, "Quiet")).invited
    await container.group_actions.do_join(guest.id, secret)
    assert [v.group.id for v in await container.group_reads.invitations(guest.id)] == [public]
    assert await container.group_reads.invitations(stranger.id) == []
