"""Rebuilding feeds from the database (`myna timelines rebuild`): after Redis lost them, or to
warm them ahead of first reads. The database is the truth; a feed is derived from it."""

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from myna.backends.timelines import DerivedFeeds
from myna.db.database import Database
from myna.lib.errors import NotFound
from myna.store import accounts as account_store
from myna.store import lists as list_store

BATCH = 500

Progress = Callable[[int], None]  # called with how many accounts were just done


class TimelineActions:
    def __init__(self, db: Database, feeds: DerivedFeeds | None) -> None:
        """`feeds`: None when the feeds are kept in the database itself (embedded mode)."""
        self.db = db
        self.feeds = feeds

    @property
    def rebuildable(self) -> bool:
        return self.feeds is not None

    async def count_accounts(self) -> int:
        async with self.db.session() as session:
            return await account_store.count_all(session)

    async def rebuild_account(self, username: str) -> int:
        """One account's home feed and its lists' feeds; returns the feeds rebuilt."""
        async with self.db.session() as session:
            account = await account_store.by_username(session, username)
            if account is None:
                raise NotFound(f"No account @{username}")
            return await self._rebuild(session, account.id)

    async def rebuild_all(self, progress: Progress | None = None) -> int:
        """Every account's feeds, in batches of accounts; returns the feeds rebuilt."""
        rebuilt, after = 0, 0
        while True:
            async with self.db.session() as session:
                ids = await account_store.ids_after(session, after, BATCH)
                for account_id in ids:
                    rebuilt += await self._rebuild(session, account_id)
            if not ids:
                return rebuilt
            after = ids[-1]
            if progress is not None:
                progress(len(ids))

    async def _rebuild(self, session: AsyncSession, account_id: int) -> int:
        if self.feeds is None:
            return 0
        await self.feeds.rebuild_home(session, account_id)
        lists = await list_store.of_owner(session, account_id)
        for each in lists:
            await self.feeds.rebuild_list(session, each.id)
        return 1 + len(lists)
