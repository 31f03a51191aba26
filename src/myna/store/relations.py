from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from myna.lib.paging import Page
from myna.models import Account, Block, Follow, FollowRequest, Mute
from myna.store.paging import newest_first, paged

PairModel = type[Follow] | type[FollowRequest] | type[Block] | type[Mute]
M = TypeVar("M", Follow, FollowRequest, Block, Mute)


async def find(session: AsyncSession, model: type[M], account_id: int, target_id: int) -> M | None:
    stmt = select(model).where(model.account_id == account_id, model.target_account_id == target_id)
    return await session.scalar(stmt)


async def exists(session: AsyncSession, model: PairModel, account_id: int, target_id: int) -> bool:
    stmt = select(model.id).where(
        model.account_id == account_id, model.target_account_id == target_id
    )
    return await session.scalar(stmt) is not None


async def add(session: AsyncSession, row: Follow | FollowRequest | Block | Mute) -> None:
    session.add(row)
    await session.flush()


async def remove(session: AsyncSession, model: PairModel, account_id: int, target_id: int) -> bool:
    """Delete the row if there is one; True when something was deleted."""
    stmt = (
        delete(model)
        .where(model.account_id == account_id, model.target_account_id == target_id)
        .returning(model.id)
    )
    return (await session.execute(stmt)).first() is not None


async def page_targets(
    session: AsyncSession, model: PairModel, account_id: int, page: Page
) -> list[tuple[int, Account]]:
    """(row id, target account) for the rows `account_id` made: whom it follows, blocks, ..."""
    stmt = paged(
        select(model.id, Account)
        .join(Account, Account.id == model.target_account_id)
        .where(model.account_id == account_id),
        model.id,
        page,
    )
    rows = [(row[0], row[1]) for row in await session.execute(stmt)]
    return newest_first(rows, page)


async def page_sources(
    session: AsyncSession, model: PairModel, target_id: int, page: Page
) -> list[tuple[int, Account]]:
    """(row id, account) for the rows pointing at `target_id`: its followers, requesters, ..."""
    stmt = paged(
        select(model.id, Account)
        .join(Account, Account.id == model.account_id)
        .where(model.target_account_id == target_id),
        model.id,
        page,
    )
    rows = [(row[0], row[1]) for row in await session.execute(stmt)]
    return newest_first(rows, page)


@dataclass
class Relations:
    """Everything `viewer` has to do with each of some accounts, loaded in a few queries."""

    following: dict[int, Follow] = field(default_factory=dict)
    followed_by: set[int] = field(default_factory=set)
    requested: dict[int, FollowRequest] = field(default_factory=dict)
    requested_by: set[int] = field(default_factory=set)
    blocking: set[int] = field(default_factory=set)
    blocked_by: set[int] = field(default_factory=set)
    muting: dict[int, Mute] = field(default_factory=dict)


async def relations(session: AsyncSession, viewer_id: int, target_ids: Iterable[int]) -> Relations:
    ids = set(target_ids)
    out = Relations()
    if not ids:
        return out

    async def outgoing(model: PairModel) -> list[Any]:
        stmt = select(model).where(model.account_id == viewer_id, model.target_account_id.in_(ids))
        return list(await session.scalars(stmt))

    async def incoming(model: PairModel) -> set[int]:
        stmt = select(model.account_id).where(
            model.target_account_id == viewer_id, model.account_id.in_(ids)
        )
        return set(await session.scalars(stmt))

    out.following = {row.target_account_id: row for row in await outgoing(Follow)}
    out.followed_by = await incoming(Follow)
    out.requested = {row.target_account_id: row for row in await outgoing(FollowRequest)}
    out.requested_by = await incoming(FollowRequest)
    out.blocking = {row.target_account_id for row in await outgoing(Block)}
    out.blocked_by = await incoming(Block)
    out.muting = {row.target_account_id: row for row in await outgoing(Mute)}
    return out


async def follow_requests_count(session: AsyncSession, target_id: int) -> int:
    """How many accounts wait for `target_id` to answer their follow request."""
    stmt = select(func.count()).where(FollowRequest.target_account_id == target_id)
    return await session.scalar(stmt) or 0


async def followed_above(session: AsyncSession, account_id: int, followers: int) -> list[int]:
    """The accounts `account_id` follows that have more than `followers` followers."""
    stmt = (
        select(Follow.target_account_id)
        .join(Account, Account.id == Follow.target_account_id)
        .where(Follow.account_id == account_id, Account.followers_count > followers)
    )
    return list(await session.scalars(stmt))
