"""Groups as multi-user chat rooms (XEP-0045) at `handle@groups.myna.localhost`.

Only the group's members, by their linked addresses, may enter; a banned member is refused.
Entering sends the newest group posts as the room's history; what an occupant says becomes a
group post; group posts from the web (or any client) reach the occupants through their
accounts' group streams, so the visibility rule and blocks apply as they do everywhere. A
member removed or banned on Myna leaves the room at once. Secret groups are not listed in
service discovery, and are not found by anyone who may not see them."""

import contextlib
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slixmpp.stanza import Iq, Message, Presence
from slixmpp.types import PresenceTypes

from myna.actions.statuses import NewStatus
from myna.gateway import xml
from myna.gateway.component import Component, Refused, answer_info, answer_items
from myna.gateway.people import MAX_BODY_CHARS, idempotency_key
from myna.lib import jids
from myna.lib.errors import Forbidden, NotFound, ValidationFailed
from myna.lib.paging import Page
from myna.models import GroupRole, Visibility
from myna.reads.im import Room
from myna.streaming.connection import StreamError

if TYPE_CHECKING:
    from myna.gateway.service import Gateway, Linked

log = logging.getLogger("myna.gateway")

KEPT = 2048
# XEP-0045 status codes.
SELF = "110"
NICK_ASSIGNED = "210"
BANNED = "301"
AFFILIATION_CHANGED = "321"


@dataclass
class Occupant:
    account_id: int
    full: str  # the occupant's real address, which other occupants are never told
    nick: str
    affiliation: str
    role: str


def _affiliation(role: str | None) -> tuple[str, str]:
    """(affiliation, role) of a Myna group role in the room."""
    if role == GroupRole.OWNER:
        return "owner", "moderator"
    if role == GroupRole.ADMIN:
        return "admin", "moderator"
    return "member", "participant"


class Rooms:
    def __init__(self, gateway: "Gateway") -> None:
        self.gateway = gateway
        self.services = gateway.container
        self.component: Component = gateway.rooms_component
        self.occupants: dict[int, dict[str, Occupant]] = {}
        self.handles: dict[int, str] = {}
        # Group posts said in a room: status -> (the occupant who said it, their stanza id),
        # so the room reflects the message to them under their own id.
        self._said: OrderedDict[int, tuple[str, str]] = OrderedDict()
        self._texts: OrderedDict[int, str] = OrderedDict()

    def install(self, component: Component) -> None:
        component.route("presence", self.on_presence)
        component.route("message", self.on_message)
        component.route("iq", self.on_disco_info, child=f"{{{xml.DISCO_INFO}}}query")
        component.route("iq", self.on_disco_items, child=f"{{{xml.DISCO_ITEMS}}}query")

    def room_address(self, handle: str) -> str:
        return f"{handle.lower()}@{self.gateway.rooms_domain}"

    # From IM.

    async def _room(self, viewer_id: int | None, handle: str) -> Room:
        try:
            return await self.services.im_reads.room(viewer_id, handle)
        except NotFound:
            raise Refused("cancel", "item-not-found", "There is no such room") from None

    async def on_presence(self, stanza: Presence) -> None:
        kind = stanza.xml.get("type")
        if kind == "error":
            await self._gone(str(stanza["from"]))
            return
        to = jids.parse(str(stanza["to"]))
        if to is None or not to.local:
            return
        if kind not in (None, "unavailable"):
            return
        sender = await self.gateway.people.trusted(stanza)
        full = str(stanza["from"])
        if kind == "unavailable":
            for group_id, here in list(self.occupants.items()):
                occupant = here.get(full)
                if occupant is not None and self.handles.get(group_id) == to.local:
                    await self._leave(group_id, occupant, codes=(), unavailable_type="none")
            return
        room = await self._room(sender.account_id, to.local)
        if room.banned:
            raise Refused("auth", "forbidden", "You are banned from this group")
        if room.role is None:
            raise Refused(
                "auth", "registration-required", "Only the group's members may enter; join it first"
            )
        if full in self.occupants.get(room.group_id, {}):
            return  # a presence update from someone already in the room
        await self._enter(stanza, sender, room, to.resource)

    async def _enter(self, stanza: Presence, sender: "Linked", room: Room, asked: str) -> None:
        try:
            await sender.connection.subscribe("group", str(room.group_id))
        except StreamError:
            # The connection has not heard of the membership yet: read the relations again.
            await sender.connection.refresh()
            try:
                await sender.connection.subscribe("group", str(room.group_id))
            except StreamError:
                raise Refused("auth", "registration-required", "Join the group first") from None
        affiliation, role = _affiliation(room.role)
        occupant = Occupant(
            sender.account_id, str(stanza["from"]), sender.username, affiliation, role
        )
        here = self.occupants.setdefault(room.group_id, {})
        self.handles[room.group_id] = room.handle.lower()
        address = self.room_address(room.handle)
        for other in here.values():
            self._occupant_presence(address, other, occupant.full)
        codes = [SELF] + ([NICK_ASSIGNED] if asked != occupant.nick else [])
        self._occupant_presence(address, occupant, occupant.full, codes=codes)
        for other in here.values():
            self._occupant_presence(address, occupant, other.full)
        here[occupant.full] = occupant
        await self._history(stanza, occupant, room, address)
        subject = self.component.make_message(
            mto=occupant.full, mfrom=address, mtype="groupchat", msubject=room.name
        )
        subject.send()

    async def _history(
        self, stanza: Presence, occupant: Occupant, room: Room, address: str
    ) -> None:
        wanted = self.gateway.settings.xmpp_room_history
        muc = xml.find(stanza.xml, xml.MUC, "x")
        history = xml.find(muc, xml.MUC, "history") if muc is not None else None
        if history is not None and history.get("maxstanzas", "").isdigit():
            wanted = min(wanted, int(history.get("maxstanzas", "0")))
        if wanted <= 0:
            return
        bundle = await self.services.status_reads.group(
            occupant.account_id, room.group_id, Page(limit=wanted)
        )
        for status in reversed(bundle.statuses):
            author = bundle.accounts.get(status.account_id)
            if author is None:
                continue
            message = self.component.make_message(
                mto=occupant.full,
                mfrom=f"{address}/{author.username}",
                mtype="groupchat",
                mbody=status.text,
            )
            message["id"] = str(status.id)
            xml.child(
                message.xml,
                xml.DELAY,
                "delay",
                stamp=xml.stamp(status.created_at),
                **{"from": address},
            )
            message.send()

    async def on_message(self, stanza: Message) -> None:
        kind = stanza.xml.get("type", "normal")
        if kind == "error":
            # The server could not deliver to an occupant (its client is gone without a
            # word): it leaves the room, as XEP-0045 asks.
            await self._gone(str(stanza["from"]))
            return
        to = jids.parse(str(stanza["to"]))
        if to is None or not to.local:
            raise Refused("cancel", "service-unavailable", "Write to a room: handle@domain")
        sender = await self.gateway.people.trusted(stanza)
        room = await self._room(sender.account_id, to.local)
        if kind != "groupchat":
            if xml.find(stanza.xml, xml.MUC_USER, "x") is not None:
                return  # invitations and the like: Myna invites on the web
            raise Refused("modify", "not-acceptable", "Private messages in rooms are not supported")
        full = str(stanza["from"])
        if full not in self.occupants.get(room.group_id, {}):
            raise Refused("modify", "not-acceptable", "You are not in this room; enter it first")
        body = stanza["body"]
        if not body:
            if xml.chat_state(stanza.xml) == "composing":
                try:
                    await self.services.group_actions.do_typing(sender.account_id, room.group_id)
                except NotFound:
                    return
            return
        if len(body) > MAX_BODY_CHARS:
            raise Refused(
                "modify", "policy-violation", f"A message is at most {MAX_BODY_CHARS} characters"
            )
        await self.gateway.check_rate(sender.account_id)
        new = NewStatus(
            text=body,
            visibility=Visibility.GROUP,
            group_id=room.group_id,
            idempotency_key=idempotency_key(stanza),
        )
        try:
            status = await self.services.status_actions.do_post(sender.account_id, new)
        except ValidationFailed as failed:
            raise Refused("modify", "not-acceptable", failed.message) from None
        except (Forbidden, NotFound) as refused:
            raise Refused("auth", "forbidden", refused.message) from None
        await self.gateway.count_post(sender.account_id)
        if stanza["id"]:
            self._remember(self._said, status.id, (full, stanza["id"]))

    async def on_disco_items(self, iq: Iq) -> None:
        if iq["type"] != "get":
            return
        to = jids.parse(str(iq["to"]))
        items = []
        if to is not None and not to.local:
            rooms = await self.services.im_reads.listed_rooms()
            items = [(self.room_address(room.handle), room.name) for room in rooms]
        answer_items(iq, items)

    async def on_disco_info(self, iq: Iq) -> None:
        if iq["type"] != "get":
            return
        to = jids.parse(str(iq["to"]))
        identity = {"category": "conference", "type": "text", "name": "Myna groups"}
        if to is None or not to.local:
            answer_info(iq, identity, [xml.MUC])
            return
        sender = jids.person(str(iq["from"]))
        viewer = await self.services.im_reads.sender(sender.bare) if sender else None
        room = await self._room(viewer, to.local)
        features = [
            xml.MUC,
            "muc_membersonly",
            "muc_semianonymous",
            "muc_persistent",
            "muc_public" if room.listed else "muc_hidden",
        ]
        answer_info(iq, {**identity, "name": room.name}, features)

    # To IM.

    async def deliver(
        self, linked: "Linked", group_id: int, event: str, payload: dict[str, Any]
    ) -> None:
        mine = [
            o
            for o in self.occupants.get(group_id, {}).values()
            if o.account_id == linked.account_id
        ]
        handle = self.handles.get(group_id)
        if not mine or handle is None:
            return
        address = self.room_address(handle)
        if event == "update":
            status_id = int(payload["id"])
            text = await self._text(linked.account_id, status_id)
            if text is None:
                return
            nick = str(payload["account"]["username"])
            said = self._said.get(status_id)
            for occupant in mine:
                message = self.component.make_message(
                    mto=occupant.full, mfrom=f"{address}/{nick}", mtype="groupchat", mbody=text
                )
                reflected = said is not None and said[0] == occupant.full
                message["id"] = said[1] if said is not None and reflected else str(status_id)
                message.send()
        elif event == "typing":
            nick = await self.gateway.people.username(int(payload["account_id"]))
            for occupant in mine:
                message = self.component.make_message(
                    mto=occupant.full, mfrom=f"{address}/{nick}", mtype="groupchat"
                )
                xml.child(message.xml, xml.CHAT_STATES, "composing")
                message.send()

    async def _text(self, viewer_id: int, status_id: int) -> str | None:
        """A group post's text, read once (as its first receiver may see it) for all the
        occupants its frames reach: each frame has already passed the visibility rule."""
        text = self._texts.get(status_id)
        if text is None:
            try:
                bundle = await self.services.status_reads.one(viewer_id, status_id)
            except NotFound:
                return None
            text = bundle.statuses[0].text
            self._remember(self._texts, status_id, text)
        return text

    async def memberships_changed(self, account_id: int) -> None:
        """The account's groups changed: it leaves the rooms of groups it is no longer in,
        as banned (301) or as removed (321)."""
        linked = self.gateway.linked.get(account_id)
        groups = linked.connection.state.groups if linked is not None else set()
        for group_id, here in list(self.occupants.items()):
            gone = [o for o in here.values() if o.account_id == account_id]
            if not gone or group_id in groups:
                continue
            banned = False
            handle = self.handles.get(group_id, "")
            with contextlib.suppress(NotFound):  # a secret group it can no longer see
                banned = (await self.services.im_reads.room(account_id, handle)).banned
            for occupant in gone:
                await self._leave(
                    group_id,
                    occupant,
                    codes=(BANNED,) if banned else (AFFILIATION_CHANGED,),
                    unavailable_type="outcast" if banned else "none",
                )

    async def leave_all(self, linked: "Linked", *, unlinked: bool) -> None:
        for group_id, here in list(self.occupants.items()):
            for occupant in [o for o in here.values() if o.account_id == linked.account_id]:
                await self._leave(
                    group_id,
                    occupant,
                    codes=(AFFILIATION_CHANGED,) if unlinked else (),
                    unavailable_type="none",
                )

    async def _leave(
        self, group_id: int, occupant: Occupant, *, codes: tuple[str, ...], unavailable_type: str
    ) -> None:
        here = self.occupants.get(group_id, {})
        if here.pop(occupant.full, None) is None:
            return
        address = self.room_address(self.handles.get(group_id, ""))
        occupant.affiliation = unavailable_type if codes else occupant.affiliation
        occupant.role = "none"
        self._occupant_presence(
            address, occupant, occupant.full, codes=[SELF, *codes], kind="unavailable"
        )
        for other in here.values():
            self._occupant_presence(
                address, occupant, other.full, codes=list(codes), kind="unavailable"
            )
        if not here:
            self.occupants.pop(group_id, None)
        linked = self.gateway.linked.get(occupant.account_id)
        if linked is not None and not any(
            o.account_id == occupant.account_id for o in here.values()
        ):
            await linked.connection.unsubscribe("group", str(group_id))

    async def _gone(self, full: str) -> None:
        for group_id, here in list(self.occupants.items()):
            occupant = here.get(full)
            if occupant is not None:
                await self._leave(group_id, occupant, codes=(), unavailable_type="none")

    # Helpers.

    def _occupant_presence(
        self,
        address: str,
        occupant: Occupant,
        to: str,
        *,
        codes: list[str] | None = None,
        kind: PresenceTypes | None = None,
    ) -> None:
        presence = self.component.make_presence(
            pto=to, pfrom=f"{address}/{occupant.nick}", ptype=kind
        )
        x = xml.child(presence.xml, xml.MUC_USER, "x")
        item = xml.child(
            x, xml.MUC_USER, "item", affiliation=occupant.affiliation, role=occupant.role
        )
        if to == occupant.full:
            item.set("jid", occupant.full)  # only occupants themselves learn a real address
        for code in codes or ():
            xml.child(x, xml.MUC_USER, "status", code=code)
        presence.send()

    @staticmethod
    def _remember(kept: "OrderedDict[int, Any]", key: int, value: Any) -> None:
        kept[key] = value
        while len(kept) > KEPT:
            kept.popitem(last=False)
