"""The server's settings, invites and e-mail domain blocks."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from myna.models import EmailDomainBlock, Invite, ServerSetting
from myna.store.upsert import insert_ignore


async def settings(session: AsyncSession) -> dict[str, Any]:
    rows = await session.scalars(select(ServerSetting))
    out: dict[str, Any] = {}
    for row in rows:
        try:
            out[row.key] = orjson.loads(row.value)
        except orjson.JSONDecodeError:
            continue
    return out


async def put_settings(session: AsyncSession, values: Mapping[str, Any], now: datetime) -> None:
    """Replace every stored setting with `values` (the whole, checked set)."""
    await session.execute(delete(ServerSetting))
    session.add_all(
        ServerSetting(key=key, value=orjson.dumps(value).decode(), updated_at=now)
        for key, value in values.items()
    )
    await session.flush()


async def email_domain_blocks(session: AsyncSession) -> list[EmailDomainBlock]:
    stmt = select(EmailDomainBlock).order_by(EmailDomainBlock.domain)
    return list(await session.scalars(stmt))


async def email_domain_block(session: AsyncSession, block_id: int) -> EmailDomainBlock | None:
    return await session.get(EmailDomainBlock, block_id)


async def add_email_domain_block(session: AsyncSession, row: dict[str, Any]) -> None:
    await insert_ignore(session, EmailDomainBlock, [row])


async def email_domain_block_by_domain(
    session: AsyncSession, domain: str
) -> EmailDomainBlock | None:
    stmt = select(EmailDomainBlock).where(EmailDomainBlock.domain == domain)
    return await session.scalar(stmt)


async def blocked_email_domains(session: AsyncSession) -> list[str]:
    return list(await session.scalars(select(EmailDomainBlock.domain)))


async def delete_email_domain_block(session: AsyncSession, block_id: int) -> bool:
    result = await session.execute(delete(EmailDomainBlock).where(EmailDomainBlock.id == block_id))
    return bool(getattr(result, "rowcount", 0))


async def add_invite(session: AsyncSession, invite: Invite) -> None:
    session.add(invite)
    await session.flush()


async def invites(session: AsyncSession) -> list[Invite]:
    return list(await session.scalars(select(Invite).order_by(Invite.id.desc())))


async def invite_by_code_for_update(session: AsyncSession, code: str) -> Invite | None:
    stmt = select(Invite).where(Invite.code == code).with_for_update()
    return await session.scalar(stmt)


async def get_invite(session: AsyncSession, invite_id: int) -> Invite | None:
    return await session.get(Invite, invite_id)


async def count_use(session: AsyncSession, invite_id: int) -> None:
    await session.execute(update(Invite).where(Invite.id == invite_id).values(uses=Invite.uses + 1))
