"""Polls and their votes. A poll belongs to exactly one status."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from myna.db.base import Base


class Poll(Base):
    __tablename__ = "polls"
    __table_args__ = (Index("ix_polls_expires_at_notified", "expires_at", "notified"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    status_id: Mapped[int] = mapped_column(
        ForeignKey("statuses.id", ondelete="CASCADE"), unique=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    options: Mapped[list[str]] = mapped_column(JSON)  # the option titles, in order
    multiple: Mapped[bool] = mapped_column(default=False)
    hide_totals: Mapped[bool] = mapped_column(default=False)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    # True once the "poll ended" notifications went out.
    notified: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class PollVote(Base):
    __tablename__ = "poll_votes"
    __table_args__ = (UniqueConstraint("poll_id", "account_id", "choice"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    choice: Mapped[int]
    created_at: Mapped[datetime]
