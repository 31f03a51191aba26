"""The IM gateway end to end: a real Prosody, a real `myna serve` whose gateway joined it as
a component (in scale mode, a `myna gateway` process of its own), and slixmpp clients logged
in to Prosody as everyday IM users, beside Myna's REST API.

The tests of this module run in order and build on each other: people link their addresses,
talk in direct messages, then in a group's room; the last ones unlink and hit the rate limit."""

import asyncio
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

import httpx
import pytest
import websockets
from mastodon import Mastodon
from sqlalchemy import text

from myna.db.database import Database
from tests.conftest import POSTGRES_URL
from tests.e2e.conftest import running_server
from tests.e2e.prosody import Prosody, running_prosody
from tests.e2e.xmpp import (
    NS_CHATSTATES,
    NS_DELAY,
    NS_MARKERS,
    NS_MUC_USER,
    Client,
    bare,
    body,
    child,
    error_condition,
    local_name,
    muc_status_codes,
)

pytestmark = pytest.mark.e2e

SCOPES = ["read", "write", "follow", "push"]
PASSWORD = "correct horse battery staple"
PEOPLE = "myna.localhost"
ROOMS = "groups.myna.localhost"
STATUS_LIMIT = 40  # posts per account per hour: the last test runs into it
WAIT = 10.0


@dataclass
class Person:
    username: str
    token: str
    api: Mastodon
    im: Client | None = None  # their IM client, logged in to Prosody

    @property
    def address(self) -> str:
        """Where IM users reach this person through the gateway."""
        return f"{self.username}@{PEOPLE}"


@dataclass
class World:
    server: str
    prosody: Prosody
    database_url: str
    people: dict[str, Person]

    def call(self, who: str, method: str, path: str, expect: int = 200, **body: Any) -> Any:
        r = httpx.request(
            method,
            self.server + path,
            json=body or None,
            headers={"Authorization": f"Bearer {self.people[who].token}"},
            timeout=WAIT,
        )
        assert r.status_code == expect, r.text
        return r.json()

    def statuses(self) -> int:
        """Rows in the statuses table: what "writes nothing" is checked against."""
        return _count(self.database_url, "SELECT count(*) FROM statuses")


def _count(url: str, sql: str) -> int:
    async def read() -> int:
        db = Database(url)
        try:
            async with db.session() as session:
                return int((await session.execute(text(sql))).scalar_one())
        finally:
            await db.engine.dispose()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, read()).result()


def _gateway_ready(client: Client) -> None:
    """The gateway joins Prosody in the background: wait until it answers disco."""
    for _ in range(100):
        answer = client.disco_info(PEOPLE)
        if answer.get("type") == "result":
            return
        asyncio.run(asyncio.sleep(0.1))
    raise AssertionError("the gateway never joined Prosody")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("im")
    with running_prosody(root / "prosody", people=PEOPLE, groups=ROOMS) as prosody:
        settings = {
            "xmpp_secret": prosody.secret,
            "xmpp_port": str(prosody.component_port),
            "xmpp_domain": PEOPLE,
            "rate_limits_enabled": "true",
            "rate_limit_statuses": f"{STATUS_LIMIT}/hour",
            "rate_limit_token": "100000/5minutes",
            "rate_limit_app": "100000/5minutes",
            "rate_limit_ip": "100000/5minutes",
            "rate_limit_sign_up": "1000/hour",
        }
        (root / "myna").mkdir()
        with running_server(root / "myna", gateway=True, **settings) as server:
            client_id, client_secret = Mastodon.create_app(
                "IM gateway e2e", api_base_url=server, scopes=SCOPES
            )
            people: dict[str, Person] = {}
            for name in ("alice", "bob", "carol", "dave"):
                app = Mastodon(
                    client_id=client_id, client_secret=client_secret, api_base_url=server
                )
                token = app.create_account(
                    name, PASSWORD, f"{name}@example.test", agreement=True, scopes=SCOPES
                )
                people[name] = Person(
                    name, token, Mastodon(access_token=token, api_base_url=server)
                )
            url = POSTGRES_URL or f"sqlite+aiosqlite:///{root / 'myna' / 'myna.db'}"
            found = World(server, prosody, url, people)
            try:
                for person in people.values():
                    jid = prosody.register(person.username, PASSWORD)
                    person.im = Client(prosody, jid, PASSWORD)
                    person.im.connect()
                assert people["alice"].im is not None
                _gateway_ready(people["alice"].im)
                yield found
            finally:
                for person in people.values():
                    if person.im is not None:
                        person.im.close()


def im(world: World, name: str) -> Client:
    client = world.people[name].im
    assert client is not None
    return client


def _from(address: str) -> Callable[[Element], bool]:
    return lambda el: bare(el.get("from", "")) == address


def _message_from(address: str, text: str | None = None) -> Callable[[Element], bool]:
    def match(el: Element) -> bool:
        if local_name(el) != "message" or bare(el.get("from", "")) != address:
            return False
        return text is None or (body(el) or "") == text

    return match


def _error_to(id: str) -> Callable[[Element], bool]:
    return lambda el: el.get("type") == "error" and el.get("id") == id


def link(world: World, name: str) -> None:
    """Link the person's IM address the way a person does: ask, read the code, enter it."""
    client = im(world, name)
    address = f"{name}@{world.prosody.host}"
    asked = world.call(name, "POST", "/api/v1/myna/im", address=address)
    assert asked["state"] == "pending" and asked["address"] == address
    code_message = client.wait_for(_message_from(PEOPLE))
    found = re.search(r"\b(\d{6})\b", body(code_message) or "")
    assert found, body(code_message)
    made = world.call(name, "POST", "/api/v1/myna/im/confirm", code=found.group(1))
    assert made["state"] == "linked"
    assert made["gateway_address"] == f"{name}@{PEOPLE}"


# 1. Linking.


def test_an_unlinked_address_is_not_trusted(world: World) -> None:
    before = world.statuses()
    dave = im(world, "dave")
    sent = dave.chat(world.people["bob"].address, "hello from nowhere")
    refused = dave.wait_for(_error_to(sent))
    assert error_condition(refused) == "registration-required"
    assert world.statuses() == before


def test_linking_needs_the_code_sent_to_the_address(world: World) -> None:
    alice = im(world, "alice")
    world.call("alice", "POST", "/api/v1/myna/im", address=f"alice@{world.prosody.host}")
    code_message = alice.wait_for(_message_from(PEOPLE))
    code = re.search(r"\b(\d{6})\b", body(code_message) or "")
    assert code
    wrong = "000000" if code.group(1) != "000000" else "111111"
    world.call("alice", "POST", "/api/v1/myna/im/confirm", expect=422, code=wrong)
    pending = world.call("alice", "GET", "/api/v1/myna/im")
    assert pending["state"] == "pending"
    # Until the right code is entered, the address is still nobody's.
    before = world.statuses()
    sent = alice.chat(world.people["bob"].address, "too early")
    assert error_condition(alice.wait_for(_error_to(sent))) == "registration-required"
    assert world.statuses() == before
    made = world.call("alice", "POST", "/api/v1/myna/im/confirm", code=code.group(1))
    assert made["state"] == "linked"
    for name in ("bob", "carol"):
        link(world, name)


def test_another_account_cannot_take_a_linked_address(world: World) -> None:
    taken = world.call(
        "dave", "POST", "/api/v1/myna/im", expect=422, address=f"alice@{world.prosody.host}"
    )
    assert "linked to another account" in taken["error"]


# 2. Direct messages.


def _with(namespace: str, name: str, sender: str) -> Callable[[Element], bool]:
    return lambda el: bare(el.get("from", "")) == sender and child(el, namespace, name) is not None


def _befriend(world: World, a: str, b: str) -> None:
    """`a` and `b` add each other as IM contacts, as people do before chatting."""
    for me, other in ((a, b), (b, a)):
        client = im(world, me)
        client.subscribe(world.people[other].address)
        client.wait_for(
            lambda el, other=other: (
                local_name(el) == "presence"
                and el.get("type") == "subscribed"
                and bare(el.get("from", "")) == world.people[other].address
            )
        )


def test_a_direct_message_round_trip_with_typing_and_read_state(world: World) -> None:
    alice, bob = im(world, "alice"), im(world, "bob")
    alice_at, bob_at = world.people["alice"].address, world.people["bob"].address
    _befriend(world, "alice", "bob")

    sent = alice.chat(bob_at, "你好 Bob，今晚一起吃饭吗？", id="alice-first-message")
    got = bob.wait_for(_message_from(alice_at, "你好 Bob，今晚一起吃饭吗？"))
    assert child(got, NS_MARKERS, "markable") is not None
    # On Myna it is a direct status in the conversation of the two.
    [conversation] = world.people["bob"].api.conversations()
    assert conversation["unread"] is True
    assert [a["acct"] for a in conversation["accounts"]] == ["alice"]
    assert conversation["last_status"]["visibility"] == "direct"
    assert "今晚一起吃饭吗" in conversation["last_status"]["content"]

    # Bob starts typing in his IM client: Alice's client shows it.
    bob.chat_state(alice_at, "composing")
    alice.wait_for(_with(NS_CHATSTATES, "composing", bob_at))

    # Bob's client shows the message: Myna's conversation is read, and Alice's client learns
    # that her message (under the id her client gave it) was seen.
    bob.displayed(alice_at, got.get("id", ""))
    marker = alice.wait_for(_with(NS_MARKERS, "displayed", bob_at))
    displayed = child(marker, NS_MARKERS, "displayed")
    assert displayed is not None and displayed.get("id") == sent
    [conversation] = world.people["bob"].api.conversations()
    assert conversation["unread"] is False

    # Bob answers on the web: it reaches Alice's IM client, without its @address.
    world.people["bob"].api.status_post("@alice 好啊，七点见", visibility="direct")
    alice.wait_for(_message_from(bob_at, "好啊，七点见"))
    # And Alice's answer from IM lands in the same conversation.
    alice.chat(bob_at, "👍")
    bob.wait_for(_message_from(alice_at, "👍"))
    assert len(world.people["alice"].api.conversations()) == 1


def test_a_burst_of_messages_arrives_whole_and_in_order(world: World) -> None:
    """Twenty messages sent at once from IM are posted in the order sent, and all twenty
    reach the other IM client, in that order; twenty posted at once on the web all arrive."""
    alice, bob = im(world, "alice"), im(world, "bob")
    alice_at, bob_at = world.people["alice"].address, world.people["bob"].address
    texts = [f"连发 {n}" for n in range(20)]
    for text_ in texts:
        alice.chat(bob_at, text_)
    for text_ in texts:
        bob.wait_for(_message_from(alice_at, text_))
    arrived = [body(el) for el in bob.received(lambda el: (body(el) or "").startswith("连发"))]
    assert arrived == texts
    timeline = world.call("bob", "GET", "/api/v1/conversations")[0]
    assert "连发 19" in timeline["last_status"]["content"]

    replies = [f"网页连发 {n}" for n in range(20)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(
            pool.map(
                lambda t: world.people["bob"].api.status_post(f"@alice {t}", visibility="direct"),
                replies,
            )
        )
    for text_ in replies:
        alice.wait_for(_message_from(bob_at, text_))


def test_presence_follows_the_im_client(world: World) -> None:
    """Alice's IM client is online, so Bob sees her online on Myna's presence API."""
    online = world.call("bob", "GET", "/api/v1/myna/presence")
    alice_id = str(world.people["alice"].api.me()["id"])
    assert {"account_id": alice_id, "online": True} in online


def test_a_partner_coming_online_on_myna_shows_in_the_im_client(world: World) -> None:
    """Dave has no IM client linked; he writes to Alice on the web, she answers from IM, then
    he opens a streaming connection: Alice's IM client sees him come online, and go offline
    when it closes."""
    alice = im(world, "alice")
    dave = world.people["dave"]
    alice.subscribe(dave.address)
    dave.api.status_post("@alice 在吗？", visibility="direct")
    alice.wait_for(_message_from(dave.address, "在吗？"))
    # Partners are those who both wrote (docs/streaming.md): Alice answers from IM.
    alice.chat(dave.address, "在的")
    for _ in range(100):
        if dave.api.conversations()[0]["last_status"]["account"]["acct"] == "alice":
            break
        asyncio.run(asyncio.sleep(0.05))

    def presence(kind: str | None) -> Callable[[Element], bool]:
        return lambda el: (
            local_name(el) == "presence"
            and bare(el.get("from", "")) == dave.address
            and el.get("type") == kind
        )

    seen = len(alice.received(presence(None)))
    url = world.server.replace("http", "ws", 1) + f"/api/v1/streaming?access_token={dave.token}"

    async def online_for_a_moment() -> None:
        async with websockets.connect(url) as ws:
            await ws.send('{"type": "subscribe", "stream": "direct"}')
            for _ in range(100):
                if len(alice.received(presence(None))) > seen:
                    return
                await asyncio.sleep(0.05)

    asyncio.run(online_for_a_moment())
    assert len(alice.received(presence(None))) > seen
    alice.wait_for(presence("unavailable"))


def test_a_message_to_nobody_or_across_a_block_is_refused(world: World) -> None:
    alice = im(world, "alice")
    before = world.statuses()
    sent = alice.chat(f"nobody@{PEOPLE}", "anyone there?")
    assert error_condition(alice.wait_for(_error_to(sent))) == "item-not-found"
    carol_id = world.people["carol"].api.account_lookup("carol")["id"]
    world.people["alice"].api.account_block(carol_id)
    try:
        sent = alice.chat(world.people["carol"].address, "you are blocked")
        assert error_condition(alice.wait_for(_error_to(sent))) == "forbidden"
    finally:
        world.people["alice"].api.account_unblock(carol_id)
    assert world.statuses() == before


def test_oversized_messages_are_refused(world: World) -> None:
    alice = im(world, "alice")
    before = world.statuses()
    huge = alice.chat(world.people["bob"].address, "x" * 6000)
    assert error_condition(alice.wait_for(_error_to(huge))) == "policy-violation"
    long = alice.chat(world.people["bob"].address, "长" * 141)
    refused = alice.wait_for(_error_to(long))
    assert error_condition(refused) == "not-acceptable"
    assert world.statuses() == before


# 3. Group chat.


@pytest.fixture(scope="module")
def room(world: World) -> tuple[str, str]:
    """A public group of Alice's that Bob joined on the web, with a post waiting in it."""
    group = world.call("alice", "POST", "/api/v1/groups", handle="im_chat", name="IM 聊天室")
    world.call("bob", "POST", f"/api/v1/groups/{group['id']}/join")
    world.call(
        "alice", "POST", "/api/v1/statuses", status="欢迎来到聊天室", group_id=group["id"],
        visibility="group",
    )  # fmt: skip
    return group["id"], f"im_chat@{ROOMS}"


def _in_room(room: str, nick: str, text: str | None = None) -> Callable[[Element], bool]:
    def match(el: Element) -> bool:
        if local_name(el) != "message" or el.get("type") != "groupchat":
            return False
        return el.get("from") == f"{room}/{nick}" and (text is None or body(el) == text)

    return match


def test_a_group_chat_between_an_im_member_and_a_web_member(
    world: World, room: tuple[str, str]
) -> None:
    group_id, address = room
    alice = im(world, "alice")
    entered = alice.join(address, "Alice in IM", history=10)
    assert entered.get("type") is None, entered
    # The room names her by her Myna username.
    assert {"110", "210"} <= muc_status_codes(entered)
    assert entered.get("from") == f"{address}/alice"
    # The history is the group's timeline, with when each post was made.
    welcome = alice.wait_for(_in_room(address, "alice", "欢迎来到聊天室"))
    assert child(welcome, NS_DELAY, "delay") is not None
    alice.wait_for(
        lambda el: el.get("from") == address and child(el, "jabber:client", "subject") is not None
    )

    # Bob, on the web, posts to the group: it is said in the room.
    world.call(
        "bob", "POST", "/api/v1/statuses", status="我在网页上", group_id=group_id,
        visibility="group",
    )  # fmt: skip
    alice.wait_for(_in_room(address, "bob", "我在网页上"))

    # What Alice says in the room is a group post Bob reads on the web, and the room
    # reflects it to her under her own id.
    said = alice.groupchat(address, "我在 IM 里")
    echo = alice.wait_for(_in_room(address, "alice", "我在 IM 里"))
    assert echo.get("id") == said
    timeline = world.call("bob", "GET", f"/api/v1/timelines/group/{group_id}")
    assert timeline[0]["account"]["acct"] == "alice"
    assert "我在 IM 里" in timeline[0]["content"]
    assert timeline[0]["visibility"] == "group"


def test_the_room_leaves_out_what_the_visibility_rule_hides(
    world: World, room: tuple[str, str]
) -> None:
    """Alice blocked Bob: his group posts never reach her IM client (her own do)."""
    group_id, address = room
    alice = im(world, "alice")
    bob_id = world.people["bob"].api.me()["id"]
    world.people["alice"].api.account_block(bob_id)
    try:
        for who, said in (("bob", "你看不到这句"), ("alice", "对照")):
            world.call(
                who, "POST", "/api/v1/statuses", status=said, group_id=group_id,
                visibility="group",
            )  # fmt: skip
        alice.wait_for(_in_room(address, "alice", "对照"))
        assert not alice.received(lambda el: body(el) == "你看不到这句")
    finally:
        world.people["alice"].api.account_unblock(bob_id)


def test_strangers_and_unlinked_addresses_cannot_enter(world: World, room: tuple[str, str]) -> None:
    _group_id, address = room
    stranger = im(world, "carol").join(address, "carol")
    assert stranger.get("type") == "error"
    assert error_condition(stranger) == "registration-required"
    unlinked = im(world, "dave").join(address, "dave")
    assert error_condition(unlinked) == "registration-required"
    before = world.statuses()
    sent = im(world, "carol").groupchat(address, "let me in")
    assert error_condition(im(world, "carol").wait_for(_error_to(sent))) == "not-acceptable"
    assert world.statuses() == before


def test_an_unknown_room_is_not_found(world: World) -> None:
    refused = im(world, "alice").join(f"no_such_group@{ROOMS}", "alice")
    assert error_condition(refused) == "item-not-found"


def test_secret_groups_are_not_listed(world: World, room: tuple[str, str]) -> None:
    world.call("alice", "POST", "/api/v1/groups", handle="hush", name="秘密", privacy="secret")
    listed = im(world, "carol").disco_items(ROOMS)
    assert f"im_chat@{ROOMS}" in listed
    assert f"hush@{ROOMS}" not in listed
    # Nor found by anyone who is not a member.
    info = im(world, "carol").disco_info(f"hush@{ROOMS}")
    assert error_condition(info) == "item-not-found"

    # Its member finds it, hidden; the public group's room says it is public.
    def features(room_address: str) -> set[str]:
        answer = im(world, "alice").disco_info(room_address)
        assert answer.get("type") == "result", answer
        return {el.get("var", "") for el in answer.iter() if el.tag.endswith("}feature")}

    assert {"muc_hidden", "muc_membersonly"} <= features(f"hush@{ROOMS}")
    assert "muc_public" in features(f"im_chat@{ROOMS}")


def test_a_ban_takes_effect_in_the_room_at_once(world: World, room: tuple[str, str]) -> None:
    group_id, address = room
    alice, bob = im(world, "alice"), im(world, "bob")
    entered = bob.join(address, "bob")
    assert "110" in muc_status_codes(entered)
    alice.wait_for(lambda el: local_name(el) == "presence" and el.get("from") == f"{address}/bob")
    bob_id = world.people["bob"].api.me()["id"]
    world.call("alice", "POST", f"/api/v1/groups/{group_id}/members/{bob_id}/ban")

    def banned(el: Element) -> bool:
        return (
            local_name(el) == "presence"
            and el.get("type") == "unavailable"
            and el.get("from") == f"{address}/bob"
            and "301" in muc_status_codes(el)
        )

    bob.wait_for(banned)
    alice.wait_for(banned)
    # Banned members cannot come back, nor speak in the room.
    again = bob.join(address, "bob")
    assert error_condition(again) == "forbidden"
    before = world.statuses()
    sent = bob.groupchat(address, "still here?")
    assert error_condition(bob.wait_for(_error_to(sent))) == "not-acceptable"
    assert world.statuses() == before
    item = child(
        child(bob.received(banned)[0], NS_MUC_USER, "x") or Element("x"), NS_MUC_USER, "item"
    )
    assert item is not None and item.get("role") == "none"


def test_a_removal_takes_effect_in_the_room_at_once(world: World, room: tuple[str, str]) -> None:
    """Carol joins on the web and enters from IM; removed, she leaves the room (321) and,
    no longer a member, cannot enter again until she joins again."""
    group_id, address = room
    carol = im(world, "carol")
    world.call("carol", "POST", f"/api/v1/groups/{group_id}/join")
    assert "110" in muc_status_codes(carol.join(address, "carol"))
    carol_id = world.people["carol"].api.me()["id"]
    world.call("alice", "DELETE", f"/api/v1/groups/{group_id}/members/{carol_id}")
    carol.wait_for(
        lambda el: (
            local_name(el) == "presence"
            and el.get("type") == "unavailable"
            and el.get("from") == f"{address}/carol"
            and {"110", "321"} <= muc_status_codes(el)
        )
    )
    assert error_condition(carol.join(address, "carol")) == "registration-required"
    world.call("carol", "POST", f"/api/v1/groups/{group_id}/join")
    assert "110" in muc_status_codes(carol.join(address, "carol"))


# 4. Notifications, when asked for.


def test_notifications_reach_the_address_only_when_asked(world: World) -> None:
    alice, carol = im(world, "alice"), world.people["carol"]
    carol.api.status_post("@alice 第一次提到你")
    world.call("alice", "PATCH", "/api/v1/myna/im", notify=True)
    carol.api.status_post("@alice 第二次提到你")
    notice = alice.wait_for(_message_from(PEOPLE, "@carol mentioned you: @alice 第二次提到你"))
    assert notice.get("type") == "chat"
    # The first came before she asked: it was not sent (it was published before the
    # second, and everything a connection hears arrives in order).
    assert not alice.received(lambda el: "第一次" in (body(el) or ""))
    # A direct message is not notified twice: it arrives as chat, and only as chat.
    carol.api.status_post("@alice 私信", visibility="direct")
    alice.wait_for(_message_from(carol.address, "私信"))
    world.call("alice", "PATCH", "/api/v1/myna/im", notify=False)
    carol.api.status_post("@alice 第三次")
    carol.api.status_post("@alice 私信二", visibility="direct")
    alice.wait_for(_message_from(carol.address, "私信二"))
    assert not alice.received(lambda el: "私信" in (body(el) or "") and el.get("from") == PEOPLE)
    assert not alice.received(lambda el: "第三次" in (body(el) or ""))


# 5. Unlinking.


def test_unlinking_takes_effect_at_once(world: World, room: tuple[str, str]) -> None:
    _group_id, address = room
    alice = im(world, "alice")
    world.call("alice", "DELETE", "/api/v1/myna/im")
    # She leaves the room she was in.
    alice.wait_for(
        lambda el: (
            local_name(el) == "presence"
            and el.get("type") == "unavailable"
            and el.get("from") == f"{address}/alice"
            and "110" in muc_status_codes(el)
        )
    )
    before = world.statuses()
    sent = alice.chat(world.people["bob"].address, "still me?")
    assert error_condition(alice.wait_for(_error_to(sent))) == "registration-required"
    assert world.statuses() == before
    # Myna no longer writes to the address: Bob's message to her does not arrive, while his
    # next one to Carol, published after it, does.
    world.people["bob"].api.status_post("@alice 你还在吗", visibility="direct")
    world.people["bob"].api.status_post("@carol 你好", visibility="direct")
    im(world, "carol").wait_for(_message_from(world.people["bob"].address, "你好"))
    assert not alice.received(lambda el: body(el) == "你还在吗")
    assert world.call("alice", "GET", "/api/v1/myna/im")["state"] == "none"


# 6. Rate limits.


def test_what_the_gateway_posts_counts_against_the_rate_limit(world: World) -> None:
    bob, carol = im(world, "bob"), im(world, "carol")
    carol_at = world.people["carol"].address
    refused: Element | None = None
    posted = 0
    for n in range(STATUS_LIMIT + 1):
        text_ = f"第 {n} 条"
        sent = bob.chat(carol_at, text_)
        answer: Element | None = None
        got: list[Element] = []
        for _ in range(100):
            errors = bob.received(_error_to(sent))
            if errors:
                answer = errors[0]
                break
            got = carol.received(_message_from(world.people["bob"].address, text_))
            if got:
                break
            asyncio.run(asyncio.sleep(0.05))
        if answer is not None:
            refused = answer
            break
        assert got, f"message {n} neither arrived nor was refused"
        posted += 1
    assert refused is not None, "the rate limit never applied"
    assert error_condition(refused) == "resource-constraint"
    assert 0 < posted < STATUS_LIMIT  # Bob posted on the web and from IM before this test
    before = world.statuses()
    sent = bob.chat(carol_at, "one more")
    assert error_condition(bob.wait_for(_error_to(sent))) == "resource-constraint"
    assert world.statuses() == before
