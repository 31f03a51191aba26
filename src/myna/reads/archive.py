"""An account's archive (docs/data.md): its state, and its zip for the account alone."""

from dataclasses import dataclass
from datetime import datetime

from myna.backends.archive_files import KEEP, ArchiveFiles, StoredArchive
from myna.db.database import Database
from myna.lib.clock import as_utc
from myna.lib.errors import NotFound
from myna.models import ArchiveExport, JobState
from myna.store import archive as store


@dataclass(frozen=True)
class Download:
    export: ArchiveExport
    stored: StoredArchive


def expires_at(export: ArchiveExport) -> datetime:
    """When the housekeeping sweep deletes the archive."""
    return as_utc(export.created_at) + KEEP


class ArchiveReads:
    def __init__(self, db: Database, files: ArchiveFiles) -> None:
        self.db = db
        self.files = files

    async def latest(self, account_id: int) -> ArchiveExport | None:
        async with self.db.session() as session:
            return await store.export_of(session, account_id)

    async def download(self, account_id: int) -> Download:
        """The account's finished archive, to stream; NotFound while there is none."""
        export = await self.latest(account_id)
        if export is None or export.state != JobState.DONE or not export.file_key:
            raise NotFound()
        stored = await self.files.open_archive(export.file_key)
        if stored is None:
            raise NotFound()
        return Download(export, stored)
