"""Edit reads: a status's versions, and its source text for its author."""

from dataclasses import dataclass
from datetime import datetime

from myna.db.database import Database
from myna.lib.errors import NotFound
from myna.models import Account, Status
from myna.policy.access import access_own_status, access_status
from myna.store import accounts as account_store
from myna.store import edits as store


@dataclass(frozen=True)
class Version:
    content: str
    spoiler_text: str
    sensitive: bool
    created_at: datetime


@dataclass(frozen=True)
class History:
    account: Account
    versions: list[Version]  # oldest first, the current version last


class EditReads:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def history(self, viewer_id: int | None, status_id: int) -> History:
        """Every version of a status, for whoever may see the status."""
        async with self.db.session() as session:
            status = await access_status(session, viewer_id, status_id)
            author = await account_store.get(session, status.account_id)
            if author is None:
                raise NotFound()
            earlier = [
                Version(e.content, e.spoiler_text, e.sensitive, e.created_at)
                for e in await store.versions_of(session, status.id)
            ]
            current = Version(
                status.content,
                status.spoiler_text,
                status.sensitive,
                status.edited_at or status.created_at,
            )
            return History(author, [*earlier, current])

    async def source(self, viewer_id: int, status_id: int) -> Status:
        """The text a status was written as: for its author only."""
        async with self.db.session() as session:
            return await access_own_status(session, viewer_id, status_id)
