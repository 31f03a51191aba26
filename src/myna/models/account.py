import enum
from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from myna.db.base import Base


class AccountRole(enum.StrEnum):
    USER = ""
    MODERATOR = "moderator"  # reports, account actions, the audit log
    ADMIN = "admin"  # all of that, plus roles and the server's settings


class Account(Base):
    """A local account: the profile and the credentials of the person behind it."""

    __tablename__ = "accounts"
    __table_args__ = (
        # Follow suggestions: the most followed verified accounts, read along this index.
        Index("ix_accounts_verified_followers_count", "verified", "followers_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    username: Mapped[str] = mapped_column(String(30))
    # Usernames are unique without regard to case: `Bob` and `bob` are one name.
    username_key: Mapped[str] = mapped_column(String(30), unique=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    locked: Mapped[bool] = mapped_column(default=False)
    bot: Mapped[bool] = mapped_column(default=False)
    discoverable: Mapped[bool] = mapped_column(default=True)
    verified: Mapped[bool] = mapped_column(default=False)
    role: Mapped[str] = mapped_column(String(16), default=AccountRole.USER)
    # Why the account carries its "V" (shown on the profile); "" when it is not verified.
    verified_reason: Mapped[str] = mapped_column(String(200), default="")
    # Moderation (policy/moderation.py). Limited: hidden from public places, still seen by
    # followers. Suspended: nothing of it shows and it cannot sign in; reversible for 30 days.
    # Disabled: it cannot sign in. Sensitive: its media are always behind a warning.
    silenced_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    suspended_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    disabled_at: Mapped[datetime | None] = mapped_column(default=None)
    sensitized_at: Mapped[datetime | None] = mapped_column(default=None)
    # False while a sign-up waits for a moderator's approval; the reason it gave.
    approved: Mapped[bool] = mapped_column(default=True)
    sign_up_reason: Mapped[str] = mapped_column(Text, default="")
    locale: Mapped[str] = mapped_column(String(16), default="")
    default_visibility: Mapped[str] = mapped_column(String(16), default="public")
    default_language: Mapped[str] = mapped_column(String(16), default="")
    # Storage keys of the profile pictures (backends/storage.py); None shows the default.
    avatar_key: Mapped[str | None] = mapped_column(String(200), default=None)
    header_key: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime]
    followers_count: Mapped[int] = mapped_column(default=0)
    following_count: Mapped[int] = mapped_column(default=0)
    statuses_count: Mapped[int] = mapped_column(default=0)
    last_status_at: Mapped[datetime | None] = mapped_column(default=None)
