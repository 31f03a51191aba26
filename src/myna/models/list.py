"""Lists (Weibo's friend groups): a list to read, and an audience to post to."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from myna.db.base import Base


class AccountList(Base):
    __tablename__ = "lists"
    __table_args__ = (Index("ix_lists_account_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(100))
    replies_policy: Mapped[str] = mapped_column(String(16), default="list")
    exclusive: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class ListMember(Base):
    __tablename__ = "list_members"
    __table_args__ = (Index("ix_list_members_account_id", "account_id"),)

    list_id: Mapped[int] = mapped_column(
        ForeignKey("lists.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime]


class ListTimelineEntry(Base):
    """The embedded timeline backend's list feeds: fan-out on write, like home feeds."""

    __tablename__ = "list_timeline"

    list_id: Mapped[int] = mapped_column(
        ForeignKey("lists.id", ondelete="CASCADE"), primary_key=True
    )
    status_id: Mapped[int] = mapped_column(
        ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True, index=True
    )
