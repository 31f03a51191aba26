"""List reads: one's lists, their members, which lists hold an account, and a list's feed.
Another account's list is not found, like a missing one."""

from dataclasses import dataclass

from myna.backends.timelines import TimelineBackend
from myna.db.database import Database
from myna.lib.paging import Page
from myna.models import Account, AccountList
from myna.policy import visibility as rules
from myna.policy.access import access_account
from myna.policy.filters import HOME
from myna.policy.lists import access_own_list
from myna.reads.bundle import StatusBundle, load_statuses
from myna.store import accounts as account_store
from myna.store import lists as store


@dataclass
class MemberPage:
    cursor_ids: list[int]  # member account ids, in order (the Link header pages on them)
    accounts: list[Account]


class ListReads:
    def __init__(self, db: Database, timelines: TimelineBackend) -> None:
        self.db = db
        self.timelines = timelines

    async def mine(self, owner_id: int) -> list[AccountList]:
        async with self.db.session() as session:
            return await store.of_owner(session, owner_id)

    async def one(self, owner_id: int, list_id: int) -> AccountList:
        async with self.db.session() as session:
            return await access_own_list(session, owner_id, list_id)

    async def members(self, owner_id: int, list_id: int, page: Page | None) -> MemberPage:
        """`page` None: every member (Mastodon's `limit=0`)."""
        async with self.db.session() as session:
            await access_own_list(session, owner_id, list_id)
            ids = await store.members_page(session, list_id, page)
            accounts = await account_store.get_many(session, ids)
            kept = [i for i in ids if i in accounts]
            return MemberPage(cursor_ids=kept, accounts=[accounts[i] for i in kept])

    async def holding(self, owner_id: int, account_id: int) -> list[AccountList]:
        async with self.db.session() as session:
            await access_account(session, account_id)
            return await store.holding(session, owner_id, account_id)

    async def timeline(self, owner_id: int, list_id: int, page: Page) -> StatusBundle:
        """The list's feed, through the same visibility and mute filter as home."""
        async with self.db.session() as session:
            await access_own_list(session, owner_id, list_id)
            statuses = await self.timelines.list_page(
                session, list_id, page, rules.timeline_filter(owner_id)
            )
            return await load_statuses(session, owner_id, statuses, HOME)
