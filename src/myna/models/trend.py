"""Hot topics (热搜): who used what when, the links posts carry, the stored ranking and what
admins hid. The scoring lives in actions/trends.py; docs/api.md explains it."""

import enum
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from myna.db.base import Base


class TrendKind(enum.StrEnum):
    TAG = "tag"  # target: tags.id
    LINK = "link"  # target: trend_links.id
    STATUS = "status"  # target: statuses.id (favourites and reposts of it)


class TrendUse(Base):
    """One account's use of one target in one hour (hours since the Unix epoch, UTC). One row
    per account and hour, however often it posts: an account adds at most 1 to an hour's
    count of accounts. `uses` counts its statuses (or engagements) there; the row goes when
    they are all deleted."""

    __tablename__ = "trend_uses"
    __table_args__ = (
        # The ranking reads the recent hours of every target: a range on hour.
        Index("ix_trend_uses_hour_kind_target_id", "hour", "kind", "target_id"),
    )

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    target_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    hour: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    uses: Mapped[int] = mapped_column(default=1)


class TrendLink(Base):
    """A link seen in a public post; `key` is the SHA-256 of its URL (URLs can be long)."""

    __tablename__ = "trend_links"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    url: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]


class Trend(Base):
    """The ranking as last computed: every process reads the same one."""

    __tablename__ = "trends"
    __table_args__ = (Index("ix_trends_kind_rank", "kind", "rank"),)

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    target_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    rank: Mapped[int]
    score: Mapped[float] = mapped_column(Float)


class TrendRefresh(Base):
    """When a kind's ranking was last computed: the refresh claims this row, so several
    processes never compute the same ranking at once."""

    __tablename__ = "trend_refreshes"

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    refreshed_at: Mapped[datetime | None] = mapped_column(default=None)


class TrendBan(Base):
    """A target an admin hid from the trends (Mastodon's "reject"); approving removes it."""

    __tablename__ = "trend_bans"

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    target_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    created_at: Mapped[datetime]
