"""One external component connection (XEP-0114) to the XMPP server, for one domain.

slixmpp's own presence and message machinery (rosters, automatic answers to probes and
subscriptions) is taken out: every stanza goes to the gateway's handlers, which decide
everything from Myna's state. A lost connection is made again, with growing pauses."""

import asyncio
import logging
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from typing import Any

from slixmpp import ComponentXMPP
from slixmpp.stanza import Iq
from slixmpp.xmlstream import StanzaBase
from slixmpp.xmlstream.handler import CoroutineCallback
from slixmpp.xmlstream.matcher import MatchXPath

from myna.gateway import xml

log = logging.getLogger("myna.gateway")

NS = "jabber:component:accept"
MAX_WAITING = 200  # stanzas of one sender waiting for the ones before them
Handler = Callable[[Any], Awaitable[None]]


class Refused(Exception):
    """What a stanza gets instead of being acted on: an XMPP stanza error (RFC 6120 8.3)."""

    def __init__(self, kind: str, condition: str, text: str = "") -> None:
        super().__init__(text or condition)
        self.kind = kind  # auth, cancel, modify, wait
        self.condition = condition  # a defined condition: forbidden, item-not-found, ...
        self.text = text


class Component(ComponentXMPP):
    def __init__(self, domain: str, secret: str, host: str, port: int) -> None:
        super().__init__(domain, secret, host, port, fix_error_ns=True)
        self.domain = domain
        for name in ("IM", "IMError", "Presence"):
            self.remove_handler(name)
        # Per sender: the future the next stanza waits for, and how many are waiting.
        self._waiting: dict[str, tuple[asyncio.Future[None], int]] = {}
        self.connected_once = asyncio.Event()
        self._stopping = False
        self._pause = 0.5
        self.add_event_handler("session_start", self._started)
        self.add_event_handler("disconnected", self._lost)

    def route(self, kind: str, handler: Handler, child: str | None = None) -> None:
        """Every `kind` stanza (message, presence, iq) or, with `child`, those with that
        child element (`{namespace}name`) goes to `handler`."""
        path = f"{{{NS}}}{kind}" + (f"/{child}" if child else "")

        async def guarded(stanza: StanzaBase) -> None:
            try:
                await handler(stanza)
            except Refused as refused:
                refuse(stanza, refused)
            except Exception:
                log.exception("the gateway failed on %s", stanza)
                refuse(stanza, Refused("wait", "internal-server-error", "Try again later"))

        async def in_order(stanza: StanzaBase) -> None:
            await self._after_earlier(stanza, guarded)

        self.register_handler(CoroutineCallback(f"myna {path}", MatchXPath(path), in_order))

    async def _after_earlier(
        self, stanza: StanzaBase, handle: Callable[[StanzaBase], Awaitable[None]]
    ) -> None:
        """Handle a stanza once everything its sender sent before it was handled: slixmpp
        starts a task per stanza, and XMPP promises that one sender's stanzas are processed
        in the order sent (RFC 6120 10.1): a chat's messages are posted in that order. A
        sender with more than MAX_WAITING stanzas waiting is told to slow down."""
        sender = str(stanza["from"]).partition("/")[0]
        waiting = self._waiting.get(sender)
        if waiting is not None and waiting[1] >= MAX_WAITING:
            refuse(stanza, Refused("wait", "resource-constraint", "Too many stanzas at once"))
            return
        earlier = waiting[0] if waiting is not None else None
        done = asyncio.get_running_loop().create_future()
        self._waiting[sender] = (done, (waiting[1] if waiting else 0) + 1)
        try:
            if earlier is not None:
                await earlier
            await handle(stanza)
        finally:
            done.set_result(None)
            current = self._waiting.get(sender)
            if current is not None:
                if current[0] is done:
                    del self._waiting[sender]
                else:
                    self._waiting[sender] = (current[0], current[1] - 1)

    async def _started(self, _event: object) -> None:
        self._pause = 0.5
        self.connected_once.set()
        log.info("the gateway joined the XMPP server as %s", self.domain)

    async def _lost(self, _event: object) -> None:
        if self._stopping:
            return
        log.warning("the XMPP server dropped %s; joining again in %.1f s", self.domain, self._pause)
        await asyncio.sleep(self._pause)
        self._pause = min(self._pause * 2, 30.0)
        if not self._stopping:
            self.connect()

    async def stop(self) -> None:
        self._stopping = True
        if self.is_connected():
            self.disconnect(wait=1.0)
            try:
                await asyncio.wait_for(self.disconnected, 2.0)
            except TimeoutError:
                self.abort()


def answer_info(iq: Iq, identity: dict[str, str], features: list[str]) -> None:
    """A disco#info result (XEP-0030): one identity (category, type, name) and features."""
    answer = iq.reply()
    query = xml.child(answer.xml, xml.DISCO_INFO, "query")
    xml.child(query, xml.DISCO_INFO, "identity", **identity)
    for feature in [xml.DISCO_INFO, *features]:
        xml.child(query, xml.DISCO_INFO, "feature", var=feature)
    answer.send()


def answer_items(iq: Iq, items: list[tuple[str, str]]) -> None:
    """A disco#items result: (address, name) pairs."""
    answer = iq.reply()
    query = xml.child(answer.xml, xml.DISCO_ITEMS, "query")
    for jid, name in items:
        xml.child(query, xml.DISCO_ITEMS, "item", jid=jid, name=name)
    answer.send()


def refuse(stanza: StanzaBase, refused: Refused) -> None:
    """Answer `stanza` with an error, unless it is an error itself (errors are never
    answered: two gateways could otherwise bounce them forever)."""
    if stanza["type"] == "error" or not stanza["from"]:
        return
    if isinstance(stanza, Iq) and stanza["type"] not in ("get", "set"):
        return
    answer = StanzaBase.reply(stanza, True)  # not Message.reply: an error keeps the id
    if stanza["id"]:
        answer["id"] = stanza["id"]
    answer["type"] = "error"
    # Built by hand: slixmpp's error interface knows only RFC 3920's conditions, and would
    # turn policy-violation (RFC 6120) into feature-not-implemented.
    error = ET.SubElement(answer.xml, f"{{{NS}}}error", {"type": refused.kind})
    ET.SubElement(error, f"{{{xml.STANZAS}}}{refused.condition}")
    if refused.text:
        ET.SubElement(error, f"{{{xml.STANZAS}}}text").text = refused.text
    answer.send()
