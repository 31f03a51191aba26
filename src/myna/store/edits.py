"""Status edits: earlier versions, and replacing a status's mentions and tag links."""

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from myna.models import Mention, Status, StatusEdit, StatusTag


async def add(session: AsyncSession, edit: StatusEdit) -> None:
    session.add(edit)
    await session.flush()


async def versions_of(session: AsyncSession, status_id: int) -> list[StatusEdit]:
    """Earlier versions, oldest first."""
    stmt = select(StatusEdit).where(StatusEdit.status_id == status_id).order_by(StatusEdit.id)
    return list(await session.scalars(stmt))


async def drop_mentions(session: AsyncSession, status_id: int, account_ids: Iterable[int]) -> None:
    gone = set(account_ids)
    if gone:
        await session.execute(
            delete(Mention).where(Mention.status_id == status_id, Mention.account_id.in_(gone))
        )


async def unlink_tags(session: AsyncSession, status_id: int) -> None:
    await session.execute(delete(StatusTag).where(StatusTag.status_id == status_id))


async def sharers_of(session: AsyncSession, status_id: int) -> list[int]:
    """Accounts that reposted or quoted the status."""
    stmt = (
        select(Status.account_id)
        .where((Status.reblog_of_id == status_id) | (Status.quote_of_id == status_id))
        .distinct()
    )
    return list(await session.scalars(stmt))
