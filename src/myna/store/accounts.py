from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from myna.models import Account


def username_key(username: str) -> str:
    return username.lower()


async def get(session: AsyncSession, account_id: int) -> Account | None:
    return await session.get(Account, account_id)


async def get_for_update(session: AsyncSession, account_id: int) -> Account | None:
    """The account, its row locked until the transaction ends (PostgreSQL; SQLite writes are
    serial anyway): two changes of a picture cannot both see, and keep, the same old file."""
    return await session.get(Account, account_id, with_for_update=True, populate_existing=True)


async def get_many(session: AsyncSession, ids: Iterable[int]) -> dict[int, Account]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = await session.scalars(select(Account).where(Account.id.in_(wanted)))
    return {account.id: account for account in rows}


async def by_username(session: AsyncSession, username: str) -> Account | None:
    stmt = select(Account).where(Account.username_key == username_key(username))
    return await session.scalar(stmt)


async def by_usernames(session: AsyncSession, usernames: Iterable[str]) -> list[Account]:
    keys = {username_key(name) for name in usernames}
    if not keys:
        return []
    return list(await session.scalars(select(Account).where(Account.username_key.in_(keys))))


def _login_filter(login: str):  # type: ignore[no-untyped-def]
    login = login.strip()
    return or_(
        Account.username_key == username_key(login), func.lower(Account.email) == login.lower()
    )


async def by_login(session: AsyncSession, login: str) -> Account | None:
    """An account by username or e-mail address, as people type them on a sign-in form."""
    return await session.scalar(select(Account).where(_login_filter(login)))


def by_login_sync(session: Session, login: str) -> Account | None:
    return session.scalar(select(Account).where(_login_filter(login)))


def get_sync(session: Session, account_id: int) -> Account | None:
    return session.get(Account, account_id)


async def username_taken(session: AsyncSession, username: str) -> bool:
    stmt = select(Account.id).where(Account.username_key == username_key(username))
    return await session.scalar(stmt) is not None


async def email_taken(session: AsyncSession, email: str) -> bool:
    stmt = select(Account.id).where(func.lower(Account.email) == email.lower())
    return await session.scalar(stmt) is not None


async def add(session: AsyncSession, account: Account) -> None:
    session.add(account)
    await session.flush()


async def adjust_follow_counts(
    session: AsyncSession, follower_id: int, target_id: int, delta: int
) -> None:
    """A follow made (delta 1) or ended (-1): both accounts' counters, their rows updated in id
    order, so two accounts following each other at the same moment take the two row locks in
    the same order and neither waits for the other (no deadlock on PostgreSQL)."""
    for account_id in sorted((follower_id, target_id)):
        if account_id == follower_id:
            await adjust_counts(session, account_id, following=delta)
        else:
            await adjust_counts(session, account_id, followers=delta)


async def adjust_counts(
    session: AsyncSession,
    account_id: int,
    *,
    followers: int = 0,
    following: int = 0,
    statuses: int = 0,
    last_status_at: datetime | None = None,
) -> None:
    """Counters move in SQL (col = col + n), so concurrent writers never lose an update."""
    values: dict[str, object] = {}
    if followers:
        values["followers_count"] = Account.followers_count + followers
    if following:
        values["following_count"] = Account.following_count + following
    if statuses:
        values["statuses_count"] = Account.statuses_count + statuses
    if last_status_at is not None:
        values["last_status_at"] = last_status_at
    if values:
        await session.execute(update(Account).where(Account.id == account_id).values(**values))


async def ids_after(session: AsyncSession, after: int, limit: int) -> list[int]:
    """Account ids above `after`, in order: walking every account in batches."""
    stmt = select(Account.id).where(Account.id > after).order_by(Account.id).limit(limit)
    return list(await session.scalars(stmt))


async def count_all(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Account)) or 0
