"""Account reads: profiles, relationships and the lists of accounts around an account."""

import asyncio
from dataclasses import dataclass

from myna.db.database import Database
from myna.lib import passwords
from myna.lib.errors import NotFound
from myna.lib.paging import Page
from myna.models import Account, Block, Follow, FollowRequest, Mute
from myna.policy.access import access_account
from myna.store import accounts as store
from myna.store import relations as relation_store
from myna.store.relations import Relations


@dataclass
class AccountList:
    cursor_ids: list[int]  # the relation rows' ids, which page the list
    accounts: list[Account]


class AccountReads:
    def __init__(self, db: Database, local_domain: str) -> None:
        self.db = db
        self.local_domain = local_domain

    async def one(self, account_id: int) -> Account:
        async with self.db.session() as session:
            return await access_account(session, account_id)

    async def many(self, ids: list[int]) -> list[Account]:
        async with self.db.session() as session:
            found = await store.get_many(session, ids)
        return [found[i] for i in ids if i in found]

    async def lookup(self, acct: str) -> Account:
        username, _, domain = acct.lstrip("@").partition("@")
        async with self.db.session() as session:
            account = await store.by_username(session, username) if username else None
        if account is None or (domain and not self._local(domain)):
            raise NotFound()
        return account

    def _local(self, domain: str) -> bool:
        return domain.lower() == self.local_domain.lower()

    async def follow_requests_count(self, account_id: int) -> int:
        async with self.db.session() as session:
            return await relation_store.follow_requests_count(session, account_id)

    async def relations(self, viewer_id: int, ids: list[int]) -> Relations:
        async with self.db.session() as session:
            return await relation_store.relations(session, viewer_id, ids)

    async def _list(
        self,
        model: type[Follow] | type[FollowRequest] | type[Block] | type[Mute],
        account_id: int,
        page: Page,
        *,
        incoming: bool,
    ) -> AccountList:
        async with self.db.session() as session:
            await access_account(session, account_id)
            if incoming:
                rows = await relation_store.page_sources(session, model, account_id, page)
            else:
                rows = await relation_store.page_targets(session, model, account_id, page)
        return AccountList(cursor_ids=[r for r, _ in rows], accounts=[a for _, a in rows])

    async def followers(self, account_id: int, page: Page) -> AccountList:
        return await self._list(Follow, account_id, page, incoming=True)

    async def following(self, account_id: int, page: Page) -> AccountList:
        return await self._list(Follow, account_id, page, incoming=False)

    async def follow_requests(self, account_id: int, page: Page) -> AccountList:
        return await self._list(FollowRequest, account_id, page, incoming=True)

    async def blocks(self, account_id: int, page: Page) -> AccountList:
        return await self._list(Block, account_id, page, incoming=False)

    async def mutes(self, account_id: int, page: Page) -> AccountList:
        return await self._list(Mute, account_id, page, incoming=False)

    async def search(self, query: str, limit: int) -> list[Account]:
        query = query.strip().lstrip("@").split("@", 1)[0]
        if not query:
            return []
        async with self.db.session() as session:
            return await store.search_prefix(session, query, limit)

    async def authenticate(self, login: str, password: str) -> Account | None:
        """The account whose username or e-mail and password these are. The hash check runs
        in a thread (argon2 is deliberately slow) and runs even for unknown names."""
        async with self.db.session() as session:
            account = await store.by_login(session, login) if login else None
        digest = account.password_hash if account is not None else passwords.DUMMY_HASH
        ok = await asyncio.to_thread(passwords.verify_password, digest, password)
        return account if ok and account is not None else None
