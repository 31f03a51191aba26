"""Instant messaging: the XMPP address an account linked (docs/im-gateway.md). A link is
pending until its owner enters the code the gateway sent to the address; only a confirmed
link lets the gateway trust what arrives from that address."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from myna.db.base import Base


class ImLink(Base):
    __tablename__ = "im_links"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    # The bare address (no resource), as lib/jids.py normalises it. One account per address.
    address: Mapped[str] = mapped_column(String(320), unique=True)
    # SHA-256 of the code sent to the address; None once the link is confirmed.
    code_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    code_sent_at: Mapped[datetime | None] = mapped_column(default=None)
    code_attempts: Mapped[int] = mapped_column(default=0)
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    # Whether mentions and other notifications are pushed to the address as messages.
    notify: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
