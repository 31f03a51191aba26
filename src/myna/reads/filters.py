"""Filter reads: one's filters with their keywords and statuses, one keyword, one filtered
status, and the v1 view (one entry per keyword). Anyone else's is not found, like a missing
one; a filtered status is shown only while its owner may still see the status."""

from dataclasses import dataclass

from myna.db.database import Database
from myna.models import Filter, FilterKeyword, FilterStatus
from myna.policy.filters import (
    FilterGroup,
    access_own_filter,
    access_own_filter_status,
    access_own_keyword,
    load_groups,
)
from myna.store import filters as store


@dataclass
class PhraseFilter:
    """A keyword as the v1 API shows it: with its filter's context, action and expiry."""

    keyword: FilterKeyword
    filter: Filter


class FilterReads:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def mine(self, owner_id: int) -> list[FilterGroup]:
        async with self.db.session() as session:
            return await load_groups(session, owner_id, await store.of_owner(session, owner_id))

    async def one(self, owner_id: int, filter_id: int) -> FilterGroup:
        async with self.db.session() as session:
            found = await access_own_filter(session, owner_id, filter_id)
            return (await load_groups(session, owner_id, [found]))[0]

    async def keywords(self, owner_id: int, filter_id: int) -> list[FilterKeyword]:
        return (await self.one(owner_id, filter_id)).keywords

    async def keyword(self, owner_id: int, keyword_id: int) -> FilterKeyword:
        async with self.db.session() as session:
            found, _ = await access_own_keyword(session, owner_id, keyword_id)
            return found

    async def statuses(self, owner_id: int, filter_id: int) -> list[FilterStatus]:
        return (await self.one(owner_id, filter_id)).statuses

    async def filter_status(self, owner_id: int, filter_status_id: int) -> FilterStatus:
        async with self.db.session() as session:
            return await access_own_filter_status(session, owner_id, filter_status_id, to_read=True)

    async def phrases(self, owner_id: int) -> list[PhraseFilter]:
        """v1: every keyword of every filter, oldest filter first."""
        return [
            PhraseFilter(keyword, group.filter)
            for group in await self.mine(owner_id)
            for keyword in group.keywords
        ]

    async def phrase(self, owner_id: int, keyword_id: int) -> PhraseFilter:
        async with self.db.session() as session:
            keyword, found = await access_own_keyword(session, owner_id, keyword_id)
            return PhraseFilter(keyword, found)
