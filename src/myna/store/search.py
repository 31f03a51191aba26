"""Search reads outside the full-text indexes (backends/search.py holds the indexes' own SQL):
accounts by username prefix or by the index's matches of their names, tags by name prefix, and
the statuses and accounts reindexing walks."""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Subquery, and_, case, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from myna.models import Account, Status, StatusTag, Tag, TagFollow
from myna.store.accounts import username_key

# Tags read by prefix before they are checked and ordered: a query costs at most this.
TAG_CANDIDATES = 50
LAST_CHAR = "\U0010ffff"  # sorts after every character


def _starts_with(
    session: AsyncSession, column: InstrumentedAttribute[str], key: str
) -> ColumnElement[bool]:
    """`column` starts with `key`. SQLite cannot read an index for a LIKE with an ESCAPE
    clause, and would scan the table; under its binary order the same rows are also a range,
    which it reads from the index. (PostgreSQL reads its `text_pattern_ops` index for the LIKE,
    migration 0013; a range there would follow the collation, not the bytes.)"""
    like = column.startswith(key, autoescape=True)
    if session.get_bind().dialect.name != "sqlite":
        return like
    return and_(column >= key, column < key + LAST_CHAR, like)


async def accounts(
    session: AsyncSession,
    prefix: str,
    named: Subquery | None,
    where: Sequence[ColumnElement[bool]],
    *,
    offset: int,
    limit: int,
) -> list[Account]:
    """Accounts whose username starts with `prefix` (none when it is empty), an exact match
    first, then by followers; after them the accounts among `named` (the ids the name index
    matched, column `id`) whose username does not, by followers. Each part reads at most
    `offset + limit` rows, so the whole costs what the page needs."""
    key = username_key(prefix)
    prefixed = _starts_with(session, Account.username_key, key)
    first: list[Account] = []
    if key:
        stmt = (
            select(Account)
            .where(prefixed, *where)
            .order_by(
                case((Account.username_key == key, 0), else_=1),
                Account.followers_count.desc(),
                Account.id,
            )
        )
        if named is None:
            return list(await session.scalars(stmt.offset(offset).limit(limit)))
        first = list(await session.scalars(stmt.limit(offset + limit)))
    if named is None or len(first) >= offset + limit:
        return first[offset : offset + limit]
    rest = (
        select(Account)
        .join(named, Account.id == named.c.id)
        .where(*where, *([not_(prefixed)] if key else []))
        .order_by(Account.followers_count.desc(), Account.id)
        .limit(offset + limit - len(first))
    )
    return (first + list(await session.scalars(rest)))[offset : offset + limit]


async def tags(
    session: AsyncSession,
    key: str,
    shown: ColumnElement[bool],
    params: Mapping[str, Any],
) -> list[tuple[Tag, int]]:
    """Tags whose key starts with `key` (the TAG_CANDIDATES shortest, the exact key first),
    each with the id of its newest status that passes `shown`; tags with none are left out,
    since a tag nobody may see used must not be told of.

    Not in key order: under a PostgreSQL collation other than "C", an ORDER BY key with a LIMIT
    tempts the planner to walk the whole unique index in that order, filtering; this order
    reads the prefix's matches from the `text_pattern_ops` index (migration 0013) instead."""
    candidates = (
        select(Tag.id)
        .where(_starts_with(session, Tag.key, key))
        .order_by(func.length(Tag.key), Tag.key)
        .limit(TAG_CANDIDATES)
        .scalar_subquery()
    )
    newest = (
        select(StatusTag.status_id)
        .join(Status, Status.id == StatusTag.status_id)
        .where(StatusTag.tag_id == Tag.id, shown)
        .order_by(StatusTag.status_id.desc())
        .limit(1)
        .correlate(Tag)
        .scalar_subquery()
    )
    stmt = select(Tag, newest).where(Tag.id.in_(candidates))
    rows = await session.execute(stmt, params)
    return [(tag, int(used)) for tag, used in rows if used is not None]


async def followed_tags(session: AsyncSession, account_id: int, tag_ids: list[int]) -> set[int]:
    if not tag_ids:
        return set()
    stmt = select(TagFollow.tag_id).where(
        TagFollow.account_id == account_id, TagFollow.tag_id.in_(tag_ids)
    )
    return set(await session.scalars(stmt))


async def indexable_after(
    session: AsyncSession, after: int, limit: int
) -> list[tuple[int, str, str]]:
    """(id, spoiler text, text) of the statuses the index holds (not plain reposts), by id,
    the first `limit` above `after`: reindexing walks them in batches."""
    stmt = (
        select(Status.id, Status.spoiler_text, Status.text)
        .where(Status.id > after, Status.reblog_of_id.is_(None))
        .order_by(Status.id)
        .limit(limit)
    )
    return [(int(i), spoiler or "", body or "") for i, spoiler, body in await session.execute(stmt)]


async def count_indexable(session: AsyncSession) -> int:
    stmt = select(func.count()).select_from(Status).where(Status.reblog_of_id.is_(None))
    return int(await session.scalar(stmt) or 0)


async def accounts_after(
    session: AsyncSession, after: int, limit: int
) -> list[tuple[int, str, str]]:
    """(id, username, display name) of the first `limit` accounts above `after`, by id."""
    stmt = (
        select(Account.id, Account.username, Account.display_name)
        .where(Account.id > after)
        .order_by(Account.id)
        .limit(limit)
    )
    return [(int(i), name, shown or "") for i, name, shown in await session.execute(stmt)]


async def count_accounts(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Account)) or 0)
