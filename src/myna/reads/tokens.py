"""Resolving a bearer token to who is calling: runs on every authenticated request."""

from dataclasses import dataclass

from myna.db.database import Database
from myna.lib import secrets
from myna.lib.clock import as_utc, utcnow
from myna.models import Account, OAuthApp, OAuthToken
from myna.policy import moderation
from myna.policy import scopes as scope_rules
from myna.store import oauth as store

# The web interface's session cookie: a token of the built-in web app, which the streaming API
# also accepts from the site's own pages.
WEB_SESSION_COOKIE = "myna_session"


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
            found = await store.token_with_owner(session, secrets.digest(raw_token))
        if found is None:
            return None
        token, app, account = found
        if token.revoked_at is not None:
            return None
        if token.expires_at is not None and as_utc(token.expires_at) <= utcnow():
            return None
        if token.account_id is not None and account is None:
            return None  # its account is gone
        if account is not None and moderation.login_refusal(account) is not None:
            return None  # suspended, disabled or awaiting approval: its tokens stop working
        return Caller(
            token=token, app=app, account=account, scopes=scope_rules.expand(token.scopes)
        )

    async def app_by_client_id(self, client_id: str) -> OAuthApp | None:
        async with self.db.session() as session:
            return await store.app_by_client_id(session, client_id)
