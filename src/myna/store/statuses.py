from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from myna.lib.paging import Page
from myna.models import Favourite, IdempotencyKey, Mention, Status, StatusTag, Tag
from myna.store.paging import newest_first, paged


async def get(session: AsyncSession, status_id: int) -> Status | None:
    return await session.get(Status, status_id)


async def get_visible(
    session: AsyncSession, status_id: int, visible: ColumnElement[bool]
) -> Status | None:
    return await session.scalar(select(Status).where(Status.id == status_id, visible))


async def get_many(
    session: AsyncSession,
    ids: Iterable[int],
    where: ColumnElement[bool] | None = None,
    params: Mapping[str, Any] | None = None,
) -> dict[int, Status]:
    """`params`: the bound values `where` needs (a prebuilt rule's, policy/visibility.py)."""
    wanted = set(ids)
    if not wanted:
        return {}
    stmt = select(Status).where(Status.id.in_(wanted))
    if where is not None:
        stmt = stmt.where(where)
    return {status.id: status for status in await session.scalars(stmt, params)}


async def page(
    session: AsyncSession,
    where: Sequence[ColumnElement[bool]],
    page: Page,
    params: Mapping[str, Any] | None = None,
) -> list[Status]:
    stmt = paged(select(Status).where(*where), Status.id, page)
    return newest_first(list(await session.scalars(stmt, params)), page)


async def add(session: AsyncSession, status: Status) -> None:
    session.add(status)
    await session.flush()


async def delete_one(session: AsyncSession, status_id: int) -> None:
    await session.execute(delete(Status).where(Status.id == status_id))


async def add_mentions(session: AsyncSession, rows: list[Mention]) -> None:
    session.add_all(rows)
    await session.flush()


async def tags_by_keys(session: AsyncSession, keys: Iterable[str]) -> dict[str, Tag]:
    wanted = set(keys)
    if not wanted:
        return {}
    return {tag.key: tag for tag in await session.scalars(select(Tag).where(Tag.key.in_(wanted)))}


async def tag_by_key(session: AsyncSession, key: str) -> Tag | None:
    return await session.scalar(select(Tag).where(Tag.key == key))


async def add_tags(session: AsyncSession, tags: list[Tag]) -> None:
    session.add_all(tags)
    await session.flush()


async def link_tags(session: AsyncSession, status_id: int, tag_ids: Iterable[int]) -> None:
    session.add_all(StatusTag(status_id=status_id, tag_id=tag_id) for tag_id in tag_ids)
    await session.flush()


async def reblog_by(session: AsyncSession, account_id: int, status_id: int) -> Status | None:
    stmt = select(Status).where(Status.account_id == account_id, Status.reblog_of_id == status_id)
    return await session.scalar(stmt)


async def reblog_ids_of(session: AsyncSession, status_id: int) -> list[Status]:
    return list(await session.scalars(select(Status).where(Status.reblog_of_id == status_id)))


async def favourite_of(session: AsyncSession, account_id: int, status_id: int) -> Favourite | None:
    stmt = select(Favourite).where(
        Favourite.account_id == account_id, Favourite.status_id == status_id
    )
    return await session.scalar(stmt)


async def add_favourite(session: AsyncSession, favourite: Favourite) -> None:
    session.add(favourite)
    await session.flush()


async def delete_favourite(session: AsyncSession, favourite_id: int) -> None:
    await session.execute(delete(Favourite).where(Favourite.id == favourite_id))


async def idempotent_status_id(session: AsyncSession, account_id: int, key: str) -> int | None:
    stmt = select(IdempotencyKey.status_id).where(
        IdempotencyKey.account_id == account_id, IdempotencyKey.key == key
    )
    return await session.scalar(stmt)


async def remember_idempotency_key(
    session: AsyncSession, account_id: int, key: str, status_id: int, at: datetime
) -> None:
    session.add(IdempotencyKey(account_id=account_id, key=key, status_id=status_id, created_at=at))
    await session.flush()


# Batch loaders: one query for a whole page of statuses, never one per status.


async def mentions_of(session: AsyncSession, status_ids: Iterable[int]) -> dict[int, list[int]]:
    ids = set(status_ids)
    out: dict[int, list[int]] = defaultdict(list)
    if ids:
        stmt = (
            select(Mention.status_id, Mention.account_id)
            .where(Mention.status_id.in_(ids))
            .order_by(Mention.id)
        )
        for status_id, account_id in await session.execute(stmt):
            out[status_id].append(account_id)
    return out


async def tags_of(session: AsyncSession, status_ids: Iterable[int]) -> dict[int, list[Tag]]:
    ids = set(status_ids)
    out: dict[int, list[Tag]] = defaultdict(list)
    if ids:
        stmt = (
            select(StatusTag.status_id, Tag)
            .join(Tag, Tag.id == StatusTag.tag_id)
            .where(StatusTag.status_id.in_(ids))
            .order_by(Tag.name)
        )
        for status_id, tag in await session.execute(stmt):
            out[status_id].append(tag)
    return out


@dataclass
class Counts:
    replies: dict[int, int] = field(default_factory=dict)
    reblogs: dict[int, int] = field(default_factory=dict)
    quotes: dict[int, int] = field(default_factory=dict)
    favourites: dict[int, int] = field(default_factory=dict)


async def counts_of(
    session: AsyncSession,
    status_ids: Iterable[int],
    visible: ColumnElement[bool],
    params: Mapping[str, Any] | None = None,
) -> Counts:
    """Each status's replies, reposts and quotes that pass `visible` (the viewer's rule: a
    private reply is not even counted for others), and its favourites, in one query."""
    counts = Counts()
    ids = set(status_ids)
    if not ids:
        return counts
    by_kind = [counts.replies, counts.reblogs, counts.quotes]
    parts = [
        select(literal(kind), column, func.count()).where(column.in_(ids), visible).group_by(column)
        for kind, column in enumerate(
            (Status.in_reply_to_id, Status.reblog_of_id, Status.quote_of_id)
        )
    ]
    by_kind.append(counts.favourites)
    parts.append(
        select(literal(len(parts)), Favourite.status_id, func.count())
        .where(Favourite.status_id.in_(ids))
        .group_by(Favourite.status_id)
    )
    for kind, status_id, count in await session.execute(union_all(*parts), params):
        if status_id is not None:  # never: the column is matched by IN; for the type
            by_kind[kind][status_id] = count
    return counts


async def favouriters_page(
    session: AsyncSession, status_id: int, page_: Page, where: ColumnElement[bool]
) -> list[tuple[int, int]]:
    """(favourite id, account id) newest first, paged by favourite id."""
    stmt = paged(
        select(Favourite.id, Favourite.account_id).where(Favourite.status_id == status_id, where),
        Favourite.id,
        page_,
    )
    rows = [(row[0], row[1]) for row in await session.execute(stmt)]
    return newest_first(rows, page_)


async def rebloggers_page(
    session: AsyncSession, status_id: int, page_: Page, where: ColumnElement[bool]
) -> list[tuple[int, int]]:
    """(reblog status id, account id) newest first, paged by the reblog's id."""
    stmt = paged(
        select(Status.id, Status.account_id).where(Status.reblog_of_id == status_id, where),
        Status.id,
        page_,
    )
    rows = [(row[0], row[1]) for row in await session.execute(stmt)]
    return newest_first(rows, page_)


async def ancestor_chain(
    session: AsyncSession, parent_id: int, visible: ColumnElement[bool], limit: int
) -> dict[int, Status]:
    """Every status up the reply chain from `parent_id` that passes `visible`, in one query
    (a recursive CTE: replies always have larger ids than their parents, so it ends)."""
    chain = (
        select(Status.id, Status.in_reply_to_id, literal(1).label("depth"))
        .where(Status.id == parent_id)
        .cte("chain", recursive=True)
    )
    parent = aliased(Status)
    chain = chain.union_all(
        select(parent.id, parent.in_reply_to_id, chain.c.depth + 1)
        .join(chain, parent.id == chain.c.in_reply_to_id)
        .where(chain.c.depth < limit)
    )
    stmt = select(Status).where(Status.id.in_(select(chain.c.id)), visible)
    return {status.id: status for status in await session.scalars(stmt)}


async def replies_to(
    session: AsyncSession, parent_ids: Iterable[int], visible: ColumnElement[bool]
) -> list[Status]:
    ids = set(parent_ids)
    if not ids:
        return []
    stmt = select(Status).where(Status.in_reply_to_id.in_(ids), visible).order_by(Status.id)
    return list(await session.scalars(stmt))


async def count_by_author_since(session: AsyncSession, account_id: int, since: datetime) -> int:
    """The account's statuses (reposts included) posted since `since`."""
    stmt = (
        select(func.count())
        .select_from(Status)
        .where(Status.account_id == account_id, Status.created_at >= since)
    )
    return int(await session.scalar(stmt) or 0)
