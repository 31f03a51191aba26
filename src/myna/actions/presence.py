"""Presence: an account's conversation partners (on their direct stream) and the members of its
groups (on that group's stream) hear when its first streaming connection opens (online) and its
last one closes (offline)."""

import logging

from myna.backends.presence import Presence
from myna.db.database import Database
from myna.events import messages as channels_for
from myna.events.messages import Message
from myna.events.publish import Publisher, publish_now
from myna.policy.audience import conversation_partners, presence_groups

log = logging.getLogger("myna.presence")


class PresenceActions:
    def __init__(self, db: Database, presence: Presence, broker: Publisher) -> None:
        self.db = db
        self.presence = presence
        self.broker = broker

    # Presence is a hint: if its backend is away, streaming goes on without it.

    async def do_connect(self, account_id: int, connection_id: str) -> None:
        try:
            first = await self.presence.connect(account_id, connection_id)
        except Exception:
            log.exception("could not record a connection of %d", account_id)
            return
        if first:
            await self._announce(account_id, online=True)

    async def do_disconnect(self, account_id: int, connection_id: str) -> None:
        try:
            last = await self.presence.disconnect(account_id, connection_id)
        except Exception:
            log.exception("could not record a disconnection of %d", account_id)
            return
        if last:
            await self._announce(account_id, online=False)

    async def _announce(self, account_id: int, *, online: bool) -> None:
        async with self.db.session() as session:
            partners = list(await session.scalars(conversation_partners(account_id)))
            groups = list(await session.scalars(presence_groups(account_id)))
        extra = {"account_id": str(account_id), "online": online}
        message = Message(event="presence", account_ids=[account_id], extra=extra)
        await publish_now(self.broker, [channels_for.direct(p) for p in partners], message)
        # One message per group, on the group's channel: its members' group streams carry it,
        # and each connection leaves it out across a block (streaming/connection.py).
        for group_id in groups:
            in_group = Message(
                event="presence", account_ids=[account_id], extra=extra, group_id=group_id
            )
            await publish_now(self.broker, [channels_for.group(group_id)], in_group)
