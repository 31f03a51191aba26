from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from myna.db.base import Base


class StatusEdit(Base):
    """One earlier version of an edited status (its text, content and spoiler as they were)."""

    __tablename__ = "status_edits"
    __table_args__ = (Index("ix_status_edits_status_id_id", "status_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text, default="")
    spoiler_text: Mapped[str] = mapped_column(Text, default="")
    sensitive: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
