"""Discovery: the hashtags an account follows and the follow suggestions it dismissed."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from myna.db.base import Base


class TagFollow(Base):
    """An account follows a tag: the tag's public posts reach its home feed."""

    __tablename__ = "tag_follows"
    __table_args__ = (
        Index("ix_tag_follows_account_id_id", "account_id", "id"),
        # Fan-out asks "who follows these tags", a range per tag.
        Index("ix_tag_follows_tag_id_account_id", "tag_id", "account_id"),
    )

    id: Mapped[int] = mapped_column(unique=True)  # pages GET /api/v1/followed_tags
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime]


class SuggestionDismissal(Base):
    """An account asked never to be suggested `target_account_id` again."""

    __tablename__ = "suggestion_dismissals"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    target_account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime]
