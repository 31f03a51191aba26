"""A person's data, taken out and brought in (docs/data.md): the archive an account asked for
(one at a time, its zip in the storage backend) and the CSV files it imported, each with the
progress of the job that works through it."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from myna.db.base import Base


class JobState(enum.StrEnum):
    PENDING = "pending"  # recorded, waiting for its job
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportType(enum.StrEnum):
    """Mastodon's CSV exports, by what they hold."""

    FOLLOWING = "following"
    BLOCKS = "blocks"
    MUTES = "mutes"
    LISTS = "lists"
    BOOKMARKS = "bookmarks"


class ImportMode(enum.StrEnum):
    MERGE = "merge"  # add what the file holds
    OVERWRITE = "overwrite"  # ... and undo what it does not


class ArchiveExport(Base):
    __tablename__ = "archive_exports"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # One archive per account: a new one replaces the old.
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), unique=True
    )
    state: Mapped[str] = mapped_column(String(16), default=JobState.PENDING)
    # The zip's key in the storage backend (backends/archive_files.py), once it is built.
    file_key: Mapped[str | None] = mapped_column(String(200), default=None)
    size: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(index=True)
    # Moved by the job while it works: a running export that stopped moving is taken up again.
    updated_at: Mapped[datetime]
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class DataImport(Base):
    __tablename__ = "imports"
    __table_args__ = (Index("ix_imports_account_id_id", "account_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(16), default=ImportMode.MERGE)
    state: Mapped[str] = mapped_column(String(16), default=JobState.PENDING, index=True)
    # The file's rows as parsed when it was accepted: a JSON array of arrays of strings.
    rows: Mapped[str] = mapped_column(Text)
    total_items: Mapped[int] = mapped_column(default=0)
    processed_items: Mapped[int] = mapped_column(default=0)
    failed_items: Mapped[int] = mapped_column(default=0)
    # The first failures and why: a JSON array of {"row", "item", "error"}.
    failures: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
