"""Statuses to be posted later."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from myna.db.base import Base


class ScheduledStatus(Base):
    __tablename__ = "scheduled_statuses"
    __table_args__ = (Index("ix_scheduled_statuses_account_id_id", "account_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    scheduled_at: Mapped[datetime] = mapped_column(index=True)
    # The post's parameters as given (text, visibility, poll, ...); media are the rows in
    # media_attachments with this scheduled_status_id.
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    app_id: Mapped[int | None] = mapped_column(
        ForeignKey("oauth_apps.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime]
