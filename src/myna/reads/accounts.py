"""Account reads: profiles, relationships and the lists of accounts around an account."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from myna.db.database import Database
from myna.lib import passwords
from myna.lib.clock import utcnow
from myna.lib.errors import NotFound
from myna.lib.paging import Page
from myna.models import Account, Block, Follow, FollowRequest, Mute, OAuthApp
from myna.policy.access import access_account
from myna.store import accounts as store
from myna.store import oauth as oauth_store
from myna.store import relations as relation_store
from myna.store.relations import Relations


@dataclass
class AccountList:
    cursor_ids: list[int]  # the relation rows' ids, which page the list
    accounts: list[Account]


@dataclass
class AuthorizedApp:
    """An application holding live tokens of an account (signed in with it)."""

    app: OAuthApp
    token_ids: list[int]  # the live tokens, oldest first
    authorized_at: datetime  # when its oldest live token was issued
    scopes: list[str] = field(default_factory=list)  # what its live tokens were granted


DEFAULT_AVATAR = "/static/avatar.png"
DEFAULT_HEADER = "/static/header.png"
MEDIA_PATH = "/system/media/"  # where the app serves stored files (web/media.py)


@dataclass(frozen=True)
class ProfilePictures:
    avatar: str
    header: str


def profile_pictures(
    account: Account, media_url: Callable[[str], str] | None = None, base_url: str = ""
) -> ProfilePictures:
    """The URLs of an account's avatar and header: the stored picture's (`media_url` is the
    storage's `url`; without it, the app's own /system/media/), else the default pictures.
    The API's Account entity and the web pages both ask here. `base_url` prefixes the
    defaults and the /system/media/ fallback: the API gives absolute URLs, pages may not."""

    def url(key: str | None, default: str) -> str:
        if not key:
            return f"{base_url}{default}"
        return media_url(key) if media_url is not None else f"{base_url}{MEDIA_PATH}{key}"

    return ProfilePictures(
        avatar=url(account.avatar_key, DEFAULT_AVATAR),
        header=url(account.header_key, DEFAULT_HEADER),
    )


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

    async def authenticate(self, login: str, password: str) -> Account | None:
        """The account whose username or e-mail and password these are. The hash check runs
        in a thread (argon2 is deliberately slow) and runs even for unknown names."""
        async with self.db.session() as session:
            account = await store.by_login(session, login) if login else None
        digest = account.password_hash if account is not None else passwords.DUMMY_HASH
        ok = await asyncio.to_thread(passwords.verify_password, digest, password)
        return account if ok and account is not None else None

    async def authorized_apps(self, account_id: int) -> list[AuthorizedApp]:
        """The applications holding live (unrevoked, unexpired) tokens of the account, most
        recently authorized first."""
        by_app: dict[int, AuthorizedApp] = {}
        async with self.db.session() as session:
            live = await oauth_store.live_tokens_of_account(session, account_id, utcnow())
        for token, app in live:
            found = by_app.setdefault(app.id, AuthorizedApp(app, [], token.created_at))
            found.token_ids.append(token.id)
            found.scopes.extend(s for s in token.scopes.split() if s not in found.scopes)
        return sorted(by_app.values(), key=lambda a: a.token_ids[-1], reverse=True)

    async def authorized_app(self, account_id: int, app_id: int) -> AuthorizedApp:
        """One application the account authorized; NotFound when it holds no live token."""
        async with self.db.session() as session:
            live = await oauth_store.live_tokens_of_account(session, account_id, utcnow(), app_id)
        if not live:
            raise NotFound()
        return AuthorizedApp(live[0][1], [token.id for token, _app in live], live[0][0].created_at)
