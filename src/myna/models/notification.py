import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from myna.db.base import Base


class NotificationType(enum.StrEnum):
    MENTION = "mention"
    REBLOG = "reblog"
    FAVOURITE = "favourite"
    FOLLOW = "follow"
    FOLLOW_REQUEST = "follow_request"
    QUOTE = "quote"
    UPDATE = "update"  # a status one reposted or quoted was edited
    POLL = "poll"  # a poll one voted in or created has ended
    ADMIN_REPORT = "admin.report"  # to moderators, and a reported group's owner and admins
    ADMIN_SIGN_UP = "admin.sign_up"  # to moderators: someone signed up
    MODERATION_WARNING = "moderation_warning"  # to an account moderators acted on


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_account_id_id", "account_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    from_account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(32))
    status_id: Mapped[int | None] = mapped_column(
        ForeignKey("statuses.id", ondelete="CASCADE"), index=True, default=None
    )
    # For admin.report: the report.
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), index=True, default=None
    )
    # For moderation_warning: the audit log entry of the moderators' action.
    audit_id: Mapped[int | None] = mapped_column(
        ForeignKey("audit_log.id", ondelete="CASCADE"), index=True, default=None
    )
    created_at: Mapped[datetime]
