"""The XMPP test harness against plain Prosody, with no Myna: test users chat to each other,
and a small echo component, standing in for the gateway, answers them. These tests also
record how Prosody treats a component, which the gateway relies on: it receives presence
subscriptions for its users, its messages to an offline user are stored and delivered at
login, and while it is away the sender gets an error."""

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from slixmpp import JID, ComponentXMPP
from slixmpp.stanza import Message
from slixmpp.xmlstream import StanzaBase

from tests.e2e.prosody import Prosody, running_prosody
from tests.e2e.xmpp import (
    NS_DELAY,
    NS_MARKERS,
    WAIT,
    Client,
    LoopThread,
    bare,
    body,
    chat_state,
    child,
    error_condition,
    local_name,
)

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def prosody(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prosody]:
    with running_prosody(tmp_path_factory.mktemp("prosody")) as server:
        yield server


@pytest.fixture
def person(prosody: Prosody, request: pytest.FixtureRequest) -> Iterator[Callable[[str], Client]]:
    """`person("alice")` registers a fresh account named after the test and logs it in;
    every client is closed afterwards."""
    clients: list[Client] = []
    prefix = request.node.name.replace("_", "")[:20]

    def log_in(name: str) -> Client:
        jid = prosody.register(f"{prefix}-{name}", PASSWORD)
        client = Client(prosody, jid, PASSWORD)
        clients.append(client)
        client.connect()
        return client

    try:
        yield log_in
    finally:
        for client in clients:
            client.close()


def message_from(jid: str) -> Callable[[Any], bool]:
    return lambda el: local_name(el) == "message" and bare(el.get("from", "")) == jid


class EchoComponent:
    """The gateway's stand-in: a slixmpp component on `myna.localhost` that answers every
    chat message with "echo: <body>", from the address it was sent to, and lists one item
    in service discovery. It keeps every stanza it receives."""

    def __init__(self, prosody: Prosody) -> None:
        self.domain = prosody.components[0]
        self.prosody = prosody
        self.stanzas: list[StanzaBase] = []
        self._runner = LoopThread(f"component {self.domain}")
        self._xmpp: ComponentXMPP | None = None

    def __enter__(self) -> "EchoComponent":
        self._runner.start()
        self._runner.run(self._start(), WAIT + 1)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._runner.stop(self._disconnect())

    async def _start(self) -> None:
        xmpp = self._xmpp = ComponentXMPP(
            self.domain, self.prosody.secret, "127.0.0.1", self.prosody.component_port
        )
        xmpp.register_plugin("xep_0030")
        await xmpp.plugin["xep_0030"].add_item(
            jid=f"lobby@{self.prosody.components[1]}", name="Lobby", ijid=JID(self.domain)
        )
        xmpp.add_filter("in", self._keep)
        xmpp.add_event_handler("message", self._echo)
        started = asyncio.ensure_future(xmpp.wait_until("session_start", WAIT))
        xmpp.connect()
        await started

    async def _disconnect(self) -> None:
        if self._xmpp is not None:
            await self._xmpp.disconnect(wait=2.0)

    def _keep(self, stanza: StanzaBase) -> StanzaBase:
        self.stanzas.append(stanza)
        return stanza

    def _echo(self, msg: Message) -> None:
        if msg["type"] in ("chat", "normal") and msg["body"]:
            msg.reply(f"echo: {msg['body']}").send()

    def send_chat(self, sender: str, to: str, text: str) -> None:
        """A chat message from `sender`, a user of this component's domain."""

        async def send() -> None:
            assert self._xmpp is not None
            self._xmpp.send_message(mto=JID(to), mfrom=JID(sender), mbody=text, mtype="chat")

        self._runner.run(send())


def test_two_users_chat_with_states_and_markers(person: Callable[[str], Client]) -> None:
    alice, bob = person("alice"), person("bob")

    sent = alice.chat(bob.jid, "hello <bob> & co")
    message = bob.wait_for(message_from(alice.jid))
    assert message.get("id") == sent
    assert message.get("type") == "chat"
    assert body(message) == "hello <bob> & co"
    assert chat_state(message) == "active"
    assert child(message, NS_MARKERS, "markable") is not None

    alice.chat_state(bob.jid, "composing")
    typing = bob.wait_for(message_from(alice.jid))
    assert chat_state(typing) == "composing"
    assert body(typing) is None

    bob.displayed(alice.jid, sent)
    marker = alice.wait_for(message_from(bob.jid))
    displayed = child(marker, NS_MARKERS, "displayed")
    assert displayed is not None
    assert displayed.get("id") == sent


def test_wait_for_fails_with_what_arrived(person: Callable[[str], Client]) -> None:
    alice, bob = person("alice"), person("bob")
    alice.chat(bob.jid, "only this")
    bob.wait_for(message_from(alice.jid))

    with pytest.raises(AssertionError, match="only this"):
        bob.wait_for(lambda el: body(el) == "something else", timeout=0.5)
    assert len(bob.received(message_from(alice.jid))) == 1


def test_echo_component_answers_and_lists_items(
    prosody: Prosody, person: Callable[[str], Client]
) -> None:
    alice = person("alice")
    with EchoComponent(prosody) as component:
        bot = f"bob@{component.domain}"
        alice.chat(bot, "ping")
        echo = alice.wait_for(message_from(bot))
        assert body(echo) == "echo: ping"
        assert echo.get("from", "").startswith(bot)

        assert alice.disco_items(component.domain) == [f"lobby@{prosody.components[1]}"]


def test_subscriptions_to_gateway_users_reach_the_component(
    prosody: Prosody, person: Callable[[str], Client]
) -> None:
    alice = person("alice")
    with EchoComponent(prosody) as component:
        bot = f"bob@{component.domain}"
        alice.subscribe(bot)
        # The echo does not answer presence; wait for it to see the request.
        alice.iq(component.domain, "<query xmlns='http://jabber.org/protocol/disco#info'/>")
        requests = [
            stanza
            for stanza in component.stanzas
            if stanza.name == "presence" and stanza["type"] == "subscribe"
        ]
        assert [(str(p["from"]), str(p["to"])) for p in requests] == [(alice.jid, bot)]


def test_messages_from_the_component_wait_for_offline_users(
    prosody: Prosody, tmp_path: Path
) -> None:
    carol = prosody.register("carol-offline", PASSWORD)
    with EchoComponent(prosody) as component:
        component.send_chat(f"dan@{component.domain}", carol, "while you were out")

    client = Client(prosody, carol, PASSWORD)
    try:
        client.connect()
        stored = client.wait_for(message_from(f"dan@{prosody.components[0]}"))
        assert body(stored) == "while you were out"
        delay = child(stored, NS_DELAY, "delay")
        assert delay is not None
        assert delay.get("from") == prosody.host
    finally:
        client.close()


def test_a_missing_component_bounces_an_error(
    prosody: Prosody, person: Callable[[str], Client]
) -> None:
    alice = person("alice")
    alice.chat(f"nobody@{prosody.components[0]}", "anyone there?")
    bounce = alice.wait_for(message_from(f"nobody@{prosody.components[0]}"))
    assert bounce.get("type") == "error"
    assert error_condition(bounce) == "remote-server-timeout"
