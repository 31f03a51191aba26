"""The gateway's component stream, from the server's side: what arrives on it is not trusted
just because the server sent it. A real `myna serve` joins a stand-in XMPP server written
here (the server is outside Myna; XEP-0114's handshake is all it needs), which then sends
what a broken or hostile server could: stanzas forged from the gateway's own domains, from a
bare domain, without a sender, from an address nobody linked. Each is refused with a stanza
error, nothing is written, and the stream stays up."""

import asyncio
import hashlib
import socket
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text

from myna.db.database import Database
from tests.conftest import POSTGRES_URL
from tests.e2e.conftest import running_server

pytestmark = pytest.mark.e2e

PEOPLE = "myna.localhost"
ROOMS = "groups.myna.localhost"
SECRET = "stand-in-secret"
WAIT = 10.0
STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"


class ComponentPeer:
    """One accepted component connection: the stream header, the handshake check, then
    stanzas both ways. Stanzas received are parsed as they come (the stream is one XML
    document that never ends while the connection lives)."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self.conn.settimeout(WAIT)
        self.parser = ET.XMLPullParser(events=("start", "end"))
        self.depth = 0
        self.stanzas: list[ET.Element] = []
        self.domain = ""

    def _pump(self) -> None:
        data = self.conn.recv(65536)
        if not data:
            raise AssertionError("the gateway closed the component stream")
        self.parser.feed(data)
        for event, el in self.parser.read_events():
            if event == "start":
                self.depth += 1
                if self.depth == 1:
                    self.domain = el.get("to", "")
            else:
                self.depth -= 1
                if self.depth == 1:
                    self.stanzas.append(el)

    def handshake(self) -> None:
        while not self.domain:
            self._pump()
        stream_id = uuid.uuid4().hex
        self.conn.sendall(
            f"<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
            f"xmlns:stream='http://etherx.jabber.org/streams' from='{self.domain}' "
            f"id='{stream_id}'>".encode()
        )
        shake = self.next(lambda el: el.tag.endswith("handshake"))
        expected = hashlib.sha1((stream_id + SECRET).encode()).hexdigest()
        assert (shake.text or "").strip() == expected
        self.conn.sendall(b"<handshake/>")

    def send(self, stanza: str) -> None:
        self.conn.sendall(stanza.encode())

    def next(self, match: Callable[[ET.Element], bool]) -> ET.Element:
        while True:
            for el in self.stanzas:
                if match(el):
                    self.stanzas.remove(el)
                    return el
            self._pump()

    def answer_to(self, stanza_id: str) -> ET.Element:
        return self.next(lambda el: el.get("id") == stanza_id)


def _condition(el: ET.Element) -> str | None:
    error = next((c for c in el if c.tag.endswith("}error")), None)
    if error is None:
        return None
    for c in error:
        if c.tag.startswith(f"{{{STANZAS}}}") and not c.tag.endswith("}text"):
            return c.tag.rpartition("}")[2]
    return None


def _statuses(url: str) -> int:
    async def read() -> int:
        db = Database(url)
        try:
            async with db.session() as session:
                return int(
                    (await session.execute(text("SELECT count(*) FROM statuses"))).scalar_one()
                )
        finally:
            await db.engine.dispose()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, read()).result()


@pytest.fixture(scope="module")
def stream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ComponentPeer, str]]:
    root: Path = tmp_path_factory.mktemp("component")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(30.0)
    port = listener.getsockname()[1]
    peers: dict[str, ComponentPeer] = {}
    failures: list[BaseException] = []

    def accept_both() -> None:
        try:
            for _ in range(2):
                peer = ComponentPeer(listener.accept()[0])
                peer.handshake()
                peers[peer.domain] = peer
        except BaseException as exc:  # reported by the fixture below
            failures.append(exc)

    acceptor = threading.Thread(target=accept_both, daemon=True)
    acceptor.start()
    settings = {"xmpp_secret": SECRET, "xmpp_port": str(port), "xmpp_domain": PEOPLE}
    try:
        with running_server(root, gateway=True, **settings):
            acceptor.join(30.0)
            assert not failures, failures
            assert set(peers) == {PEOPLE, ROOMS}
            url = POSTGRES_URL or f"sqlite+aiosqlite:///{root / 'myna.db'}"
            yield peers[PEOPLE], url
            for peer in peers.values():
                peer.conn.close()
    finally:
        listener.close()


@pytest.mark.parametrize(
    ("sender", "condition"),
    [
        # Only the gateway itself speaks for its own domains.
        (f"alice@{PEOPLE}/phone", "forbidden"),
        (f"alice@{ROOMS}/phone", "forbidden"),
        (f"room@{ROOMS}/alice", "forbidden"),
        # A server, not a person.
        ("im.localhost", "forbidden"),
        # A well-formed address nobody linked.
        ("eve@im.localhost/laptop", "registration-required"),
    ],
)
def test_forged_and_unlinked_senders_are_refused(
    stream: tuple[ComponentPeer, str], sender: str, condition: str
) -> None:
    peer, url = stream
    before = _statuses(url)
    stanza_id = uuid.uuid4().hex
    peer.send(
        f"<message from='{sender}' to='bob@{PEOPLE}' id='{stanza_id}' type='chat'>"
        "<body>I am someone else</body></message>"
    )
    answer = peer.answer_to(stanza_id)
    assert answer.get("type") == "error"
    assert answer.get("to") == sender
    assert _condition(answer) == condition
    assert _statuses(url) == before


def test_a_stanza_without_a_sender_gets_no_answer_and_the_stream_stays_up(
    stream: tuple[ComponentPeer, str],
) -> None:
    peer, url = stream
    before = _statuses(url)
    peer.send(f"<message to='bob@{PEOPLE}' id='nobody' type='chat'><body>hi</body></message>")
    # A disco query after it is answered: the stream is up, and the anonymous message,
    # sent first, got nothing back (stanzas on one stream are handled in order).
    peer.send(
        f"<iq type='get' id='alive' from='eve@im.localhost/laptop' to='{PEOPLE}'>"
        "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
    )
    answer = peer.answer_to("alive")
    assert answer.get("type") == "result"
    assert not [el for el in peer.stanzas if el.get("id") == "nobody"]
    assert _statuses(url) == before


def test_errors_are_never_answered(stream: tuple[ComponentPeer, str]) -> None:
    """An error from anyone is taken note of, never answered with another (two gateways
    could bounce errors forever)."""
    peer, _url = stream
    peer.send(
        f"<message from='alice@{PEOPLE}' to='bob@{PEOPLE}' id='loop' type='error'>"
        f"<error type='cancel'><item-not-found xmlns='{STANZAS}'/></error></message>"
    )
    peer.send(
        f"<iq type='get' id='after-loop' from='eve@im.localhost/laptop' to='{PEOPLE}'>"
        "<query xmlns='http://jabber.org/protocol/disco#items'/></iq>"
    )
    items = peer.answer_to("after-loop")
    assert items.get("type") == "result"
    listed = [el.get("jid") for el in items.iter() if el.tag.endswith("}item")]
    assert listed == [ROOMS]
    assert not [el for el in peer.stanzas if el.get("id") == "loop"]
