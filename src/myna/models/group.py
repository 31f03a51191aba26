"""Groups (微群): a handle, a name, a privacy, and the accounts around it: members with a role,
pending join requests, invitations and bans. A group's posts are statuses with visibility
`group` and a `group_id`; who may see them is decided in policy/visibility.py."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from myna.db.base import Base


class GroupPrivacy(enum.StrEnum):
    PUBLIC = "public"  # anyone sees its posts and may join
    RESTRICTED = "restricted"  # listed; joining needs approval; posts members only
    SECRET = "secret"  # not listed; by invitation only; posts members only


class GroupRole(enum.StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    handle: Mapped[str] = mapped_column(String(30))
    # Handles are unique without regard to case, like usernames.
    handle_key: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    privacy: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    members_count: Mapped[int] = mapped_column(default=0)
    statuses_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]


class _GroupAccount:
    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime]


class GroupMember(_GroupAccount, Base):
    __tablename__ = "group_members"
    __table_args__ = (Index("ix_group_members_account_id", "account_id"),)

    id: Mapped[int] = mapped_column(unique=True)  # pages member lists
    role: Mapped[str] = mapped_column(String(16))
    # Whether the group's posts also appear in this member's home timeline.
    in_home: Mapped[bool] = mapped_column(default=True)


class GroupRequest(_GroupAccount, Base):
    __tablename__ = "group_requests"

    id: Mapped[int] = mapped_column(unique=True)


class GroupInvite(_GroupAccount, Base):
    __tablename__ = "group_invites"

    invited_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))


class GroupBan(_GroupAccount, Base):
    __tablename__ = "group_bans"


class GroupApp(Base):
    """An app a group's owner or an admin added to the group: its webhook subscriptions hear
    of the group's events (posts, joins) while it stays added."""

    __tablename__ = "group_apps"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    app_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_apps.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_by: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
