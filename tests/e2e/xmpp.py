"""XMPP users for synchronous tests: each `Client` is a slixmpp `ClientXMPP` logged in to the
test Prosody (tests/e2e/prosody.py), running on an asyncio loop in a thread of its own.

Tests send stanzas as XML text, so they can send exactly what a real client would, or
something forged or malformed, and read what arrived as `xml.etree.ElementTree` elements, so
they can look at namespaces and attributes as the gateway wrote them. Every message,
presence, iq and stream error that arrives is kept: `wait_for` returns the first one matching
that it has not returned before, and `received` lists all matches, for asserting that
something did not arrive."""

import asyncio
import copy
import threading
import time
import uuid
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, Self, TypeVar
from xml.etree.ElementTree import Element, tostring
from xml.sax.saxutils import escape, quoteattr

from slixmpp import ClientXMPP
from slixmpp.xmlstream import StanzaBase

from tests.e2e.prosody import Prosody

NS_CHATSTATES = "http://jabber.org/protocol/chatstates"
NS_MARKERS = "urn:xmpp:chat-markers:0"
NS_DELAY = "urn:xmpp:delay"
NS_MUC = "http://jabber.org/protocol/muc"
NS_MUC_USER = "http://jabber.org/protocol/muc#user"
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"
NS_DISCO_ITEMS = "http://jabber.org/protocol/disco#items"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
NS_STREAMS = "urn:ietf:params:xml:ns:xmpp-streams"
NS_STREAM = "http://etherx.jabber.org/streams"

STANZAS = frozenset({"message", "presence", "iq"})
STOP_TIMEOUT = 10.0
WAIT = 10.0  # seconds: an upper bound for stanzas that should arrive, never a timing claim
SHOWN = 2000  # characters of each stanza shown when a wait fails

Predicate = Callable[[Element], bool]
T = TypeVar("T")


# Reading stanzas ----------------------------------------------------------------------------


def local_name(el: Element) -> str:
    """`message` for `{jabber:client}message`."""
    return el.tag.rpartition("}")[2]


def namespace(el: Element) -> str:
    return el.tag[1:].partition("}")[0] if el.tag.startswith("{") else ""


def bare(jid: str) -> str:
    """`alice@im.localhost` for `alice@im.localhost/phone`."""
    return jid.partition("/")[0]


def child(el: Element, ns: str, name: str) -> Element | None:
    """The direct child `name` in namespace `ns` (a payload: chat state, marker, delay...)."""
    return el.find(f"{{{ns}}}{name}")


def body(el: Element) -> str | None:
    """The text of a message's <body>, which is in the stanza's own namespace."""
    found = el.find(f"{{{namespace(el)}}}body")
    return None if found is None else found.text or ""


def chat_state(el: Element) -> str | None:
    """The XEP-0085 chat state a message carries: "active", "composing", ..."""
    for item in el:
        if namespace(item) == NS_CHATSTATES:
            return local_name(item)
    return None


def error_condition(el: Element) -> str | None:
    """The defined condition of a stanza error ("forbidden", "item-not-found", ...) or of a
    stream error ("not-well-formed", ...); None when `el` carries no error."""
    if namespace(el) == NS_STREAM and local_name(el) == "error":
        errors, wanted = [el], NS_STREAMS
    else:
        errors, wanted = [item for item in el if local_name(item) == "error"], NS_STANZAS
    for error in errors:
        for item in error:
            if namespace(item) == wanted and local_name(item) != "text":
                return local_name(item)
    return None


def muc_status_codes(el: Element) -> set[str]:
    """The XEP-0045 status codes of a MUC presence: "110" marks the joiner's own presence."""
    x = child(el, NS_MUC_USER, "x")
    if x is None:
        return set()
    return {status.get("code", "") for status in x.findall(f"{{{NS_MUC_USER}}}status")}


def show(el: Element) -> str:
    """A stanza as XML text, for assertion messages."""
    return tostring(el, encoding="unicode")[:SHOWN]


def _attrs(**values: str | None) -> str:
    """XML attributes from keyword arguments; `type_` is written `type`; None and "" are
    left out."""
    return "".join(
        f" {name.rstrip('_')}={quoteattr(value)}" for name, value in values.items() if value
    )


# Running slixmpp from synchronous code -----------------------------------------------------


class LoopThread:
    """An asyncio loop in a daemon thread of its own, where a slixmpp stream lives while a
    synchronous test talks to it. Used by `Client`, and by tests that run a component."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def run(self, work: Coroutine[Any, Any, T], timeout: float = WAIT) -> T:
        """Runs `work` on the loop and returns its result (or raises its exception)."""
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)

    def stop(self, last: Coroutine[Any, Any, None] | None = None) -> None:
        """Runs `last` (e.g. a disconnect), cancels what slixmpp left running (keepalives,
        handlers) so no task dies with the loop, then ends the thread and closes the loop."""
        if self._thread.is_alive():
            self.run(self._finish(last), STOP_TIMEOUT)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(STOP_TIMEOUT)
        elif last is not None:
            last.close()  # never started: close it rather than leave it unawaited
        if not self.loop.is_closed():
            self.loop.close()

    async def _finish(self, last: Coroutine[Any, Any, None] | None) -> None:
        if last is not None:
            await last
        current = asyncio.current_task()
        others = [task for task in asyncio.all_tasks() if task is not current]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)


# The client -----------------------------------------------------------------------------------


class Client:
    """One user's connection, driven from a synchronous test.

    slixmpp runs on a loop owned by this object, in a daemon thread; every call here hands
    work to that loop and waits for it. By default subscription requests are approved (and
    returned) at once, as most clients do; `auto_authorize=False` leaves them to the test."""

    def __init__(
        self, prosody: Prosody, jid: str, password: str, *, auto_authorize: bool = True
    ) -> None:
        self.prosody = prosody
        self.jid = jid
        self.password = password
        self.auto_authorize = auto_authorize
        self._runner = LoopThread(f"xmpp {jid}")
        self._xmpp: ClientXMPP | None = None
        self._arrived = threading.Condition()
        self._stanzas: list[Element] = []
        self._returned: set[int] = set()  # indexes in _stanzas that wait_for gave out
        self._disconnected = threading.Event()

    def __enter__(self) -> Self:
        self.connect()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    # Running work on the client's loop.

    def _run(self, work: Coroutine[Any, Any, T], timeout: float) -> T:
        return self._runner.run(work, timeout)

    @property
    def xmpp(self) -> ClientXMPP:
        """The slixmpp client, for what this harness does not wrap. Only touch it from its
        loop (e.g. with `asyncio.run_coroutine_threadsafe(..., client.loop)`)."""
        if self._xmpp is None:
            raise RuntimeError(f"{self.jid} is not connected")
        return self._xmpp

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._runner.loop

    @property
    def connected(self) -> bool:
        """False once the stream has ended, e.g. because the server closed it."""
        return self._xmpp is not None and not self._disconnected.is_set()

    # Connecting.

    def connect(self, timeout: float = WAIT) -> None:
        """Logs in over plain TCP to the test server, fetches the roster and sends initial
        presence; raises when that has not happened within `timeout` seconds."""
        self._runner.start()
        self._run(self._login(timeout), timeout + 1.0)

    def _new_xmpp(self) -> ClientXMPP:
        """A slixmpp client allowed to log in without TLS, which slixmpp refuses by default:
        no direct TLS, no STARTTLS, and SASL (SCRAM, or PLAIN) over an unencrypted stream."""
        mechanisms = {"unencrypted_scram": True, "unencrypted_plain": True}
        xmpp = ClientXMPP(self.jid, self.password, plugin_config={"feature_mechanisms": mechanisms})
        xmpp.enable_direct_tls = False
        xmpp.enable_starttls = False
        xmpp.enable_plaintext = True
        # slixmpp reads False as "refuse every request"; None leaves them unanswered.
        xmpp.auto_authorize = True if self.auto_authorize else None
        xmpp.auto_subscribe = self.auto_authorize
        xmpp.add_filter("in", self._keep)
        xmpp.add_event_handler("disconnected", lambda _reason: self._disconnected.set())
        return xmpp

    async def _login(self, timeout: float) -> None:
        xmpp = self._xmpp = self._new_xmpp()
        outcome: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        def settle(name: str) -> Callable[[Any], None]:
            def handler(_event: Any) -> None:
                if not outcome.done():
                    outcome.set_result(name)

            return handler

        for name in ("session_start", "failed_all_auth", "disconnected", "connection_failed"):
            xmpp.add_event_handler(name, settle(name), disposable=True)
        xmpp.connect(host="127.0.0.1", port=self.prosody.c2s_port)
        try:
            result = await asyncio.wait_for(outcome, timeout)
        except TimeoutError:
            result = "timeout"
        if result != "session_start":
            # slixmpp would otherwise keep retrying the connection in the background.
            xmpp.cancel_connection_attempt()
            xmpp.abort()
            raise AssertionError(f"{self.jid} could not log in ({result}):\n{self._shown()}")
        await xmpp.get_roster(timeout=timeout)
        xmpp.send_presence()

    def close(self) -> None:
        """Ends the stream (waiting briefly for the server's end), then stops the loop."""
        self._runner.stop(self._disconnect())

    async def _disconnect(self) -> None:
        if self._xmpp is not None and not self._disconnected.is_set():
            await self._xmpp.disconnect(wait=2.0)

    # What arrives.

    def _keep(self, stanza: StanzaBase) -> StanzaBase:
        """slixmpp's incoming filter: keeps a copy of every stanza and stream error, before
        slixmpp's handlers see (and may change) it."""
        el = stanza.xml
        if local_name(el) in STANZAS or (namespace(el), local_name(el)) == (NS_STREAM, "error"):
            with self._arrived:
                self._stanzas.append(copy.deepcopy(el))
                self._arrived.notify_all()
        return stanza

    def received(self, predicate: Predicate | None = None) -> list[Element]:
        """Every stanza received so far that matches, oldest first."""
        with self._arrived:
            return [el for el in self._stanzas if predicate is None or predicate(el)]

    def wait_for(self, predicate: Predicate, timeout: float = WAIT) -> Element:
        """The oldest received stanza matching `predicate` that no earlier call returned,
        waiting for it up to `timeout` seconds; an AssertionError listing what did arrive
        when none does."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for index, el in enumerate(self._stanzas):
                    if index not in self._returned and predicate(el):
                        self._returned.add(index)
                        return el
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"{self.jid}: nothing matching arrived within {timeout} s; "
                        f"received:\n{self._shown()}"
                    )
                self._arrived.wait(left)

    def _shown(self) -> str:
        with self._arrived:
            return "\n".join(show(el) for el in self._stanzas) or "(nothing)"

    # Sending.

    def send(self, stanza_xml: str) -> None:
        """Writes `stanza_xml` to the stream as it is: nothing is checked or added, so it
        can be forged (a false `from`) or malformed."""
        self._run(self._send_raw(stanza_xml), WAIT)

    async def _send_raw(self, data: str) -> None:
        self.xmpp.send_raw(data)

    def chat(self, to: str, body: str, *, id: str | None = None, markable: bool = True) -> str:
        """A one-to-one message, marked active (XEP-0085) and, by default, markable
        (XEP-0333) as everyday clients send it; returns its id."""
        id = id or uuid.uuid4().hex
        markers = f"<markable xmlns='{NS_MARKERS}'/>" if markable else ""
        self.send(
            f"<message{_attrs(to=to, id=id, type_='chat')}><body>{escape(body)}</body>"
            f"<active xmlns='{NS_CHATSTATES}'/>{markers}</message>"
        )
        return id

    def chat_state(self, to: str, state: str) -> None:
        """A bare chat state notification (XEP-0085): "composing", "paused", "active"..."""
        self.send(
            f"<message{_attrs(to=to, id=uuid.uuid4().hex, type_='chat')}>"
            f"<{state} xmlns='{NS_CHATSTATES}'/></message>"
        )

    def displayed(self, to: str, id: str) -> None:
        """A read marker (XEP-0333) for the message `id` that `to` sent."""
        self.send(
            f"<message{_attrs(to=to, id=uuid.uuid4().hex, type_='chat')}>"
            f"<displayed xmlns='{NS_MARKERS}'{_attrs(id=id)}/></message>"
        )

    def presence(self, to: str | None = None, type: str | None = None, payload: str = "") -> None:
        """Any presence: `presence(to, "subscribed")` approves a request when
        auto_authorize is off."""
        self.send(f"<presence{_attrs(to=to, type_=type)}>{payload}</presence>")

    def subscribe(self, to: str) -> None:
        """Asks to see `to`'s presence (the server adds `to` to the roster first)."""
        self.presence(to, "subscribe")

    # Group chats (XEP-0045).

    def join(
        self, room: str, nick: str, timeout: float = WAIT, *, history: int | None = None
    ) -> Element:
        """Enters `room` (a bare JID) as `nick` and returns the answer: the occupant's own
        presence (status 110), or the error presence. It does not raise on an error, since
        refusals are what many tests are about."""
        limit = "" if history is None else f"<history{_attrs(maxstanzas=str(history))}/>"
        self.presence(f"{room}/{nick}", payload=f"<x xmlns='{NS_MUC}'>{limit}</x>")
        room_key = room.lower()

        def answer(el: Element) -> bool:
            if local_name(el) != "presence" or bare(el.get("from", "")).lower() != room_key:
                return False
            return el.get("type") == "error" or "110" in muc_status_codes(el)

        return self.wait_for(answer, timeout)

    def leave(self, room: str, nick: str) -> None:
        self.presence(f"{room}/{nick}", "unavailable")

    def groupchat(self, room: str, body: str, *, id: str | None = None) -> str:
        """A message to everyone in `room`; returns its id."""
        id = id or uuid.uuid4().hex
        self.send(
            f"<message{_attrs(to=room, id=id, type_='groupchat')}>"
            f"<body>{escape(body)}</body></message>"
        )
        return id

    # Queries.

    def iq(self, to: str, payload: str, type: str = "get", timeout: float = WAIT) -> Element:
        """Sends an iq with `payload` and returns the answer, a result or an error."""
        id = uuid.uuid4().hex
        self.send(f"<iq{_attrs(to=to, id=id, type_=type)}>{payload}</iq>")
        return self.wait_for(
            lambda el: (
                local_name(el) == "iq"
                and el.get("id") == id
                and el.get("type") in ("result", "error")
            ),
            timeout,
        )

    def disco_info(self, jid: str, node: str | None = None) -> Element:
        """The disco#info answer of `jid` (XEP-0030): the iq result or the error."""
        return self.iq(jid, f"<query xmlns='{NS_DISCO_INFO}'{_attrs(node=node)}/>")

    def disco_items(self, jid: str, node: str | None = None) -> list[str]:
        """The JIDs of `jid`'s disco#items; an AssertionError when it answers an error."""
        answer = self.iq(jid, f"<query xmlns='{NS_DISCO_ITEMS}'{_attrs(node=node)}/>")
        if answer.get("type") != "result":
            raise AssertionError(f"disco#items of {jid} failed:\n{show(answer)}")
        query = child(answer, NS_DISCO_ITEMS, "query")
        items = [] if query is None else query.findall(f"{{{NS_DISCO_ITEMS}}}item")
        return [item.get("jid", "") for item in items]
