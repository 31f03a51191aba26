"""Queries for reports, the audit log and the moderators' view of accounts."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, func, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession

from myna.lib.paging import Page
from myna.models import Account, AccountRole, AuditEntry, Favourite, Report, ReportStatus, Status
from myna.store.paging import newest_first, paged


async def add_report(session: AsyncSession, report: Report, status_ids: Iterable[int]) -> None:
    session.add(report)
    await session.flush()
    rows = [ReportStatus(report_id=report.id, status_id=s) for s in dict.fromkeys(status_ids)]
    session.add_all(rows)
    await session.flush()


async def get_report(session: AsyncSession, report_id: int) -> Report | None:
    return await session.get(Report, report_id)


async def get_reports(session: AsyncSession, ids: Iterable[int]) -> dict[int, Report]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {r.id: r for r in await session.scalars(select(Report).where(Report.id.in_(wanted)))}


async def get_report_for_update(session: AsyncSession, report_id: int) -> Report | None:
    return await session.get(Report, report_id, with_for_update=True, populate_existing=True)


async def status_ids_of(session: AsyncSession, report_ids: Iterable[int]) -> dict[int, list[int]]:
    wanted = set(report_ids)
    out: dict[int, list[int]] = {r: [] for r in wanted}
    if not wanted:
        return out
    stmt = (
        select(ReportStatus.report_id, ReportStatus.status_id)
        .where(ReportStatus.report_id.in_(wanted))
        .order_by(ReportStatus.status_id)
    )
    for report_id, status_id in await session.execute(stmt):
        out[report_id].append(status_id)
    return out


@dataclass(frozen=True, slots=True)
class ReportQuery:
    resolved: bool | None = None  # None: both
    account_id: int | None = None  # filed by
    target_account_id: int | None = None
    group_ids: Sequence[int] | None = None  # only reports about these groups' posts


async def reports(session: AsyncSession, query: ReportQuery, page: Page) -> list[Report]:
    stmt = select(Report)
    if query.resolved is True:
        stmt = stmt.where(Report.action_taken_at.is_not(None))
    elif query.resolved is False:
        stmt = stmt.where(Report.action_taken_at.is_(None))
    if query.account_id is not None:
        stmt = stmt.where(Report.account_id == query.account_id)
    if query.target_account_id is not None:
        stmt = stmt.where(Report.target_account_id == query.target_account_id)
    if query.group_ids is not None:
        stmt = stmt.where(Report.group_id.in_(query.group_ids))
    rows = list(await session.scalars(paged(stmt, Report.id, page)))
    return newest_first(rows, page)


async def open_reports_count(session: AsyncSession) -> int:
    stmt = select(func.count()).select_from(Report).where(Report.action_taken_at.is_(None))
    return int(await session.scalar(stmt) or 0)


async def resolve_reports_of(
    session: AsyncSession, target_account_id: int, actor_id: int, now: datetime
) -> None:
    """Every open report about the account is resolved by an action on the account."""
    await session.execute(
        update(Report)
        .where(Report.target_account_id == target_account_id, Report.action_taken_at.is_(None))
        .values(action_taken_at=now, action_taken_by_account_id=actor_id, updated_at=now)
    )


async def staff_ids(session: AsyncSession) -> list[int]:
    stmt = select(Account.id).where(
        Account.role.in_((AccountRole.MODERATOR, AccountRole.ADMIN)),
        Account.suspended_at.is_(None),
        Account.disabled_at.is_(None),
    )
    return list(await session.scalars(stmt))


async def add_audit(session: AsyncSession, entry: AuditEntry) -> None:
    session.add(entry)
    await session.flush()


async def audit_entries(session: AsyncSession, ids: Iterable[int]) -> dict[int, AuditEntry]:
    wanted = set(ids)
    if not wanted:
        return {}
    stmt = select(AuditEntry).where(AuditEntry.id.in_(wanted))
    return {entry.id: entry for entry in await session.scalars(stmt)}


async def audit_page(
    session: AsyncSession, page: Page, where: Sequence[ColumnElement[bool]] = ()
) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(*where)
    rows = list(await session.scalars(paged(stmt, AuditEntry.id, page)))
    return newest_first(rows, page)


async def forget_names(session: AsyncSession, account_id: int) -> None:
    """A deleted account's name leaves the audit log; its ids stay (the log still says that
    an account was acted on, not whose)."""
    await session.execute(
        update(AuditEntry)
        .where(AuditEntry.target_type == "account", AuditEntry.target_id == account_id)
        .values(target_label="")
    )
    await session.execute(
        update(AuditEntry).where(AuditEntry.actor_id == account_id).values(actor_username="")
    )


@dataclass(frozen=True, slots=True)
class AccountQuery:
    """Mastodon's admin account filters."""

    status: str | None = None  # active, pending, disabled, silenced, suspended, sensitized
    staff: bool = False
    username: str | None = None  # prefix, case-insensitive
    display_name: str | None = None  # substring
    email: str | None = None  # substring


def _account_filters(query: AccountQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    match query.status:
        case "active":
            where += [Account.suspended_at.is_(None), Account.approved.is_(True)]
        case "pending":
            where.append(Account.approved.is_(False))
        case "disabled":
            where.append(Account.disabled_at.is_not(None))
        case "silenced":
            where.append(Account.silenced_at.is_not(None))
        case "suspended":
            where.append(Account.suspended_at.is_not(None))
        case "sensitized":
            where.append(Account.sensitized_at.is_not(None))
    if query.staff:
        where.append(Account.role.in_((AccountRole.MODERATOR, AccountRole.ADMIN)))
    if query.username:
        where.append(Account.username_key.startswith(query.username.lower(), autoescape=True))
    if query.display_name:
        where.append(Account.display_name.contains(query.display_name, autoescape=True))
    if query.email:
        where.append(func.lower(Account.email).contains(query.email.lower(), autoescape=True))
    return where


async def accounts(session: AsyncSession, query: AccountQuery, page: Page) -> list[Account]:
    stmt = select(Account).where(*_account_filters(query))
    rows = list(await session.scalars(paged(stmt, Account.id, page)))
    return newest_first(rows, page)


async def suspended_before(session: AsyncSession, before: datetime, limit: int) -> list[int]:
    """Accounts suspended for longer than the grace period: their data is due for deletion."""
    stmt = (
        select(Account.id)
        .where(Account.suspended_at.is_not(None), Account.suspended_at < before)
        .order_by(Account.suspended_at)
        .limit(limit)
    )
    return list(await session.scalars(stmt))


def _day(session: AsyncSession, column: Any) -> Any:
    """A timestamp column's UTC date as `YYYY-MM-DD` text. SQLite keeps the UTC text as
    written; PostgreSQL converts from timestamptz, whatever the session's time zone."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.substr(func.cast(column, String), 1, 10)


async def per_day(
    session: AsyncSession,
    column: Any,
    start: datetime,
    end: datetime,
    where: Sequence[ColumnElement[bool]] = (),
    distinct: Any = None,
) -> dict[str, int]:
    """Rows per UTC day whose `column` falls in [start, end) (or distinct `distinct` values
    per day): date text -> count."""
    day = _day(session, column)
    counted = func.count(func.distinct(distinct)) if distinct is not None else func.count()
    stmt = select(day, counted).where(column >= start, column < end, *where).group_by(day)
    return {str(d): int(n) for d, n in await session.execute(stmt)}


def _activity(session: AsyncSession, start: datetime, end: datetime) -> Any:
    """(who, day) of every post and like in [start, end)."""
    posting = select(
        Status.account_id.label("who"), _day(session, Status.created_at).label("day")
    ).where(Status.created_at >= start, Status.created_at < end)
    liking = select(
        Favourite.account_id.label("who"), _day(session, Favourite.created_at).label("day")
    ).where(Favourite.created_at >= start, Favourite.created_at < end)
    return union(posting, liking).subquery()


async def active_per_day(session: AsyncSession, start: datetime, end: datetime) -> dict[str, int]:
    """Distinct accounts that posted or liked, per UTC day."""
    both = _activity(session, start, end)
    stmt = select(both.c.day, func.count(func.distinct(both.c.who))).group_by(both.c.day)
    return {str(d): int(n) for d, n in await session.execute(stmt)}


async def active_total(session: AsyncSession, start: datetime, end: datetime) -> int:
    """Distinct accounts that posted or liked in the whole period."""
    both = _activity(session, start, end)
    return int(await session.scalar(select(func.count(func.distinct(both.c.who)))) or 0)
