"""What an account keeps for itself: bookmarks and pinned statuses."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from myna.db.base import Base


class Bookmark(Base):
    __tablename__ = "bookmarks"
    __table_args__ = (Index("ix_bookmarks_account_id_id", "account_id", "id"),)

    id: Mapped[int] = mapped_column(unique=True)  # pages GET /api/v1/bookmarks
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    status_id: Mapped[int] = mapped_column(
        ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime]


class Pin(Base):
    __tablename__ = "pins"
    __table_args__ = (Index("ix_pins_account_id_id", "account_id", "id"),)

    id: Mapped[int] = mapped_column(unique=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    status_id: Mapped[int] = mapped_column(
        ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime]
