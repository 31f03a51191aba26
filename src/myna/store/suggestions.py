"""Follow suggestions: the queries behind friends-of-friends and popular verified accounts, and
the suggestions an account dismissed. Who may be suggested at all is the caller's `allowed`
(policy/suggestions.py)."""

from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from myna.models import Account, Follow, SuggestionDismissal
from myna.store.upsert import insert_ignore


async def friends_of_friends(
    session: AsyncSession,
    viewer_id: int,
    allowed: ColumnElement[bool],
    *,
    recent: int,
    limit: int,
) -> list[tuple[Account, int]]:
    """(account, how many of the viewer's `recent` newest followings follow it), most such
    followings first, among the accounts `allowed`. One GROUP BY along the follows index
    (account_id, target_account_id): bounded by `recent` times their followings."""
    friends = (
        select(Follow.target_account_id)
        .where(Follow.account_id == viewer_id)
        .order_by(Follow.id.desc())
        .limit(recent)
        .subquery()
    )
    mutuals = func.count().label("mutuals")
    counts = (
        select(Follow.target_account_id.label("account_id"), mutuals)
        .where(Follow.account_id.in_(select(friends.c.target_account_id)))
        .group_by(Follow.target_account_id)
        .subquery()
    )
    stmt = (
        select(Account, counts.c.mutuals)
        .join(counts, counts.c.account_id == Account.id)
        .where(allowed)
        .order_by(counts.c.mutuals.desc(), Account.followers_count.desc(), Account.id.desc())
        .limit(limit)
    )
    return [(row[0], row[1]) for row in await session.execute(stmt)]


async def popular_verified(
    session: AsyncSession, allowed: ColumnElement[bool], *, limit: int
) -> list[Account]:
    """The most followed verified accounts among those `allowed`, along the index on
    (verified, followers_count)."""
    stmt = (
        select(Account)
        .where(Account.verified.is_(True), allowed)
        .order_by(Account.followers_count.desc(), Account.id.desc())
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def dismiss(session: AsyncSession, account_id: int, target_id: int, when: datetime) -> None:
    """Remember the dismissal (once: dismissing again changes nothing)."""
    await insert_ignore(
        session,
        SuggestionDismissal,
        [{"account_id": account_id, "target_account_id": target_id, "created_at": when}],
    )
