"""Keeping the full-text search indexes (backends/search.py) in step with the statuses and the
accounts.

Posting and editing index a status in their own transaction (`index_status`), registering and
renaming an account index it (`index_account`); deleting needs nothing here, the database
takes the row out (see backends/search.py). `do_reindex` rebuilds both indexes from the
statuses and the accounts, batch by batch, each batch in one transaction that makes
its range of ids hold exactly what it should: it can run while the server serves, be stopped
and run again, and it prunes whatever a bug or an older version left behind.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from myna.backends.search import SearchIndex
from myna.db.database import Database
from myna.lib.errors import ValidationFailed
from myna.lib.search_text import account_document, document
from myna.models import Account, Status
from myna.policy.search import indexed
from myna.store import search as store

BATCH = 5000


async def index_status(index: SearchIndex | None, session: AsyncSession, status: Status) -> None:
    """(Re)index a status inside the caller's transaction, after a post or an edit."""
    if index is not None and indexed(status):
        await index.put(session, status.id, document(status.spoiler_text, status.text))


async def index_account(index: SearchIndex | None, session: AsyncSession, account: Account) -> None:
    """(Re)index an account inside the caller's transaction, after sign-up or a new name."""
    if index is not None:
        await index.put_account(
            session, account.id, account_document(account.username, account.display_name)
        )


@dataclass
class Reindexed:
    statuses: int = 0  # statuses read
    indexed: int = 0  # of them, those with any text to find them by
    batches: int = 0  # of statuses
    accounts: int = 0  # accounts read (each has a username to find it by)


class SearchActions:
    def __init__(self, db: Database, index: SearchIndex) -> None:
        self.db = db
        self.index = index

    async def count_indexable(self) -> int:
        """Statuses and accounts there are to index: what `do_reindex` reports progress of."""
        async with self.db.session() as session:
            return await store.count_indexable(session) + await store.count_accounts(session)

    async def count_indexed(self) -> int:
        async with self.db.session() as session:
            return await self.index.count(session)

    async def count_indexed_accounts(self) -> int:
        async with self.db.session() as session:
            return await self.index.count_accounts(session)

    async def do_reindex(
        self, progress: Callable[[int], object] | None = None, batch: int = BATCH
    ) -> Reindexed:
        if batch < 1:
            raise ValidationFailed("batch must be at least 1")
        done = Reindexed()
        after = 0
        while True:
            async with self.db.transaction() as session:
                rows = await store.indexable_after(session, after, batch)
                last = rows[-1][0] if len(rows) == batch else None  # None: to the end
                found = [(i, document(spoiler, body)) for i, spoiler, body in rows]
                await self.index.replace_range(session, after + 1, last, found)
            done.batches += 1
            done.statuses += len(rows)
            done.indexed += sum(1 for _, terms in found if terms)
            if progress is not None:
                progress(len(rows))
            if last is None:
                break
            after = last
        done.accounts = await self._reindex_accounts(progress, batch)
        return done

    async def _reindex_accounts(self, progress: Callable[[int], object] | None, batch: int) -> int:
        read = 0
        after = 0
        while True:
            async with self.db.transaction() as session:
                rows = await store.accounts_after(session, after, batch)
                last = rows[-1][0] if len(rows) == batch else None
                found = [(i, account_document(name, shown)) for i, name, shown in rows]
                await self.index.replace_accounts(session, after + 1, last, found)
            read += len(rows)
            if progress is not None:
                progress(len(rows))
            if last is None:
                return read
            after = last
