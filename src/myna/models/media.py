"""Uploaded pictures. The bytes live in a storage backend (backends/storage.py); a row keeps
their keys and what was learnt while processing them."""

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from myna.db.base import Base


class MediaAttachment(Base):
    """An upload. Unattached (both status_id and scheduled_status_id empty) until a status or a
    scheduled status takes it; unattached uploads older than a day are cleaned up."""

    __tablename__ = "media_attachments"
    __table_args__ = (
        Index("ix_media_attachments_account_id_id", "account_id", "id"),
        Index("ix_media_attachments_status_id_position", "status_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    # No foreign keys to statuses: a status's files must be removed from storage when it goes,
    # so its deletion detaches (and then deletes) the rows itself instead of cascading.
    status_id: Mapped[int | None] = mapped_column(default=None)
    scheduled_status_id: Mapped[int | None] = mapped_column(index=True, default=None)
    position: Mapped[int] = mapped_column(default=0)  # order within its status
    type: Mapped[str] = mapped_column(String(16))  # image | gifv | unknown
    content_type: Mapped[str] = mapped_column(String(64))
    file_key: Mapped[str] = mapped_column(String(200))
    preview_key: Mapped[str] = mapped_column(String(200))
    file_size: Mapped[int] = mapped_column(default=0)
    width: Mapped[int] = mapped_column(default=0)
    height: Mapped[int] = mapped_column(default=0)
    preview_width: Mapped[int] = mapped_column(default=0)
    preview_height: Mapped[int] = mapped_column(default=0)
    blurhash: Mapped[str | None] = mapped_column(String(100), default=None)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    focus_x: Mapped[float] = mapped_column(Float, default=0.0)
    focus_y: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime]
