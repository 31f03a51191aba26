"""Lists of kept statuses: the caller's bookmarks and likes, and an account's pins. Each lists
only what the viewer may still see: a bookmark of a status that became hidden stays stored
but is not shown."""

from dataclasses import dataclass

from myna.db.database import Database
from myna.lib.paging import Page
from myna.models import Bookmark, Favourite, Pin
from myna.policy.access import access_account
from myna.policy.visibility import visible_filter
from myna.reads.bundle import StatusBundle, load_statuses
from myna.store import collections as store


@dataclass
class KeptPage:
    cursor_ids: list[int]  # the bookmark, like or pin ids that page the list, in order
    bundle: StatusBundle


class CollectionReads:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def bookmarks(self, viewer_id: int, page: Page) -> KeptPage:
        return await self._page(Bookmark, viewer_id, viewer_id, page)

    async def favourites(self, viewer_id: int, page: Page) -> KeptPage:
        return await self._page(Favourite, viewer_id, viewer_id, page)

    async def pinned(self, viewer_id: int | None, account_id: int, page: Page) -> KeptPage:
        """An account's pinned statuses that the viewer may see, newest pin first."""
        return await self._page(Pin, viewer_id, account_id, page)

    async def _page(
        self,
        model: type[Bookmark] | type[Favourite] | type[Pin],
        viewer_id: int | None,
        account_id: int,
        page: Page,
    ) -> KeptPage:
        async with self.db.session() as session:
            await access_account(session, account_id)
            rows = await store.kept_page(
                session, model, account_id, page, visible_filter(viewer_id)
            )
            bundle = await load_statuses(session, viewer_id, [status for _, status in rows])
            cursor_of = {status.id: row_id for row_id, status in rows}
            return KeptPage([cursor_of[s.id] for s in bundle.statuses], bundle)
