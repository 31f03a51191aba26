"""Trend queries: recording uses (one row per target, hour and account), the bounded reads the
ranking is computed from, the stored ranking, per-day history and admins' hidden targets."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, delete, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from myna.lib.clock import as_utc
from myna.models import StatusTag, Tag, Trend, TrendBan, TrendLink, TrendRefresh, TrendUse
from myna.store.upsert import insert_ignore

HOURS_PER_DAY = 24


def hour_of(at: datetime) -> int:
    """Hours since the Unix epoch (UTC), the bucket a use is counted in."""
    return int(as_utc(at).timestamp()) // 3600


async def record(
    session: AsyncSession, kind: str, target_ids: Iterable[int], hour: int, account_id: int
) -> None:
    """One more use by `account_id` in `hour` of each target (its row made or counted up)."""
    rows = [
        {"kind": kind, "target_id": t, "hour": hour, "account_id": account_id, "uses": 1}
        for t in dict.fromkeys(target_ids)
    ]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(TrendUse).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=["kind", "target_id", "hour", "account_id"],
        set_={"uses": TrendUse.uses + 1},
    )
    await session.execute(stmt)


async def unrecord(
    session: AsyncSession, kind: str, target_ids: Iterable[int], hour: int, account_id: int
) -> None:
    """One use fewer; the row goes with its last use."""
    targets = list(dict.fromkeys(target_ids))
    if not targets:
        return
    where = (
        TrendUse.kind == kind,
        TrendUse.target_id.in_(targets),
        TrendUse.hour == hour,
        TrendUse.account_id == account_id,
    )
    await session.execute(update(TrendUse).where(*where).values(uses=TrendUse.uses - 1))
    await session.execute(delete(TrendUse).where(*where, TrendUse.uses <= 0))


async def forget_target(session: AsyncSession, kind: str, target_id: int) -> None:
    await session.execute(
        delete(TrendUse).where(TrendUse.kind == kind, TrendUse.target_id == target_id)
    )
    await session.execute(delete(Trend).where(Trend.kind == kind, Trend.target_id == target_id))


async def candidates(
    session: AsyncSession,
    kind: str,
    first_hour: int,
    last_hour: int,
    min_accounts: int,
    limit: int,
    counted: ColumnElement[bool],
) -> dict[int, int]:
    """Targets used by at least `min_accounts` distinct accounts in the window (the most
    first, at most `limit`): target -> distinct accounts. Only uses `counted` keeps count (the
    caller's rule: not those of limited or suspended accounts). Hidden targets are ranked too (an
    admin sees where they stand, and approving one shows it at once); reads leave them out."""
    n = func.count(func.distinct(TrendUse.account_id))
    stmt = (
        select(TrendUse.target_id, n)
        .where(TrendUse.hour >= first_hour, TrendUse.hour <= last_hour, TrendUse.kind == kind)
        .where(counted)
        .group_by(TrendUse.target_id)
        .having(n >= min_accounts)
        .order_by(n.desc(), TrendUse.target_id)
        .limit(limit)
    )
    return {target: count for target, count in await session.execute(stmt)}


async def accounts_per_hour(
    session: AsyncSession,
    kind: str,
    targets: Sequence[int],
    first_hour: int,
    last_hour: int,
    counted: ColumnElement[bool],
) -> dict[int, dict[int, int]]:
    """target -> hour -> distinct accounts (rows), for the hours from first to last; only
    the uses `counted` keeps, as in `candidates`."""
    out: dict[int, dict[int, int]] = defaultdict(dict)
    if not targets:
        return out
    stmt = (
        select(TrendUse.target_id, TrendUse.hour, func.count())
        .where(TrendUse.kind == kind, TrendUse.target_id.in_(targets))
        .where(TrendUse.hour >= first_hour, TrendUse.hour <= last_hour, counted)
        .group_by(TrendUse.target_id, TrendUse.hour)
    )
    for target, hour, count in await session.execute(stmt):
        out[target][hour] = count
    return out


async def account_hours(
    session: AsyncSession, kind: str, targets: Sequence[int], first_hour: int, last_hour: int
) -> dict[int, int]:
    """target -> the sum over the hours of each hour's distinct accounts (the baseline)."""
    if not targets:
        return {}
    stmt = (
        select(TrendUse.target_id, func.count())
        .where(TrendUse.kind == kind, TrendUse.target_id.in_(targets))
        .where(TrendUse.hour >= first_hour, TrendUse.hour <= last_hour)
        .group_by(TrendUse.target_id)
    )
    return {target: count for target, count in await session.execute(stmt)}


async def daily(
    session: AsyncSession, kind: str, targets: Sequence[int], first_day: int, last_day: int
) -> dict[int, dict[int, tuple[int, int]]]:
    """target -> day (days since the epoch) -> (uses, distinct accounts)."""
    out: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    if not targets:
        return out
    day = TrendUse.hour // HOURS_PER_DAY
    stmt = (
        select(
            TrendUse.target_id,
            day,
            func.sum(TrendUse.uses),
            func.count(func.distinct(TrendUse.account_id)),
        )
        .where(TrendUse.kind == kind, TrendUse.target_id.in_(targets))
        .where(TrendUse.hour >= first_day * HOURS_PER_DAY)
        .where(TrendUse.hour < (last_day + 1) * HOURS_PER_DAY)
        .group_by(TrendUse.target_id, day)
    )
    for target, d, uses, accounts in await session.execute(stmt):
        out[target][int(d)] = (int(uses), int(accounts))
    return out


# --- the stored ranking ----------------------------------------------------------------------


async def claim_refresh(session: AsyncSession, kind: str, now: datetime, due: datetime) -> bool:
    """Take the right to recompute `kind`'s ranking: true when it was last computed at or
    before `due` (or never, or after `now`: a clock that went back). The row lock makes a
    second process wait, then see the new time and step back."""
    await insert_ignore(session, TrendRefresh, [{"kind": kind, "refreshed_at": None}])
    stale = or_(
        TrendRefresh.refreshed_at.is_(None),
        TrendRefresh.refreshed_at <= due,
        TrendRefresh.refreshed_at > now,
    )
    result = await session.execute(
        update(TrendRefresh).where(TrendRefresh.kind == kind, stale).values(refreshed_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def replace_ranking(
    session: AsyncSession, kind: str, ranked: Sequence[tuple[int, float]]
) -> None:
    await session.execute(delete(Trend).where(Trend.kind == kind))
    session.add_all(
        Trend(kind=kind, target_id=target, rank=rank, score=score)
        for rank, (target, score) in enumerate(ranked)
    )
    await session.flush()


async def ranking(
    session: AsyncSession, kind: str, offset: int, limit: int, *, include_hidden: bool = False
) -> list[int]:
    """Target ids by rank, leaving out what admins hid since the ranking was stored."""
    stmt = select(Trend.target_id).where(Trend.kind == kind)
    if not include_hidden:
        hidden = exists().where(TrendBan.kind == kind, TrendBan.target_id == Trend.target_id)
        stmt = stmt.where(~hidden)
    stmt = stmt.order_by(Trend.rank).offset(offset).limit(limit)
    return list(await session.scalars(stmt))


# --- hiding ----------------------------------------------------------------------------------


async def hide(session: AsyncSession, kind: str, target_id: int, now: datetime) -> None:
    await insert_ignore(
        session, TrendBan, [{"kind": kind, "target_id": target_id, "created_at": now}]
    )


async def unhide(session: AsyncSession, kind: str, target_id: int) -> None:
    await session.execute(
        delete(TrendBan).where(TrendBan.kind == kind, TrendBan.target_id == target_id)
    )


async def hidden_among(session: AsyncSession, kind: str, targets: Iterable[int]) -> set[int]:
    wanted = set(targets)
    if not wanted:
        return set()
    stmt = select(TrendBan.target_id).where(TrendBan.kind == kind, TrendBan.target_id.in_(wanted))
    return set(await session.scalars(stmt))


async def hidden(session: AsyncSession, kind: str) -> list[int]:
    stmt = select(TrendBan.target_id).where(TrendBan.kind == kind).order_by(TrendBan.created_at)
    return list(await session.scalars(stmt))


# --- tags and links --------------------------------------------------------------------------


async def tags_by_ids(session: AsyncSession, ids: Iterable[int]) -> dict[int, Tag]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {tag.id: tag for tag in await session.scalars(select(Tag).where(Tag.id.in_(wanted)))}


async def tag_ids_of(session: AsyncSession, status_id: int) -> list[int]:
    stmt = select(StatusTag.tag_id).where(StatusTag.status_id == status_id)
    return list(await session.scalars(stmt))


async def links_by_keys(session: AsyncSession, keys: Iterable[str]) -> dict[str, TrendLink]:
    wanted = set(keys)
    if not wanted:
        return {}
    stmt = select(TrendLink).where(TrendLink.key.in_(wanted))
    return {link.key: link for link in await session.scalars(stmt)}


async def links_by_ids(session: AsyncSession, ids: Iterable[int]) -> dict[int, TrendLink]:
    wanted = set(ids)
    if not wanted:
        return {}
    stmt = select(TrendLink).where(TrendLink.id.in_(wanted))
    return {link.id: link for link in await session.scalars(stmt)}


async def add_links(session: AsyncSession, rows: list[dict[str, object]]) -> None:
    await insert_ignore(session, TrendLink, rows)
