"""Polls and their votes. Tallies are counted from the votes when read, so a vote, a reset
and a deleted account all show at once and no counter can drift."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from myna.models import Poll, PollVote


async def add(session: AsyncSession, poll: Poll) -> None:
    session.add(poll)
    await session.flush()


async def get(session: AsyncSession, poll_id: int) -> Poll | None:
    return await session.get(Poll, poll_id)


async def get_locked(session: AsyncSession, poll_id: int) -> Poll | None:
    """The poll, its row locked until the transaction ends (PostgreSQL; SQLite's writers are
    serialised anyway): two votes by one account cannot both pass the "already voted" check."""
    stmt = select(Poll).where(Poll.id == poll_id).with_for_update()
    return await session.scalar(stmt)


async def of_status(session: AsyncSession, status_id: int) -> Poll | None:
    return await session.scalar(select(Poll).where(Poll.status_id == status_id))


async def of_statuses(session: AsyncSession, status_ids: Iterable[int]) -> dict[int, Poll]:
    """Polls by the id of their status."""
    wanted = set(status_ids)
    if not wanted:
        return {}
    polls = await session.scalars(select(Poll).where(Poll.status_id.in_(wanted)))
    return {poll.status_id: poll for poll in polls}


async def tallies(session: AsyncSession, poll_ids: Iterable[int]) -> dict[int, dict[int, int]]:
    """Votes per choice, per poll."""
    wanted = set(poll_ids)
    out: dict[int, dict[int, int]] = defaultdict(dict)
    if not wanted:
        return out
    stmt = (
        select(PollVote.poll_id, PollVote.choice, func.count())
        .where(PollVote.poll_id.in_(wanted))
        .group_by(PollVote.poll_id, PollVote.choice)
    )
    for poll_id, choice, count in await session.execute(stmt):
        out[poll_id][choice] = count
    return out


async def voters_counts(session: AsyncSession, poll_ids: Iterable[int]) -> dict[int, int]:
    wanted = set(poll_ids)
    if not wanted:
        return {}
    stmt = (
        select(PollVote.poll_id, func.count(func.distinct(PollVote.account_id)))
        .where(PollVote.poll_id.in_(wanted))
        .group_by(PollVote.poll_id)
    )
    return {poll_id: count for poll_id, count in await session.execute(stmt)}


async def choices_of(
    session: AsyncSession, account_id: int, poll_ids: Iterable[int]
) -> dict[int, list[int]]:
    """The account's chosen option indexes, per poll it voted in."""
    wanted = set(poll_ids)
    out: dict[int, list[int]] = defaultdict(list)
    if not wanted:
        return out
    stmt = (
        select(PollVote.poll_id, PollVote.choice)
        .where(PollVote.account_id == account_id, PollVote.poll_id.in_(wanted))
        .order_by(PollVote.poll_id, PollVote.choice)
    )
    for poll_id, choice in await session.execute(stmt):
        out[poll_id].append(choice)
    return out


async def has_voted(session: AsyncSession, poll_id: int, account_id: int) -> bool:
    stmt = select(PollVote.id).where(PollVote.poll_id == poll_id, PollVote.account_id == account_id)
    return await session.scalar(stmt.limit(1)) is not None


async def add_votes(session: AsyncSession, votes: list[PollVote]) -> None:
    session.add_all(votes)
    await session.flush()


async def clear_votes(session: AsyncSession, poll_id: int) -> None:
    await session.execute(delete(PollVote).where(PollVote.poll_id == poll_id))


async def voter_ids(session: AsyncSession, poll_id: int) -> list[int]:
    stmt = (
        select(PollVote.account_id)
        .where(PollVote.poll_id == poll_id)
        .distinct()
        .order_by(PollVote.account_id)
    )
    return list(await session.scalars(stmt))


async def ended_unnoticed(session: AsyncSession, now: datetime, limit: int) -> list[int]:
    """Polls that ended by `now` and whose end nobody has been told of yet, oldest first."""
    stmt = (
        select(Poll.id)
        .where(Poll.expires_at.is_not(None), Poll.expires_at <= now, Poll.notified.is_(False))
        .order_by(Poll.expires_at, Poll.id)
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def claim_notice(session: AsyncSession, poll_id: int, now: datetime) -> bool:
    """Mark an ended poll as noticed; True only for the one caller whose UPDATE changed the
    row, so two sweeps running at once never both send the notifications."""
    stmt = (
        update(Poll)
        .where(
            Poll.id == poll_id,
            Poll.notified.is_(False),
            Poll.expires_at.is_not(None),
            Poll.expires_at <= now,
        )
        .values(notified=True)
        .returning(Poll.id)
        .execution_options(synchronize_session=False)
    )
    return (await session.execute(stmt)).first() is not None
