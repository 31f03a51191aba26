"""What the server's moderators configure in the console: sign-up rules and spam defences
(docs/moderation.md). `server_settings` holds one JSON value per key (policy/spam.py names them
and gives their defaults); invites and e-mail domain blocks have rows of their own."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from myna.db.base import Base


class ServerSetting(Base):
    __tablename__ = "server_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # JSON
    updated_at: Mapped[datetime]


class Invite(Base):
    """A sign-up invitation (the `invite` sign-up mode): its code lets up to `max_uses`
    people sign up until it expires."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    created_by_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    max_uses: Mapped[int | None] = mapped_column(default=None)  # None: unlimited
    uses: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]


class EmailDomainBlock(Base):
    """Nobody signs up with an address at this domain (or any of its subdomains)."""

    __tablename__ = "email_domain_blocks"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    domain: Mapped[str] = mapped_column(String(253), unique=True)
    created_at: Mapped[datetime]
