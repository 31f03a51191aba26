from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from myna.db.base import Base


class HomeTimelineEntry(Base):
    """The embedded timeline backend's store: one row per status in an account's home feed.
    Derived data: rebuildable from follows and statuses at any time."""

    __tablename__ = "home_timeline"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    status_id: Mapped[int] = mapped_column(
        ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True, index=True
    )
