"""Direct messages in the web interface, driven through the forms like a person without
JavaScript (and, where a page script would, with the fragment header)."""

import re
from typing import Any

import httpx
import pytest

from myna.actions.statuses import NewStatus
from myna.container import Container
from myna.lib.paging import Page
from myna.models import Visibility
from tests.conftest import MakeUser, row_counts
from tests.web.conftest import Person
from tests.web.forms import csrf_of


async def post_form(
    client: httpx.AsyncClient, page: str, action: str, data: dict[str, str], **kw: Any
) -> httpx.Response:
    csrf = csrf_of((await client.get(page)).text)
    return await client.post(action, data={"csrf": csrf, **data}, **kw)


async def start(client: httpx.AsyncClient, to: str, text: str) -> httpx.Response:
    return await post_form(client, "/messages", "/web/messages", {"to": to, "text": text})


def conversation_of(response: httpx.Response) -> int:
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/messages/(\d+)", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


async def test_write_to_someone_and_chat(person: Person, container: Container) -> None:
    async with person("alice") as (alice, a), person("bob") as (bob, b):
        r = await start(alice, "bob", "你好，鲍勃")
        cid = conversation_of(r)
        page = (await alice.get(f"/messages/{cid}")).text
        assert "你好，鲍勃" in page
        assert 'class="bubble mine"' in page
        assert "@bob 你好" not in page  # the address is not shown in the bubble
        assert 'data-kind="direct"' in page and f'data-id="{cid}"' in page
        assert 'data-streams="direct"' in page

        # Bob sees it in his list, unread, then reads it: it is marked read.
        inbox = (await bob.get("/messages")).text
        assert f'href="/messages/{cid}"' in inbox
        assert "conversation unread" in inbox
        assert "你好，鲍勃" in inbox
        page = (await bob.get(f"/messages/{cid}")).text
        assert 'class="bubble theirs"' in page
        listing = await container.conversation_reads.page(b.id, Page())
        assert not listing.conversations[0].unread

        # Bob answers in the conversation, without JavaScript: a 303 back to it.
        r = await post_form(bob, f"/messages/{cid}", f"/web/messages/{cid}", {"text": "Hi!\r\nOK"})
        assert r.status_code == 303
        assert r.headers["location"] == f"/messages/{cid}"
        page = (await alice.get(f"/messages/{cid}")).text
        assert page.index("你好，鲍勃") < page.index("Hi!")  # oldest first
        listing = await container.conversation_reads.page(a.id, Page())
        assert len(listing.conversations) == 1  # the same conversation, not a new one


async def test_sending_with_javascript_answers_the_bubble(person: Person) -> None:
    async with person("alice") as (alice, _a), person("bob") as (_bob, _b):
        cid = conversation_of(await start(alice, "@bob", "first"))
        r = await post_form(
            alice,
            f"/messages/{cid}",
            f"/web/messages/{cid}",
            {"text": "second <b>bold</b>"},
            headers={"X-Myna-Fragment": "1"},
        )
        assert r.status_code == 200
        assert r.text.strip().startswith('<li class="bubble mine"')
        assert "second &lt;b&gt;bold&lt;/b&gt;" in r.text
        assert "<html" not in r.text
        # The same message as a fragment, as the live layer fetches it.
        status_id = re.search(r'id="message-(\d+)"', r.text)
        assert status_id
        r = await alice.get(f"/web/fragments/messages/{status_id.group(1)}")
        assert r.status_code == 200 and "second" in r.text


async def test_new_message_page_from_a_profile(person: Person) -> None:
    async with person("alice") as (alice, _a), person("bob") as (bob, _b):
        page = await alice.get("/messages/new?to=bob")
        assert page.status_code == 200
        assert 'action="/web/messages"' in page.text
        assert 'name="to" value="bob"' in page.text
        assert "No messages yet" in page.text
        csrf = csrf_of(page.text)
        r = await alice.post(
            "/web/messages",
            data={"csrf": csrf, "to": "bob", "text": "hello", "next": "/messages/new?to=bob"},
        )
        cid = conversation_of(r)
        # Once they share a conversation, the link leads to it.
        r = await alice.get("/messages/new?to=bob")
        assert r.status_code == 303 and r.headers["location"] == f"/messages/{cid}"
        r = await bob.get("/messages/new?to=alice")
        assert r.status_code == 303 and r.headers["location"] == f"/messages/{cid}"
        r = await alice.get("/messages/new?to=nobody_here")
        assert r.status_code == 422
        assert "There is nobody called @nobody_here here." in r.text


async def test_group_conversation_with_two_people(person: Person) -> None:
    async with (
        person("alice") as (alice, _a),
        person("bob") as (bob, _b),
        person("carol") as (carol, _c),
    ):
        cid = conversation_of(await start(alice, "bob, carol", "three of us"))
        r = await post_form(carol, f"/messages/{cid}", f"/web/messages/{cid}", {"text": "yes"})
        assert r.status_code == 303
        page = (await bob.get(f"/messages/{cid}")).text
        assert "three of us" in page and "yes" in page
        assert "alice" in page and "carol" in page


async def test_bad_input_changes_nothing(person: Person, container: Container) -> None:
    async with person("alice") as (alice, _a), person("bob") as (_bob, _b):
        cid = conversation_of(await start(alice, "bob", "first"))
        before = await row_counts(container.db)
        cases = [
            ({"to": "bob", "text": "   "}, 422, "Write a message first"),
            ({"to": "", "text": "hi"}, 422, "Say who the message is for."),
            ({"to": "alice", "text": "hi"}, 422, "Say who the message is for."),
            ({"to": "ghost", "text": "hi"}, 422, "There is nobody called @ghost here."),
            ({"to": "bob", "text": "长" * 200}, 422, "the limit is 140"),
        ]
        for data, status, message in cases:
            r = await start(alice, data["to"], data["text"])
            assert r.status_code == status, (data, r.status_code)
            assert message in r.text, data
        # The form comes back with what was typed.
        r = await start(alice, "bob", "长" * 200)
        assert "长" * 200 in r.text
        r = await post_form(alice, f"/messages/{cid}", f"/web/messages/{cid}", {"text": ""})
        assert r.status_code == 422 and "Write a message first" in r.text
        r = await post_form(alice, f"/messages/{cid}", f"/web/messages/{cid}", {"text": "x" * 400})
        assert r.status_code == 422 and 'id="chat-error"' in r.text and "x" * 400 in r.text
        # A forged or missing CSRF token.
        r = await alice.post(f"/web/messages/{cid}", data={"csrf": "0" * 40, "text": "hi"})
        assert r.status_code == 403 and "This form has expired" in r.text
        r = await alice.post("/web/messages", data={"to": "bob", "text": "hi"})
        assert r.status_code == 403
        # Conversations that do not exist, and ids that are not ids.
        for bad in ("123456789", "abc", "-1", "9" * 30):
            r = await post_form(alice, "/messages", f"/web/messages/{bad}", {"text": "hi"})
            assert r.status_code == 404, bad
            r = await alice.get(f"/messages/{bad}")
            assert r.status_code == 404, bad
        assert await row_counts(container.db) == before


async def test_nobody_across_a_block_gets_a_message(person: Person, container: Container) -> None:
    async with (
        person("alice") as (alice, a),
        person("bob") as (_bob, b),
        person("carol") as (
            _carol,
            c,
        ),
    ):
        await container.relation_actions.do_block(b.id, a.id)  # bob blocks alice
        await container.relation_actions.do_block(a.id, c.id)  # alice blocks carol
        before = await row_counts(container.db)
        for name in ("bob", "carol", "carol, bob"):
            r = await start(alice, name, "hello?")
            assert r.status_code == 422, name
            assert "You cannot send direct messages to @" in r.text
        assert await row_counts(container.db) == before


async def test_a_third_person_never_sees_a_conversation(
    person: Person, container: Container
) -> None:
    async with (
        person("alice") as (alice, _a),
        person("bob") as (_bob, _b),
        person("mallory") as (mallory, _m),
    ):
        cid = conversation_of(await start(alice, "bob", "a secret between us"))
        page = (await alice.get(f"/messages/{cid}")).text
        status_id = re.search(r'id="message-(\d+)"', page)
        assert status_id
        before = await row_counts(container.db)
        r = await mallory.get(f"/messages/{cid}")
        assert r.status_code == 404
        assert "a secret between us" not in r.text
        r = await mallory.get(f"/web/fragments/messages/{status_id.group(1)}")
        assert r.status_code == 404 and "a secret" not in r.text
        r = await mallory.get(f"/web/fragments/conversations/{cid}")
        assert r.status_code == 404
        r = await mallory.get(f"/web/fragments/conversations/{cid}/since/1")
        assert r.status_code == 404 and "a secret" not in r.text
        assert "a secret" not in (await mallory.get("/messages")).text
        for action in (f"/web/messages/{cid}", f"/web/messages/{cid}/read"):
            r = await post_form(mallory, "/messages", action, {"text": "let me in"})
            assert r.status_code == 404, action
        r = await post_form(mallory, "/messages", f"/web/messages/{cid}/hide", {})
        assert r.status_code == 404
        r = await post_form(mallory, "/messages", f"/web/chat/{status_id.group(1)}/delete", {})
        assert r.status_code == 404
        assert await row_counts(container.db) == before


async def test_signed_out_visitors_are_sent_to_sign_in(client: httpx.AsyncClient) -> None:
    for path in ("/messages", "/messages/new?to=bob", "/messages/123", "/web/fragments/messages/1"):
        r = await client.get(path)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/auth/sign_in?next=")


async def test_list_pages_and_hiding(
    person: Person, container: Container, make_user: MakeUser
) -> None:
    async with person("alice") as (alice, a):
        people = [await make_user(f"friend{i}") for i in range(22)]
        for friend in people:
            await container.status_actions.do_post(
                friend.id,
                NewStatus(
                    text=f"@alice hello from {friend.username}", visibility=Visibility.DIRECT
                ),
            )
        page = (await alice.get("/messages")).text
        assert "hello from friend21" in page and "hello from friend0<" not in page
        older = re.search(r'href="/messages\?max_id=(\d+)"', page)
        assert older
        page = (await alice.get(f"/messages?max_id={older.group(1)}")).text
        assert "hello from friend0" in page and "hello from friend21" not in page
        # Removing a conversation from the list.
        listing = await container.conversation_reads.page(a.id, Page(limit=1))
        cid = listing.conversations[0].id
        r = await post_form(alice, f"/messages/{cid}", f"/web/messages/{cid}/hide", {})
        assert r.status_code == 303 and r.headers["location"] == "/messages"
        assert f'href="/messages/{cid}"' not in (await alice.get("/messages")).text
        assert (await alice.get(f"/messages/{cid}")).status_code == 404


async def test_deleting_my_message(person: Person) -> None:
    async with person("alice") as (alice, _a), person("bob") as (bob, _b):
        cid = conversation_of(await start(alice, "bob", "oops"))
        await post_form(bob, f"/messages/{cid}", f"/web/messages/{cid}", {"text": "what?"})
        page = (await alice.get(f"/messages/{cid}")).text
        mine = re.search(r'id="message-(\d+)"', page)
        assert mine
        # Bob may not delete Alice's message; Alice may.
        r = await post_form(bob, f"/messages/{cid}", f"/web/chat/{mine.group(1)}/delete", {})
        assert r.status_code == 404
        r = await post_form(
            alice,
            f"/messages/{cid}",
            f"/web/chat/{mine.group(1)}/delete",
            {"next": f"/messages/{cid}"},
        )
        assert r.status_code == 303 and r.headers["location"] == f"/messages/{cid}"
        page = (await bob.get(f"/messages/{cid}")).text
        assert "oops" not in page and "what?" in page
        # Deleting the last message left ends the conversation: back to the list.
        theirs = re.search(r'id="message-(\d+)"', page)
        assert theirs
        r = await post_form(
            bob,
            f"/messages/{cid}",
            f"/web/chat/{theirs.group(1)}/delete",
            {"next": f"/messages/{cid}"},
        )
        assert r.status_code == 303 and r.headers["location"] == "/messages"
        assert (await alice.get(f"/messages/{cid}")).status_code == 404


async def test_live_pieces(person: Person, container: Container) -> None:
    async with person("alice") as (alice, a), person("bob") as (bob, b):
        await container.account_actions.do_update_credentials(b.id, display_name="鲍勃")
        r = await alice.get(f"/web/fragments/chat/typing/{b.id}")
        assert r.status_code == 200 and "鲍勃 is typing…" in r.text
        assert f'data-typing="{b.id}"' in r.text
        r = await alice.get(
            f"/web/fragments/chat/typing/{b.id}", headers={"Cookie": "myna_lang=zh_CN"}
        )
        r = await alice.get(f"/web/fragments/chat/person/{b.id}")
        assert r.status_code == 200 and f'data-person="{b.id}"' in r.text and "online" in r.text
        assert (await alice.get("/web/fragments/chat/person/999999")).status_code == 404
        cid = conversation_of(await start(alice, "bob", "row"))
        r = await bob.get(f"/web/fragments/conversations/{cid}")
        assert r.status_code == 200 and f'id="conversation-{cid}"' in r.text
        assert "<html" not in r.text
        # What a page missed while its connection was down, oldest first.
        first = re.search(r'id="message-(\d+)"', (await bob.get(f"/messages/{cid}")).text)
        assert first
        await post_form(alice, f"/messages/{cid}", f"/web/messages/{cid}", {"text": "one"})
        await post_form(alice, f"/messages/{cid}", f"/web/messages/{cid}", {"text": "two"})
        r = await bob.get(f"/web/fragments/conversations/{cid}/since/{first.group(1)}")
        assert r.status_code == 200 and "row" not in r.text
        assert r.text.index("one") < r.text.index("two")
        # Marking read as the page script does.
        csrf = csrf_of((await bob.get("/messages")).text)
        r = await bob.post(
            f"/web/messages/{cid}/read", data={"csrf": csrf}, headers={"X-Myna-Fragment": "1"}
        )
        assert r.status_code == 204
        listing = await container.conversation_reads.page(b.id, Page())
        assert not listing.conversations[0].unread
        _ = a


async def test_chinese_interface(person: Person) -> None:
    async with person("alice") as (alice, _a), person("bob") as (_bob, _b):
        alice.cookies.set("myna_lang", "zh_CN")
        page = (await alice.get("/messages")).text
        assert "新私信" in page or "发私信" in page
        cid = conversation_of(await start(alice, "bob", "你好"))
        page = (await alice.get(f"/messages/{cid}")).text
        assert "发送" in page
        r = await start(alice, "", "hi")
        assert r.status_code == 422 and "请填写收信人" in r.text


async def test_conversation_reads_for_the_chat(container: Container, make_user: MakeUser) -> None:
    """The reads behind the chat pages: a conversation's messages, and finding the
    conversation of some people."""
    from myna.lib.errors import NotFound

    alice, bob, carol = [await make_user(n) for n in ("alice", "bob", "carol")]
    first = await container.status_actions.do_post(
        alice.id, NewStatus(text="@bob one", visibility=Visibility.DIRECT)
    )
    second = await container.status_actions.do_post(
        bob.id, NewStatus(text="@alice two", visibility=Visibility.DIRECT)
    )
    cid = first.conversation_id
    assert cid is not None and second.conversation_id == cid
    found = await container.conversation_reads.messages(alice.id, cid, Page())
    assert [s.id for s in found.messages.statuses] == [second.id, first.id]
    assert found.conversation.account_ids == [bob.id]
    older = await container.conversation_reads.messages(bob.id, cid, Page(max_id=second.id))
    assert [s.id for s in older.messages.statuses] == [first.id]
    with pytest.raises(NotFound):
        await container.conversation_reads.messages(carol.id, cid, Page())
    assert await container.conversation_reads.between(alice.id, [bob.id]) == cid
    assert await container.conversation_reads.between(bob.id, [alice.id]) == cid
    assert await container.conversation_reads.between(alice.id, [bob.id, carol.id]) is None
    assert await container.conversation_reads.between(carol.id, [bob.id]) is None
    # A block made later hides the other side's messages from the chat.
    await container.relation_actions.do_block(alice.id, bob.id)
    found = await container.conversation_reads.messages(alice.id, cid, Page())
    assert [s.id for s in found.messages.statuses] == [first.id]
