"""Notifications as their recipient may see them: a notification about a status the recipient
can no longer see, or from an account they blocked or muted, is not shown or counted."""

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from myna.db.database import Database
from myna.lib.errors import NotFound
from myna.lib.paging import Page
from myna.models import (
    Account,
    AuditEntry,
    Block,
    Follow,
    Mute,
    Notification,
    NotificationType,
    Report,
    Status,
)
from myna.policy.filters import LOOKUP, NOTIFICATIONS
from myna.policy.moderation import listed_author_sql, shown_author_sql
from myna.policy.visibility import visible_filter
from myna.reads.bundle import StatusBundle, load_statuses
from myna.store import accounts as account_store
from myna.store import markers as marker_store
from myna.store import moderation as moderation_store
from myna.store import notifications as store
from myna.store import statuses as status_store

UNREAD_LIMIT = 1000
# Shown whatever the sender's standing: moderators hear of limited accounts' reports and
# sign-ups, and a limited account hears of what was done to it.
EXEMPT_TYPES = (
    NotificationType.ADMIN_REPORT,
    NotificationType.ADMIN_SIGN_UP,
    NotificationType.MODERATION_WARNING,
)


@dataclass
class NotificationPage:
    notifications: list[Notification]
    accounts: dict[int, Account]
    statuses: StatusBundle
    # The page's ids before anything was left out of it: what the Link header pages from.
    cursor_ids: list[int]
    # admin.report notifications: their reports, and the posts each points at.
    reports: dict[int, Report] = field(default_factory=dict)
    report_status_ids: dict[int, list[int]] = field(default_factory=dict)
    # moderation_warning notifications: the audit log entries they tell of.
    warnings: dict[int, AuditEntry] = field(default_factory=dict)


def _shown(viewer_id: int) -> list[ColumnElement[bool]]:
    status_visible = exists(
        select(Status.id).where(Status.id == Notification.status_id, visible_filter(viewer_id))
    )
    # A limited account reaches only its followers (as on Mastodon); moderators still hear
    # of the reports and sign-ups of limited accounts.
    limited_ok = or_(
        listed_author_sql(Notification.from_account_id),
        Notification.type.in_(EXEMPT_TYPES),
        exists().where(
            Follow.account_id == viewer_id,
            Follow.target_account_id == Notification.from_account_id,
        ),
    )
    return [
        or_(Notification.status_id.is_(None), status_visible),
        shown_author_sql(Notification.from_account_id),
        limited_ok,
        ~exists().where(
            or_(
                and_(
                    Block.account_id == viewer_id,
                    Block.target_account_id == Notification.from_account_id,
                ),
                and_(
                    Block.account_id == Notification.from_account_id,
                    Block.target_account_id == viewer_id,
                ),
            )
        ),
        ~exists().where(
            Mute.account_id == viewer_id,
            Mute.target_account_id == Notification.from_account_id,
            Mute.hide_notifications.is_(True),
        ),
    ]


class NotificationReads:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def page(
        self,
        viewer_id: int,
        page: Page,
        *,
        types: list[str] | None = None,
        exclude_types: list[str] | None = None,
        account_id: int | None = None,
    ) -> NotificationPage:
        where = _shown(viewer_id)
        if types:
            where.append(Notification.type.in_(types))
        if exclude_types:
            where.append(Notification.type.not_in(exclude_types))
        if account_id is not None:
            where.append(Notification.from_account_id == account_id)
        async with self.db.session() as session:
            rows = await store.page(session, viewer_id, where, page)
            return await self._render_data(session, viewer_id, rows, NOTIFICATIONS)

    async def one(
        self, viewer_id: int, notification_id: int, context: str = LOOKUP
    ) -> NotificationPage:
        """`context` NOTIFICATIONS (streaming): a `hide` filter matching its status leaves the
        notification out, as in the list; looked up on its own, filters only annotate it."""
        async with self.db.session() as session:
            row = await store.get(session, viewer_id, notification_id, _shown(viewer_id))
            if row is None:
                raise NotFound()
            return await self._render_data(session, viewer_id, [row], context)

    async def _render_data(
        self, session: AsyncSession, viewer_id: int, rows: list[Notification], context: str
    ) -> NotificationPage:
        status_ids = {n.status_id for n in rows if n.status_id is not None}
        statuses = await status_store.get_many(session, status_ids)
        bundle = await load_statuses(session, viewer_id, list(statuses.values()), context)
        report_ids = {n.report_id for n in rows if n.report_id is not None}
        reports = await moderation_store.get_reports(session, report_ids)
        account_ids = {n.from_account_id for n in rows}
        account_ids.update(r.target_account_id for r in reports.values())
        accounts = await account_store.get_many(session, account_ids)
        kept = [
            n
            for n in rows
            if n.from_account_id in accounts
            and (n.status_id is None or any(s.id == n.status_id for s in bundle.statuses))
            and (n.report_id is None or n.report_id in reports)
        ]
        warnings = await moderation_store.audit_entries(
            session, {n.audit_id for n in kept if n.audit_id is not None}
        )
        return NotificationPage(
            notifications=kept,
            accounts=accounts,
            statuses=bundle,
            cursor_ids=[n.id for n in rows],
            reports=reports,
            report_status_ids=await moderation_store.status_ids_of(session, reports),
            warnings=warnings,
        )

    async def unread_count(self, viewer_id: int) -> int:
        async with self.db.session() as session:
            marker = await marker_store.get(session, viewer_id, "notifications")
            where = _shown(viewer_id)
            if marker is not None:
                where.append(Notification.id > marker.last_read_id)
            return await store.count(session, viewer_id, where, UNREAD_LIMIT)
