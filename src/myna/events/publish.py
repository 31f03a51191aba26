"""publish_on_commit: messages leave only once the transaction that caused them committed."""

import logging
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from myna.db.database import on_commit
from myna.events.messages import Message

log = logging.getLogger("myna.events")


class Publisher(Protocol):
    async def publish_many(self, channels: list[str], message: bytes) -> None: ...


def publish_on_commit(
    session: AsyncSession, broker: Publisher, channels: list[str], message: Message
) -> None:
    if not channels:
        return
    data = message.encode()

    async def send() -> None:
        # The write already committed: a broker outage must not turn it into an error. Clients
        # catch up through the REST timelines (since_id) when they reconnect.
        try:
            await broker.publish_many(channels, data)
        except Exception:
            log.exception("could not publish %s to %d channels", message.event, len(channels))

    on_commit(session, send)


async def publish_now(broker: Publisher, channels: list[str], message: Message) -> None:
    """For what no transaction causes (typing, presence): sent at once, and, like a
    committed write's events, never turned into the caller's error by a broker outage."""
    data = message.encode()
    try:
        await broker.publish_many(channels, data)
    except Exception:
        log.exception("could not publish %s to %d channels", message.event, len(channels))
