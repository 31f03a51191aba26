import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from myna.db.base import Base


class Visibility(enum.StrEnum):
    """Who a status is for. Wire names differ (Mastodon says "private" for FOLLOWERS); the
    mapping lives in api/schemas/enums.py and the rule in policy/visibility.py."""

    PUBLIC = "public"
    UNLISTED = "unlisted"
    FOLLOWERS = "followers"
    DIRECT = "direct"
    GROUP = "group"


class Status(Base):
    """A post, a reply (comment), a repost (reblog_of_id) or a repost with comment (quote_of_id)."""

    __tablename__ = "statuses"
    __table_args__ = (
        Index("ix_statuses_account_id_id", "account_id", "id"),
        Index("ix_statuses_visibility_id", "visibility", "id"),
        Index("ix_statuses_conversation_id_id", "conversation_id", "id"),
        Index("ix_statuses_group_id_id", "group_id", "id"),
        # One plain repost per account per status.
        Index(
            "uq_statuses_account_reblog",
            "account_id",
            "reblog_of_id",
            unique=True,
            sqlite_where=text("reblog_of_id IS NOT NULL"),
            postgresql_where=text("reblog_of_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text, default="")
    spoiler_text: Mapped[str] = mapped_column(Text, default="")
    sensitive: Mapped[bool] = mapped_column(default=False)
    visibility: Mapped[str] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(16), default=None)
    in_reply_to_id: Mapped[int | None] = mapped_column(index=True, default=None)
    in_reply_to_account_id: Mapped[int | None] = mapped_column(default=None)
    reblog_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("statuses.id", ondelete="CASCADE"), index=True, default=None
    )
    quote_of_id: Mapped[int | None] = mapped_column(index=True, default=None)
    # Direct statuses belong to a conversation (models/conversation.py). No foreign key: SQLite
    # can add one to an existing table only by rebuilding it, and a conversation is deleted only
    # once no status refers to it.
    conversation_id: Mapped[int | None] = mapped_column(default=None)
    # For visibility GROUP: the group it was posted to (no foreign key: see migration 0003).
    group_id: Mapped[int | None] = mapped_column(default=None)
    # Myna's list audience: a followers-only status for the members of one of the author's
    # lists (no foreign key: see migration 0004).
    list_id: Mapped[int | None] = mapped_column(default=None)
    app_id: Mapped[int | None] = mapped_column(
        ForeignKey("oauth_apps.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime]
    edited_at: Mapped[datetime | None] = mapped_column(default=None)


class Mention(Base):
    __tablename__ = "mentions"
    __table_args__ = (UniqueConstraint("status_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )


class Tag(Base):
    """A `#tag` or a `#话题#` topic; `key` is the normalised name they are matched by."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime]


class StatusTag(Base):
    __tablename__ = "status_tags"
    __table_args__ = (Index("ix_status_tags_tag_id_status_id", "tag_id", "status_id"),)

    status_id: Mapped[int] = mapped_column(
        ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)


class Favourite(Base):
    __tablename__ = "favourites"
    __table_args__ = (
        UniqueConstraint("account_id", "status_id"),
        Index("ix_favourites_status_id_id", "status_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]


class IdempotencyKey(Base):
    """Remembers `Idempotency-Key` headers so a retried post returns the first status."""

    __tablename__ = "idempotency_keys"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
