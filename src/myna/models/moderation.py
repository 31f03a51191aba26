"""Moderation: reports people file, and the audit log of what moderators did (docs/moderation.md).

An account's own moderation state (limited, suspended, disabled, sensitive, its role) lives on
the account row (models/account.py); these tables hold what happens around it."""

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from myna.db.base import Base


class ReportCategory(enum.StrEnum):
    SPAM = "spam"
    LEGAL = "legal"
    VIOLATION = "violation"
    OTHER = "other"


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (
        # The console's queue: unresolved reports, newest first.
        Index("ix_reports_action_taken_at_id", "action_taken_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # Who reported, and whom. A deleted reporter takes their reports along; so does a deleted
    # target (deletion leaves nothing of a person behind).
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    target_account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    # When the reported posts were posted in a group: its owners and admins see the report too.
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="SET NULL"), index=True, default=None
    )
    assigned_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), default=None
    )
    action_taken_at: Mapped[datetime | None] = mapped_column(default=None)
    action_taken_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ReportStatus(Base):
    """A post a report points at; deleting the post takes it out of the report."""

    __tablename__ = "report_statuses"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    status_id: Mapped[int] = mapped_column(
        ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AuditAction(enum.StrEnum):
    """What the audit log records. The account actions are Mastodon's `type` values."""

    WARN = "warn"
    SENSITIVE = "sensitive"
    UNSENSITIVE = "unsensitive"
    DISABLE = "disable"
    ENABLE = "enable"
    SILENCE = "silence"
    UNSILENCE = "unsilence"
    SUSPEND = "suspend"
    UNSUSPEND = "unsuspend"
    DELETE = "delete"
    APPROVE = "approve"
    REJECT = "reject"
    VERIFY = "verify"
    UNVERIFY = "unverify"
    ROLE = "role"
    REPORT_ASSIGN = "report_assign"
    REPORT_UNASSIGN = "report_unassign"
    REPORT_RESOLVE = "report_resolve"
    REPORT_REOPEN = "report_reopen"
    SETTINGS = "settings"
    EMAIL_DOMAIN_BLOCK = "email_domain_block"
    EMAIL_DOMAIN_UNBLOCK = "email_domain_unblock"
    INVITE_CREATE = "invite_create"
    INVITE_REVOKE = "invite_revoke"
    TREND_HIDE = "trend_hide"
    TREND_SHOW = "trend_show"


class AuditEntry(Base):
    """One thing a moderator did. Names are copied in, so the log still reads after either
    side's account is gone."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True, default=None
    )
    actor_username: Mapped[str] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(32))
    # "account", "report", "settings", "domain", "invite" or "trend_tag" / "trend_link" /
    # "trend_status"; the id is the target's (kept
    # when the target is gone; 0 for the settings).
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(BigInteger)
    target_label: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
