"""Resolving a bearer token to who is calling: runs on every authenticated request."""

from dataclasses import dataclass

from myna.db.database import Database
from myna.lib import secrets
from myna.lib.clock import as_utc, utcnow
from myna.models import Account, OAuthApp, OAuthToken
from myna.policy import scopes as scope_rules
from myna.store import accounts as account_store
from myna.store import oauth as store


@dataclass(frozen=True)
class Caller:
    token: OAuthToken
    app: OAuthApp
    account: Account | None
    scopes: frozenset[str]


class TokenReads:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def caller(self, raw_token: str) -> Caller | None:
        """The token's caller, or None when the token is unknown, revoked or expired."""
        async with self.db.session() as session:
            token = await store.token_by_digest(session, secrets.digest(raw_token))
            if token is None or token.revoked_at is not None:
                return None
            if token.expires_at is not None and as_utc(token.expires_at) <= utcnow():
                return None
            app = await store.get_app(session, token.app_id)
            if app is None:
                return None
            account = None
            if token.account_id is not None:
                account = await account_store.get(session, token.account_id)
                if account is None:
                    return None
            return Caller(
                token=token, app=app, account=account, scopes=scope_rules.expand(token.scopes)
            )

    async def app_by_client_id(self, client_id: str) -> OAuthApp | None:
        async with self.db.session() as session:
            return await store.app_by_client_id(session, client_id)
