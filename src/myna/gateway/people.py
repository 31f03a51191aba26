"""People at the gateway's domain: `bob@myna.localhost` is the Myna account `bob`.

From IM to Myna: a chat message from a linked address becomes a direct status in the
conversation of the two accounts; `<composing/>` (XEP-0085) a typing notice; `<displayed/>`
(XEP-0333) marks the conversation read; the IM client's presence makes the account online.
From Myna to IM: new messages, typing, presence and read state of the account's conversation
partners, heard on its direct stream; and, if the owner asked, its notifications."""

import logging
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from slixmpp.stanza import Iq, Message, Presence
from slixmpp.types import PresenceTypes

from myna.actions.statuses import NewStatus
from myna.gateway import xml
from myna.gateway.component import Component, Refused, answer_info, answer_items
from myna.lib import jids
from myna.lib.errors import Forbidden, NotFound, ValidationFailed
from myna.lib.text import unaddressed
from myna.models import Visibility

if TYPE_CHECKING:
    from myna.gateway.service import Gateway, Linked

log = logging.getLogger("myna.gateway")

# Longer than any status could be (140 units is at most 280 ASCII characters, links aside):
# refused before anything is parsed or counted.
MAX_BODY_CHARS = 5000
KEY_PREFIX = "xmpp:"  # idempotency keys of statuses posted from IM: the stanza id follows
MIN_STANZA_ID = 12
MAX_STANZA_ID = 150
SENT_KEPT = 2048

NOTICES = {
    "mention": "@{who} mentioned you: {text}",
    "reblog": "@{who} reposted your post: {text}",
    "favourite": "@{who} liked your post: {text}",
    "follow": "@{who} followed you",
    "follow_request": "@{who} asked to follow you",
    "status": "@{who} posted: {text}",
    "update": "@{who} edited a post: {text}",
    "poll": "A poll has ended: {text}",
    "quote": "@{who} quoted your post: {text}",
}


def idempotency_key(stanza: Message) -> str | None:
    """Posts from IM are keyed by their stanza id, so a client that sends a message again
    (after a reconnection) does not post it twice. Only ids long enough to be unique (the
    random ones clients make today) are: a client counting 1, 2, 3 from each start would
    otherwise see its later messages taken for repeats."""
    stanza_id = stanza["id"]
    if not stanza_id or not MIN_STANZA_ID <= len(stanza_id) <= MAX_STANZA_ID:
        return None
    return KEY_PREFIX + stanza_id


class People:
    def __init__(self, gateway: "Gateway") -> None:
        self.gateway = gateway
        self.services = gateway.container
        self.component: Component = gateway.people_component
        self._names: OrderedDict[int, str] = OrderedDict()
        self._sent: OrderedDict[tuple[int, int], None] = OrderedDict()

    def install(self, component: Component) -> None:
        component.route("message", self.on_message)
        component.route("presence", self.on_presence)
        component.route("iq", self.on_disco_info, child=f"{{{xml.DISCO_INFO}}}query")
        component.route("iq", self.on_disco_items, child=f"{{{xml.DISCO_ITEMS}}}query")

    # From IM.

    async def trusted(self, stanza: Any) -> "Linked":
        """The linked account behind the stanza's sender, or a refusal. A sender at one of
        the gateway's own domains is forged: the server never routes those to us."""
        sender = jids.parse(str(stanza["from"]))
        if sender is None or not sender.local or self._own(sender.domain):
            raise Refused("auth", "forbidden", "The sender's address is not acceptable")
        linked = await self.gateway.sender(sender.bare)
        if linked is None:
            raise Refused(
                "auth",
                "registration-required",
                "Link this address to a Myna account first (Settings, Instant messaging)",
            )
        return linked

    def _own(self, domain: str) -> bool:
        return any(domain == d or domain.endswith("." + d) for d in self.gateway.own_domains)

    async def _recipient(self, stanza: Any, sender: "Linked") -> tuple[int, str]:
        to = jids.parse(str(stanza["to"]))
        if to is None or not to.local:
            raise Refused("cancel", "service-unavailable", "Write to a person: name@domain")
        account_id = await self.services.im_reads.account_id(to.local)
        if account_id is None:
            raise Refused("cancel", "item-not-found", f"There is nobody called @{to.local} here")
        if account_id == sender.account_id:
            raise Refused("modify", "not-acceptable", "That is your own address")
        return account_id, await self.username(account_id)

    async def on_message(self, stanza: Message) -> None:
        kind = stanza.xml.get("type", "normal")
        if kind == "error":
            return
        if kind == "groupchat":
            raise Refused("modify", "bad-request", "Group chat messages go to a room")
        sender = await self.trusted(stanza)
        recipient_id, recipient = await self._recipient(stanza, sender)
        body = stanza["body"]
        if not body:
            await self._signals(stanza, sender, recipient_id)
            return
        if len(body) > MAX_BODY_CHARS:
            raise Refused(
                "modify", "policy-violation", f"A message is at most {MAX_BODY_CHARS} characters"
            )
        if await self.services.im_reads.blocked_either_way(sender.account_id, recipient_id):
            raise Refused("cancel", "forbidden", f"You cannot send direct messages to @{recipient}")
        await self.gateway.check_rate(sender.account_id)
        new = NewStatus(
            text=f"@{recipient} {body}",
            visibility=Visibility.DIRECT,
            idempotency_key=idempotency_key(stanza),
        )
        try:
            await self.services.status_actions.do_post(sender.account_id, new)
        except ValidationFailed as failed:
            raise Refused("modify", "not-acceptable", failed.message) from None
        except (Forbidden, NotFound) as refused:
            raise Refused("cancel", "forbidden", refused.message) from None
        await self.gateway.count_post(sender.account_id)

    async def _signals(self, stanza: Message, sender: "Linked", recipient_id: int) -> None:
        """A message without a body: a chat state or a read marker, for the conversation of
        the two, if they have one."""
        state = xml.chat_state(stanza.xml)
        displayed = xml.find(stanza.xml, xml.MARKERS, "displayed")
        if state != "composing" and displayed is None:
            return
        conversation = await self.services.conversation_reads.between(
            sender.account_id, [recipient_id]
        )
        if conversation is None:
            return
        try:
            if displayed is not None:
                await self.services.conversation_actions.do_read(sender.account_id, conversation)
            if state == "composing":
                await self.services.conversation_actions.do_typing(sender.account_id, conversation)
        except NotFound:
            return

    async def on_presence(self, stanza: Presence) -> None:
        kind = stanza.xml.get("type")
        if kind == "error":
            return
        try:
            sender = await self.trusted(stanza)
        except Refused:
            if kind == "subscribe":
                raise
            return  # presence is broadcast: an unlinked address's is not answered
        full = str(stanza["from"])
        if kind is None:
            if full not in sender.resources:
                sender.resources.add(full)
                await self.services.presence_actions.do_connect(sender.account_id, "xmpp:" + full)
            return
        if kind == "unavailable":
            if full in sender.resources:
                sender.resources.discard(full)
                await self.services.presence_actions.do_disconnect(
                    sender.account_id, "xmpp:" + full
                )
            return
        to = jids.parse(str(stanza["to"]))
        if to is None or not to.local:
            return
        account_id = await self.services.im_reads.account_id(to.local)
        if account_id is None:
            if kind == "subscribe":
                raise Refused("cancel", "item-not-found", f"There is nobody called @{to.local}")
            return
        contact = self.gateway.address_of(await self.username(account_id))
        if kind == "subscribe":
            # Anyone linked may add a Myna person as a contact; what they then see of that
            # person's presence is what Myna shows conversation partners.
            self._presence(contact, sender.address, "subscribed")
            self._presence(contact, sender.address, "subscribe")
            await self._tell_presence(sender, account_id, contact)
        elif kind == "probe":
            await self._tell_presence(sender, account_id, contact)

    async def _tell_presence(self, sender: "Linked", account_id: int, contact: str) -> None:
        online = await self.services.conversation_reads.partners_online(sender.account_id)
        self._presence(contact, sender.address, None if account_id in online else "unavailable")

    async def on_disco_info(self, iq: Iq) -> None:
        if iq["type"] != "get":
            return
        to = jids.parse(str(iq["to"]))
        if to is not None and to.local:
            identity = {"category": "account", "type": "registered"}
        else:
            identity = {"category": "gateway", "type": "xmpp", "name": "Myna"}
        answer_info(iq, identity, [xml.CHAT_STATES, xml.MARKERS])

    async def on_disco_items(self, iq: Iq) -> None:
        """The gateway's domain lists the rooms' domain, where groups are found."""
        if iq["type"] != "get":
            return
        to = jids.parse(str(iq["to"]))
        on_domain = to is not None and not to.local
        answer_items(iq, [(self.gateway.rooms_domain, "Myna groups")] if on_domain else [])

    # To IM.

    def send_code(self, address: str, code: str) -> None:
        """The code that proves `address` is the person's who asked to link it."""
        message = self.component.make_message(
            mto=address,
            mfrom=self.gateway.domain,
            mtype="chat",
            mbody=f"Your Myna link code is {code}. Enter it in Myna's settings to link this "
            "address. If you did not ask for it, ignore this message.",
        )
        message.send()

    async def deliver(self, linked: "Linked", event: str, payload: dict[str, Any]) -> None:
        if not linked.resources:
            # Typing, presence and read markers are for the moment: the server would store
            # them for an offline client and hand it a pile of stale ones later.
            return
        elif event == "typing":
            who = await self.username(int(payload["account_id"]))
            message = self.component.make_message(
                mto=linked.address, mfrom=self.gateway.address_of(who), mtype="chat"
            )
            xml.child(message.xml, xml.CHAT_STATES, "composing")
            message.send()
        elif event == "presence":
            who = await self.username(int(payload["account_id"]))
            self._presence(
                self.gateway.address_of(who),
                linked.address,
                None if payload.get("online") else "unavailable",
            )
        elif event == "conversation.read":
            await self._read_by(linked, int(payload["conversation_id"]), int(payload["account_id"]))

    async def new_message(self, linked: "Linked", status_id: int) -> None:
        """A new message in one of the person's conversations: the status that made the
        event (not the conversation's newest when the frame is handled, which may be a
        later one), read as the person may see it."""
        if not self._first_time(linked.account_id, status_id):
            return
        try:
            bundle = await self.services.status_reads.one(linked.account_id, status_id)
        except NotFound:
            return
        status = bundle.statuses[0]
        if status.account_id == linked.account_id:
            return  # the person's own message: their IM client sent it, or they wrote on the web
        author = bundle.accounts[status.account_id]
        names = {
            bundle.accounts[a].username_key
            for a in bundle.mentions.get(status.id, [])
            if a in bundle.accounts
        }
        body = unaddressed(status.text, names) or status.text
        if status.spoiler_text:
            body = f"[{status.spoiler_text}]\n{body}"
        message = self.component.make_message(
            mto=linked.address,
            mfrom=self.gateway.address_of(author.username),
            mtype="chat",
            mbody=body,
        )
        message["id"] = str(status.id)
        xml.child(message.xml, xml.CHAT_STATES, "active")
        xml.child(message.xml, xml.MARKERS, "markable")
        message.send()

    async def _read_by(self, linked: "Linked", conversation_id: int, reader_id: int) -> None:
        """The partner read the conversation: mark the newest message this person sent from
        IM as displayed, under the id their client gave it."""
        newest = await self.services.im_reads.newest_keyed(
            linked.account_id, conversation_id, KEY_PREFIX
        )
        if newest is None:
            return
        reader = await self.username(reader_id)
        message = self.component.make_message(
            mto=linked.address, mfrom=self.gateway.address_of(reader), mtype="chat"
        )
        xml.child(message.xml, xml.MARKERS, "displayed", id=newest[1][len(KEY_PREFIX) :])
        message.send()

    async def notify(self, linked: "Linked", payload: dict[str, Any]) -> None:
        """A notification, as a line from the gateway's own address. Mentions in direct
        messages are left out: the message itself arrives as chat."""
        status = payload.get("status") or {}
        if status.get("visibility") == "direct":
            return
        template = NOTICES.get(str(payload.get("type")), "{kind} from @{who}")
        text = ""
        if status:
            try:
                bundle = await self.services.status_reads.one(linked.account_id, int(status["id"]))
                text = bundle.statuses[0].text
            except NotFound:
                return
        who = (payload.get("account") or {}).get("acct", "")
        body = template.format(who=who, text=text, kind=payload.get("type"))
        self.component.make_message(
            mto=linked.address, mfrom=self.gateway.domain, mtype="chat", mbody=body
        ).send()

    async def went_away(self, linked: "Linked") -> None:
        """The link is gone: the account is no longer online through IM."""
        for full in list(linked.resources):
            await self.services.presence_actions.do_disconnect(linked.account_id, "xmpp:" + full)
        linked.resources.clear()

    # Helpers.

    def _presence(self, sender: str, to: str, kind: PresenceTypes | None) -> None:
        presence = self.component.make_presence(pto=to, pfrom=sender, ptype=kind)
        presence.send()

    def _first_time(self, account_id: int, status_id: int) -> bool:
        key = (account_id, status_id)
        if key in self._sent:
            return False
        self._sent[key] = None
        while len(self._sent) > SENT_KEPT:
            self._sent.popitem(last=False)
        return True

    async def username(self, account_id: int) -> str:
        name = self._names.get(account_id)
        if name is None:
            found = await self.services.im_reads.usernames([account_id])
            name = found.get(account_id, str(account_id))
            self._names[account_id] = name
            while len(self._names) > SENT_KEPT:
                self._names.popitem(last=False)
        return name
