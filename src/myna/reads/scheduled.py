"""One's own scheduled statuses (nobody else's: another's id is simply not found)."""

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from myna.db.database import Database
from myna.lib.errors import NotFound
from myna.lib.paging import Page
from myna.models import MediaAttachment, ScheduledStatus
from myna.store import media as media_store
from myna.store import scheduled as store


@dataclass
class ScheduledPage:
    rows: list[ScheduledStatus]
    media: dict[int, list[MediaAttachment]] = field(default_factory=dict)


class ScheduledReads:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def mine(self, owner_id: int, page: Page) -> ScheduledPage:
        async with self.db.session() as session:
            rows = await store.page_of(session, owner_id, page)
            return await _with_media(session, rows)

    async def one(self, owner_id: int, scheduled_id: int) -> ScheduledPage:
        async with self.db.session() as session:
            row = await store.get(session, scheduled_id)
            if row is None or row.account_id != owner_id:
                raise NotFound()
            return await _with_media(session, [row])


async def _with_media(session: AsyncSession, rows: list[ScheduledStatus]) -> ScheduledPage:
    return ScheduledPage(
        rows=rows, media=await media_store.of_scheduled(session, [r.id for r in rows])
    )
