"""The XMPP addresses accounts linked (models/im.py), and the look-ups the IM gateway makes."""

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from myna.models import IdempotencyKey, ImLink, Status


async def of_account(session: AsyncSession, account_id: int) -> ImLink | None:
    return await session.get(ImLink, account_id)


async def by_address(session: AsyncSession, address: str) -> ImLink | None:
    return await session.scalar(select(ImLink).where(ImLink.address == address))


async def confirmed_account(session: AsyncSession, address: str) -> int | None:
    """The account whose confirmed link is `address`."""
    stmt = select(ImLink.account_id).where(
        ImLink.address == address, ImLink.confirmed_at.is_not(None)
    )
    return await session.scalar(stmt)


async def confirmed(session: AsyncSession) -> list[ImLink]:
    stmt = select(ImLink).where(ImLink.confirmed_at.is_not(None)).order_by(ImLink.account_id)
    return list(await session.scalars(stmt))


async def addresses_of(session: AsyncSession, account_ids: list[int]) -> dict[int, ImLink]:
    """The confirmed links of these accounts."""
    if not account_ids:
        return {}
    stmt = select(ImLink).where(
        ImLink.account_id.in_(account_ids), ImLink.confirmed_at.is_not(None)
    )
    return {link.account_id: link for link in await session.scalars(stmt)}


async def replace_pending(
    session: AsyncSession, account_id: int, address: str, code_hash: str, when: datetime
) -> None:
    """The account's link becomes a pending one to `address`. Another account's pending
    claim on the address gives way: an unanswered code must not hold an address hostage."""
    await session.execute(
        delete(ImLink).where(
            ImLink.address == address,
            ImLink.account_id != account_id,
            ImLink.confirmed_at.is_(None),
        )
    )
    await session.execute(delete(ImLink).where(ImLink.account_id == account_id))
    session.add(
        ImLink(
            account_id=account_id,
            address=address,
            code_hash=code_hash,
            code_sent_at=when,
            code_attempts=0,
            confirmed_at=None,
            notify=False,
            created_at=when,
        )
    )
    await session.flush()


async def count_attempt(session: AsyncSession, account_id: int) -> None:
    await session.execute(
        update(ImLink)
        .where(ImLink.account_id == account_id)
        .values(code_attempts=ImLink.code_attempts + 1)
    )


async def confirm(session: AsyncSession, account_id: int, when: datetime) -> None:
    await session.execute(
        update(ImLink)
        .where(ImLink.account_id == account_id)
        .values(code_hash=None, confirmed_at=when, code_attempts=0)
    )


async def set_notify(session: AsyncSession, account_id: int, notify: bool) -> bool:
    stmt = (
        update(ImLink)
        .where(ImLink.account_id == account_id, ImLink.confirmed_at.is_not(None))
        .values(notify=notify)
        .returning(ImLink.account_id)
    )
    return (await session.execute(stmt)).first() is not None


async def remove(session: AsyncSession, account_id: int) -> ImLink | None:
    link = await session.get(ImLink, account_id)
    if link is not None:
        await session.delete(link)
        await session.flush()
    return link


async def newest_keyed(
    session: AsyncSession, account_id: int, conversation_id: int, prefix: str
) -> tuple[int, str] | None:
    """The account's newest message in the conversation posted with an idempotency key that
    starts with `prefix` (the gateway keys each message with its stanza id): (status, key)."""
    stmt = (
        select(Status.id, IdempotencyKey.key)
        .join(IdempotencyKey, IdempotencyKey.status_id == Status.id)
        .where(
            IdempotencyKey.account_id == account_id,
            IdempotencyKey.key.startswith(prefix, autoescape=True),
            Status.conversation_id == conversation_id,
        )
        .order_by(Status.id.desc())
        .limit(1)
    )
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row else None
