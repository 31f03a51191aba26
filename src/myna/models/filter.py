"""Filters v2: an account's own rules for hiding or warning about statuses."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from myna.db.base import Base


class Filter(Base):
    __tablename__ = "filters"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    # Where it applies: any of home, notifications, public, thread, account.
    context: Mapped[list[str]] = mapped_column(JSON)
    action: Mapped[str] = mapped_column(String(16))  # warn | hide | blur
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]


class FilterKeyword(Base):
    __tablename__ = "filter_keywords"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    filter_id: Mapped[int] = mapped_column(ForeignKey("filters.id", ondelete="CASCADE"), index=True)
    keyword: Mapped[str] = mapped_column(String(200))
    whole_word: Mapped[bool] = mapped_column(default=True)


class FilterStatus(Base):
    __tablename__ = "filter_statuses"
    __table_args__ = (UniqueConstraint("filter_id", "status_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    filter_id: Mapped[int] = mapped_column(ForeignKey("filters.id", ondelete="CASCADE"))
    status_id: Mapped[int] = mapped_column(
        ForeignKey("statuses.id", ondelete="CASCADE"), index=True
    )
