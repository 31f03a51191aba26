"""publish_on_commit: messages leave only once the transaction that caused them committed."""

import logging
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from myna.db.database import on_commit
from myna.events import messages as channels_for
from myna.events.messages import Message

log = logging.getLogger("myna.events")


class Publisher(Protocol):
    async def publish_many(self, channels: list[str], message: bytes) -> None: ...


def publish_on_commit(
    session: AsyncSession | Session, broker: Publisher, channels: list[str], message: Message
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


def announce_revoked(
    session: AsyncSession | Session, broker: Publisher, token_id: int, account_id: int | None
) -> None:
    """A revoked token's streaming connections close once the revocation commits."""
    if account_id is None:
        return
    publish_on_commit(
        session,
        broker,
        [channels_for.control(account_id)],
        Message(event="revoked", account_ids=[account_id], extra={"token_id": token_id}),
    )
