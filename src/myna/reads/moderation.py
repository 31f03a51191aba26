"""What moderators read: reports, accounts with their moderation state, the audit log; and
what a group's owner and admins read of reports about their group's posts."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession

from myna.db.database import Database
from myna.lib.errors import NotFound, ValidationFailed
from myna.lib.paging import Page
from myna.models import Account, AuditEntry, Favourite, Report, Status
from myna.policy import moderation as rules
from myna.policy.groups import access_group, check_manager
from myna.reads.bundle import StatusBundle, load_statuses
from myna.store import accounts as account_store
from myna.store import moderation as store
from myna.store import statuses as status_store
from myna.store.moderation import AccountQuery, ReportQuery


@dataclass(slots=True)
class ReportView:
    """Reports with everything their rendering needs."""

    reports: list[Report]
    status_ids: dict[int, list[int]]
    accounts: dict[int, Account]
    statuses: StatusBundle
    cursor_ids: list[int] = field(default_factory=list)


# Mastodon's measure keys this server keeps, and Myna's `statuses` (posts per day).
MEASURES = (
    "new_users",
    "active_users",
    "statuses",
    "interactions",
    "opened_reports",
    "resolved_reports",
)
MAX_MEASURE_DAYS = 366


@dataclass(frozen=True, slots=True)
class Measure:
    key: str
    total: int
    previous_total: int  # the same length of time just before
    days: list[tuple[date, int]]  # every day of the period, oldest first


class ModerationReads:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def reports(self, viewer: Account, query: ReportQuery, page: Page) -> ReportView:
        rules.check_staff(viewer)
        async with self.db.session() as session:
            found = await store.reports(session, query, page)
            return await self._view(session, viewer.id, found)

    async def report(self, viewer: Account, report_id: int) -> ReportView:
        rules.check_staff(viewer)
        async with self.db.session() as session:
            report = await store.get_report(session, report_id)
            if report is None:
                raise NotFound()
            return await self._view(session, viewer.id, [report])

    async def view_of(self, viewer: Account, report: Report) -> ReportView:
        """A report just changed, as its actor sees it."""
        async with self.db.session() as session:
            return await self._view(session, viewer.id, [report])

    async def group_reports(self, viewer_id: int, group_id: int, page: Page) -> ReportView:
        """Reports about posts in a group, for its owner and admins (others: 403 if they can
        see the group at all, as every manager-only group endpoint; 404 if not)."""
        async with self.db.session() as session:
            _group, role = await access_group(session, viewer_id, group_id)
            check_manager(role)
            found = await store.reports(session, ReportQuery(group_ids=[group_id]), page)
            return await self._view(session, viewer_id, found)

    async def open_count(self, viewer: Account) -> int:
        rules.check_staff(viewer)
        async with self.db.session() as session:
            return await store.open_reports_count(session)

    async def accounts(self, viewer: Account, query: AccountQuery, page: Page) -> list[Account]:
        rules.check_staff(viewer)
        async with self.db.session() as session:
            return await store.accounts(session, query, page)

    async def account(self, viewer: Account, account_id: int) -> Account:
        rules.check_staff(viewer)
        async with self.db.session() as session:
            found = await account_store.get(session, account_id)
            if found is None:
                raise NotFound()
            return found

    async def audit_log(self, viewer: Account, page: Page) -> list[AuditEntry]:
        rules.check_staff(viewer)
        async with self.db.session() as session:
            return await store.audit_page(session, page)

    async def measures(
        self, viewer: Account, keys: Sequence[str], first: date, last: date
    ) -> list[Measure]:
        """Per-day figures for the dashboard (Mastodon's admin measures), from `first` to
        `last` (UTC days, both included)."""
        rules.check_staff(viewer)
        unknown = [k for k in keys if k not in MEASURES]
        if unknown:
            raise ValidationFailed(f"Validation failed: unknown measure {unknown[0]}")
        span = (last - first).days + 1
        if not 1 <= span <= MAX_MEASURE_DAYS:
            raise ValidationFailed(
                f"Validation failed: a period of 1 to {MAX_MEASURE_DAYS} days, start first"
            )
        start = datetime.combine(first, time(), UTC)
        end = start + timedelta(days=span)
        before = start - timedelta(days=span)
        out = []
        async with self.db.session() as session:
            for key in dict.fromkeys(keys):
                now = await self._per_day(session, key, start, end)
                earlier = await self._per_day(session, key, before, start)
                if key == "active_users":
                    total = await store.active_total(session, start, end)
                    previous = await store.active_total(session, before, start)
                else:
                    total, previous = sum(now.values()), sum(earlier.values())
                days = [first + timedelta(days=i) for i in range(span)]
                out.append(
                    Measure(key, total, previous, [(d, now.get(d.isoformat(), 0)) for d in days])
                )
        return out

    async def _per_day(
        self, session: AsyncSession, key: str, start: datetime, end: datetime
    ) -> dict[str, int]:
        match key:
            case "new_users":
                return await store.per_day(session, Account.created_at, start, end)
            case "active_users":
                return await store.active_per_day(session, start, end)
            case "statuses":
                return await store.per_day(
                    session, Status.created_at, start, end, [Status.reblog_of_id.is_(None)]
                )
            case "interactions":
                likes = await store.per_day(session, Favourite.created_at, start, end)
                shares = await store.per_day(
                    session,
                    Status.created_at,
                    start,
                    end,
                    [or_(Status.reblog_of_id.is_not(None), Status.in_reply_to_id.is_not(None))],
                )
                return {d: likes.get(d, 0) + shares.get(d, 0) for d in {*likes, *shares}}
            case "opened_reports":
                return await store.per_day(session, Report.created_at, start, end)
            case _:  # resolved_reports
                return await store.per_day(session, Report.action_taken_at, start, end)

    async def _view(
        self, session: AsyncSession, viewer_id: int, reports: list[Report]
    ) -> ReportView:
        status_ids = await store.status_ids_of(session, (r.id for r in reports))
        wanted = {s for ids in status_ids.values() for s in ids}
        # Moderators (and a group's managers, for their group's posts) read the reported posts
        # whoever they were addressed to: judging them is what the report asks.
        found = await status_store.get_many(session, wanted)
        statuses: list[Status] = [found[s] for s in sorted(wanted) if s in found]
        bundle = await load_statuses(session, viewer_id, statuses)
        account_ids = {
            a
            for r in reports
            for a in (
                r.account_id,
                r.target_account_id,
                r.assigned_account_id,
                r.action_taken_by_account_id,
            )
            if a is not None
        }
        accounts = await account_store.get_many(session, account_ids)
        return ReportView(
            reports=reports,
            status_ids=status_ids,
            accounts=accounts,
            statuses=bundle,
            cursor_ids=[r.id for r in reports],
        )
