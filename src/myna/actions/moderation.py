"""Moderation: reports, what moderators do to accounts, roles and verified badges. Every
moderator's act writes an audit log entry in the same transaction (docs/moderation.md)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from myna.actions.notifications import notify
from myna.db.database import Database
from myna.events.publish import Publisher, announce_revoked
from myna.lib.clock import utcnow
from myna.lib.errors import Forbidden, NotFound, ValidationFailed
from myna.lib.ids import new_id
from myna.models import (
    Account,
    AccountRole,
    AuditAction,
    AuditEntry,
    NotificationType,
    Report,
    ReportCategory,
)
from myna.policy import moderation as rules
from myna.policy.visibility import visible_filter
from myna.store import accounts as account_store
from myna.store import groups as group_store
from myna.store import moderation as store
from myna.store import oauth as oauth_store
from myna.store import statuses as status_store

MAX_REPORT_STATUSES = 30
MAX_COMMENT_CHARS = 1000
MAX_TEXT_CHARS = 5000  # a moderator's note or warning
MAX_VERIFIED_REASON_CHARS = 200
# A suspension can be lifted, and the account comes back whole, for this long; after it the
# account's data is deleted.
SUSPENSION_GRACE = timedelta(days=30)

# Mastodon's `type` values of POST /api/v1/admin/accounts/:id/action, and what each records.
ACCOUNT_ACTIONS = {
    "none": AuditAction.WARN,
    "sensitive": AuditAction.SENSITIVE,
    "disable": AuditAction.DISABLE,
    "silence": AuditAction.SILENCE,
    "suspend": AuditAction.SUSPEND,
}
# What lifts each state (POST /api/v1/admin/accounts/:id/<undo>).
UNDO_ACTIONS = {
    "unsensitive": AuditAction.UNSENSITIVE,
    "enable": AuditAction.ENABLE,
    "unsilence": AuditAction.UNSILENCE,
    "unsuspend": AuditAction.UNSUSPEND,
}
_STATE = {
    AuditAction.SENSITIVE: "sensitized_at",
    AuditAction.UNSENSITIVE: "sensitized_at",
    AuditAction.DISABLE: "disabled_at",
    AuditAction.ENABLE: "disabled_at",
    AuditAction.SILENCE: "silenced_at",
    AuditAction.UNSILENCE: "silenced_at",
    AuditAction.SUSPEND: "suspended_at",
    AuditAction.UNSUSPEND: "suspended_at",
}
_SETS = (AuditAction.SENSITIVE, AuditAction.DISABLE, AuditAction.SILENCE, AuditAction.SUSPEND)


@dataclass(frozen=True, slots=True)
class NewReport:
    target_account_id: int
    status_ids: Sequence[int] = field(default_factory=list)
    category: str = ReportCategory.OTHER
    comment: str = ""


def check_category(category: str) -> None:
    if category not in set(ReportCategory):
        allowed = ", ".join(c.value for c in ReportCategory)
        raise ValidationFailed(f"Validation failed: category must be one of {allowed}")


def check_report(new: NewReport) -> None:
    check_category(new.category)
    if len(new.comment) > MAX_COMMENT_CHARS:
        raise ValidationFailed(
            f"Validation failed: comment is longer than {MAX_COMMENT_CHARS} characters"
        )
    if len(set(new.status_ids)) > MAX_REPORT_STATUSES:
        raise ValidationFailed(
            f"Validation failed: a report points at {MAX_REPORT_STATUSES} posts at most"
        )


class ModerationActions:
    def __init__(self, db: Database, broker: Publisher) -> None:
        self.db = db
        self.broker = broker

    # ------------------------------------------------------------------ reports

    async def do_report(self, reporter_id: int, new: NewReport) -> Report:
        """File a report. The posts must be the target's and visible to the reporter (others
        are not found, as anywhere). Moderators hear of it; so do a group's owner and admins
        when the posts were posted in their group."""
        check_report(new)
        if new.target_account_id == reporter_id:
            raise ValidationFailed("Validation failed: you cannot report yourself")
        async with self.db.transaction() as session:
            target = await account_store.get(session, new.target_account_id)
            if target is None or not rules.is_shown(target):
                raise NotFound()
            wanted = list(dict.fromkeys(new.status_ids))
            found = await status_store.get_many(session, wanted, visible_filter(reporter_id))
            if len(found) != len(wanted) or any(s.account_id != target.id for s in found.values()):
                raise NotFound()
            group_ids = sorted({s.group_id for s in found.values() if s.group_id is not None})
            now = utcnow()
            report = Report(
                id=new_id(),
                account_id=reporter_id,
                target_account_id=target.id,
                category=new.category,
                comment=new.comment.strip(),
                group_id=group_ids[0] if group_ids else None,
                created_at=now,
                updated_at=now,
            )
            await store.add_report(session, report, wanted)
            recipients = set(await store.staff_ids(session))
            if report.group_id is not None:
                recipients.update(await group_store.manager_ids(session, report.group_id))
            for recipient in sorted(recipients - {reporter_id, target.id}):
                await notify(
                    session,
                    self.broker,
                    recipient_id=recipient,
                    from_account_id=reporter_id,
                    type_=NotificationType.ADMIN_REPORT,
                    report_id=report.id,
                )
        return report

    async def do_assign(self, actor_id: int, report_id: int, *, to_self: bool) -> Report:
        async with self.db.transaction() as session:
            actor, report = await self._staff_and_report(session, actor_id, report_id)
            report.assigned_account_id = actor.id if to_self else None
            report.updated_at = utcnow()
            action = AuditAction.REPORT_ASSIGN if to_self else AuditAction.REPORT_UNASSIGN
            await audit(session, actor, action, report_target(report))
            return report

    async def do_resolve(self, actor_id: int, report_id: int, *, resolved: bool) -> Report:
        async with self.db.transaction() as session:
            actor, report = await self._staff_and_report(session, actor_id, report_id)
            now = utcnow()
            report.action_taken_at = now if resolved else None
            report.action_taken_by_account_id = actor.id if resolved else None
            report.updated_at = now
            action = AuditAction.REPORT_RESOLVE if resolved else AuditAction.REPORT_REOPEN
            await audit(session, actor, action, report_target(report))
            return report

    async def do_recategorise(self, actor_id: int, report_id: int, category: str) -> Report:
        check_category(category)
        async with self.db.transaction() as session:
            _actor, report = await self._staff_and_report(session, actor_id, report_id)
            report.category = category
            report.updated_at = utcnow()
            return report

    # ------------------------------------------------------------------ accounts

    async def do_account_action(
        self,
        actor_id: int,
        target_id: int,
        kind: str,
        *,
        text: str = "",
        report_id: int | None = None,
    ) -> Account:
        """Mastodon's account action: `none` (a warning), `sensitive`, `disable`, `silence`
        (limit) or `suspend`. With `report_id` that report is resolved; any action resolves
        the account's other open reports as well, as on Mastodon."""
        action = ACCOUNT_ACTIONS.get(kind)
        if action is None:
            allowed = ", ".join(ACCOUNT_ACTIONS)
            raise ValidationFailed(f"Validation failed: type must be one of {allowed}")
        return await self._act(actor_id, target_id, action, text=text, report_id=report_id)

    async def do_undo(self, actor_id: int, target_id: int, kind: str) -> Account:
        """Lift a state: `unsensitive`, `enable`, `unsilence` or `unsuspend`."""
        action = UNDO_ACTIONS[kind]
        return await self._act(actor_id, target_id, action)

    async def do_approve(self, actor_id: int, target_id: int) -> Account:
        """Let a sign-up that waits for approval in."""
        async with self.db.transaction() as session:
            actor, target = await staff_and_target(session, actor_id, target_id)
            if target.approved:
                raise ValidationFailed("Validation failed: the account is already approved")
            target.approved = True
            await audit(session, actor, AuditAction.APPROVE, account_target(target))
            return target

    async def do_set_role(self, actor_id: int, target_id: int, role: str) -> Account:
        """Admins only: make an account a moderator, an admin, or neither."""
        if role not in set(AccountRole):
            raise ValidationFailed("Validation failed: role must be moderator, admin or empty")
        async with self.db.transaction() as session:
            actor = await account_store.get(session, actor_id)
            rules.check_admin(actor)
            assert actor is not None
            target = await account_store.get_for_update(session, target_id)
            if target is None:
                raise NotFound()
            if target.id == actor.id:
                raise ValidationFailed("Validation failed: you cannot change your own role")
            target.role = role
            await audit(
                session, actor, AuditAction.ROLE, account_target(target), text=role or "user"
            )
            return target

    async def do_verify(self, actor_id: int, target_id: int, reason: str | None) -> Account:
        """Grant the "V" with the reason shown on the profile, or (`reason` None) revoke it."""
        if reason is not None:
            reason = reason.strip()
            if not reason:
                raise ValidationFailed("Validation failed: a verified badge needs a reason")
            if len(reason) > MAX_VERIFIED_REASON_CHARS:
                raise ValidationFailed(
                    "Validation failed: the reason is longer than "
                    f"{MAX_VERIFIED_REASON_CHARS} characters"
                )
        async with self.db.transaction() as session:
            actor, target = await staff_and_target(session, actor_id, target_id, own=True)
            target.verified = reason is not None
            target.verified_reason = reason or ""
            action = AuditAction.VERIFY if reason is not None else AuditAction.UNVERIFY
            await audit(session, actor, action, account_target(target), text=reason or "")
            return target

    async def _act(
        self,
        actor_id: int,
        target_id: int,
        action: AuditAction,
        *,
        text: str = "",
        report_id: int | None = None,
    ) -> Account:
        if len(text) > MAX_TEXT_CHARS:
            raise ValidationFailed(
                f"Validation failed: text is longer than {MAX_TEXT_CHARS} characters"
            )
        async with self.db.transaction() as session:
            actor, target = await staff_and_target(session, actor_id, target_id)
            report = None
            if report_id is not None:
                report = await store.get_report_for_update(session, report_id)
                if report is None or report.target_account_id != target.id:
                    raise NotFound()
            now = utcnow()
            column = _STATE.get(action)
            if column is not None:
                setattr(target, column, now if action in _SETS else None)
            if action in (AuditAction.SUSPEND, AuditAction.DISABLE):
                # Its tokens stop working now (reads/tokens.py); its open streams close.
                live = await oauth_store.live_tokens_of_account(session, target.id, now)
                for token, _app in live:
                    announce_revoked(session, self.broker, token.id, target.id)
            entry = await audit(session, actor, action, account_target(target), text=text.strip())
            if action in ACCOUNT_ACTIONS.values():
                await store.resolve_reports_of(session, target.id, actor.id, now)
                # The person is told what was done, and why (not by whom).
                await notify(
                    session,
                    self.broker,
                    recipient_id=target.id,
                    from_account_id=target.id,
                    type_=NotificationType.MODERATION_WARNING,
                    audit_id=entry.id,
                    to_self=True,
                )
            return target

    async def _staff_and_report(
        self, session: AsyncSession, actor_id: int, report_id: int
    ) -> tuple[Account, Report]:
        actor = await account_store.get(session, actor_id)
        rules.check_staff(actor)
        assert actor is not None
        report = await store.get_report_for_update(session, report_id)
        if report is None:
            raise NotFound()
        return actor, report


Target = tuple[str, int, str]  # (type, id, label) as the audit log keeps it


def account_target(account: Account) -> Target:
    return ("account", account.id, f"@{account.username}")


def report_target(report: Report) -> Target:
    return ("report", report.id, f"#{report.id}")


async def audit(
    session: AsyncSession, actor: Account, action: AuditAction, target: Target, *, text: str = ""
) -> AuditEntry:
    """One entry of the audit log, in the caller's transaction."""
    target_type, target_id, label = target
    entry = AuditEntry(
        id=new_id(),
        actor_id=actor.id,
        actor_username=actor.username,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=label,
        text=text,
        created_at=utcnow(),
    )
    await store.add_audit(session, entry)
    return entry


async def staff_and_target(
    session: AsyncSession, actor_id: int, target_id: int, *, own: bool = False
) -> tuple[Account, Account]:
    """The acting moderator and the account acted on (its row locked). Nobody acts on
    themselves (but a badge, `own`), and only an admin acts on a moderator; nobody on an
    admin."""
    actor = await account_store.get(session, actor_id)
    rules.check_staff(actor)
    assert actor is not None
    target = await account_store.get_for_update(session, target_id)
    if target is None:
        raise NotFound()
    if target.id == actor.id and not own:
        raise ValidationFailed("Validation failed: you cannot act on your own account")
    if target.id != actor.id and not rules.outranks(actor, target):
        raise Forbidden("You cannot act on an account of an equal or higher role")
    return actor, target
