"""OAuth client registration and the tokens Myna issues outside the token endpoint
(sign-up through the API, the web interface's session)."""

from dataclasses import dataclass
from datetime import timedelta

from myna.db.database import Database
from myna.events.publish import Publisher, announce_revoked
from myna.lib import secrets
from myna.lib.clock import utcnow
from myna.lib.errors import ValidationFailed
from myna.lib.ids import new_id
from myna.models import OAuthApp, OAuthToken
from myna.policy import scopes as scope_rules
from myna.policy.apps import access_own_app
from myna.store import oauth as store

OOB = "urn:ietf:wg:oauth:2.0:oob"


@dataclass(frozen=True)
class NewApp:
    app: OAuthApp
    client_secret: str


def check_redirect_uris(raw: str) -> list[str]:
    uris = [line.strip() for line in raw.replace(" ", "\n").splitlines() if line.strip()]
    if not uris:
        raise ValidationFailed("Validation failed: Redirect URI can't be blank")
    for uri in uris:
        if uri != OOB and ("://" not in uri or "#" in uri or len(uri) > 2000):
            raise ValidationFailed(
                f"Validation failed: Redirect URI must be an absolute URI: {uri}"
            )
    return uris


def check_scopes(raw: str | None) -> list[str]:
    requested = scope_rules.parse(raw) or [scope_rules.DEFAULT]
    bad = scope_rules.unknown(requested)
    if bad:
        raise ValidationFailed(f"Validation failed: Scopes are not known: {' '.join(bad)}")
    return requested


def check_app(
    name: str, website: str | None, redirect_uris: str, scopes: str | None
) -> tuple[str, str | None, list[str], list[str]]:
    """A registration's fields, checked: name, website, redirect URIs, scopes."""
    name = name.strip()
    if not name:
        raise ValidationFailed("Validation failed: Application name can't be blank")
    if len(name) > 200:
        raise ValidationFailed("Validation failed: Application name is too long (at most 200)")
    uris = check_redirect_uris(redirect_uris)
    granted = check_scopes(scopes)
    website = (website or "").strip() or None
    if website and (len(website) > 2000 or not website.startswith(("http://", "https://"))):
        raise ValidationFailed("Validation failed: Website must be an http(s) URL")
    return name, website, uris, granted


class AppActions:
    def __init__(self, db: Database, broker: Publisher, token_ttl_days: int = 0) -> None:
        self.db = db
        self.broker = broker
        self.token_ttl = timedelta(days=token_ttl_days) if token_ttl_days else None

    async def do_create_app(
        self,
        *,
        name: str,
        redirect_uris: str,
        scopes: str | None,
        website: str | None,
        owner_id: int | None = None,
    ) -> NewApp:
        """`owner_id`: the account registering it in the developer portal (None through
        POST /api/v1/apps, which needs no token)."""
        name, website, uris, granted = check_app(name, website, redirect_uris, scopes)
        client_secret = secrets.new_token()
        app = OAuthApp(
            id=new_id(),
            name=name,
            website=website,
            redirect_uris="\n".join(uris),
            scopes=" ".join(granted),
            client_id=secrets.new_token(24),
            client_secret_digest=secrets.digest(client_secret),
            owner_id=owner_id,
            created_at=utcnow(),
        )
        async with self.db.transaction() as session:
            await store.add_app(session, app)
        return NewApp(app=app, client_secret=client_secret)

    # The developer portal: the owner manages their app. Someone else's app is missing.

    async def do_update_app(
        self,
        owner_id: int,
        app_id: int,
        *,
        name: str,
        redirect_uris: str,
        scopes: str | None,
        website: str | None,
    ) -> OAuthApp:
        """Tokens already issued keep the scopes they were granted; new authorizations may
        ask only for the app's new scopes."""
        name, website, uris, granted = check_app(name, website, redirect_uris, scopes)
        async with self.db.transaction() as session:
            app = await access_own_app(session, owner_id, app_id)
            app.name = name
            app.website = website
            app.redirect_uris = "\n".join(uris)
            app.scopes = " ".join(granted)
        return app

    async def do_rotate_secret(self, owner_id: int, app_id: int) -> NewApp:
        """A new client secret; the old one stops working at once (the token endpoint and
        revocation check the digest). Tokens already issued keep working: rotating a leaked
        secret should not sign every user out (deleting the app does that)."""
        client_secret = secrets.new_token()
        async with self.db.transaction() as session:
            app = await access_own_app(session, owner_id, app_id)
            app.client_secret_digest = secrets.digest(client_secret)
        return NewApp(app=app, client_secret=client_secret)

    async def do_delete_app(self, owner_id: int, app_id: int) -> None:
        """The app goes with its tokens (their streams close after commit), codes, webhook
        subscriptions and usage, in one transaction."""
        async with self.db.transaction() as session:
            await access_own_app(session, owner_id, app_id)
            for token in await store.live_tokens_of_app(session, app_id, utcnow()):
                announce_revoked(session, self.broker, token.id, token.account_id)
            await store.delete_app(session, app_id)

    async def do_issue_token(
        self, app_id: int, account_id: int | None, scopes: str
    ) -> tuple[OAuthToken, str]:
        """A bearer token; the caller gets the raw value once, the database keeps its digest."""
        raw = secrets.new_token()
        now = utcnow()
        token = OAuthToken(
            id=new_id(),
            app_id=app_id,
            account_id=account_id,
            token_digest=secrets.digest(raw),
            scopes=scopes,
            created_at=now,
            expires_at=now + self.token_ttl if self.token_ttl else None,
        )
        async with self.db.transaction() as session:
            await store.add_token(session, token)
        return token, raw

    async def do_revoke_token(self, token_id: int) -> None:
        """Signing out of the web interface: the token stops working at once."""
        async with self.db.transaction() as session:
            token = await store.token_by_id(session, token_id)
            if token is None:
                return
            await store.revoke(session, token_id, utcnow())
            announce_revoked(session, self.broker, token_id, token.account_id)

    async def do_revoke_authorization(self, account_id: int, app_id: int) -> list[int]:
        """Sign the account out of one application: every live token it holds for the app
        stops working, in one transaction, and their open streams close after commit.
        Answers the revoked token ids (empty when the app held none)."""
        async with self.db.transaction() as session:
            now = utcnow()
            live = await store.live_tokens_of_account(session, account_id, now, app_id)
            revoked = await store.revoke_many(session, [token.id for token, _app in live], now)
            for token_id in revoked:
                announce_revoked(session, self.broker, token_id, account_id)
        return revoked

    async def do_ensure_app(self, name: str, scopes: str) -> OAuthApp:
        """The built-in app the web interface signs people in with, created on first use."""
        client_id = "myna-" + name.lower().replace(" ", "-")
        async with self.db.transaction() as session:
            app = await store.app_by_client_id(session, client_id)
            if app is None:
                app = OAuthApp(
                    id=new_id(),
                    name=name,
                    website=None,
                    redirect_uris=OOB,
                    scopes=scopes,
                    client_id=client_id,
                    client_secret_digest=secrets.digest(secrets.new_token()),
                    owner_id=None,
                    created_at=utcnow(),
                )
                await store.add_app(session, app)
        return app
