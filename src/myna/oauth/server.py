"""Authlib's AuthorizationServer wired to Myna's tables.

Authlib's server is synchronous, so each OAuth request runs inside
`AsyncSession.run_sync`: the hooks below get a plain `Session` whose queries go through the
async driver. One server object is built per request around that session."""

import hmac
from collections import defaultdict
from datetime import timedelta
from typing import Any, ClassVar

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    OAuth2Payload,
    OAuth2Request,
    TokenMixin,
    grants,
)
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from sqlalchemy.orm import Session

from myna.events.publish import Publisher, announce_revoked
from myna.lib import passwords, secrets
from myna.lib.clock import as_utc, utcnow
from myna.lib.ids import new_id
from myna.models import Account, OAuthApp, OAuthCode, OAuthToken
from myna.policy import moderation
from myna.policy import scopes as scope_rules
from myna.store import accounts as account_store
from myna.store import oauth as store

CODE_TTL = timedelta(minutes=10)
GRANT_TYPES = ("authorization_code", "client_credentials", "password")


class Payload(OAuth2Payload):
    def __init__(self, values: dict[str, list[str]]) -> None:
        self._datalist = defaultdict(list, values)
        self._data = {key: items[0] for key, items in values.items() if items}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class Request(OAuth2Request):
    """An already-read HTTP request: Authlib must not await anything."""

    def __init__(
        self,
        method: str,
        uri: str,
        headers: dict[str, str],
        query: dict[str, list[str]],
        form: dict[str, list[str]],
    ) -> None:
        super().__init__(method=method, uri=uri, headers=headers)
        merged = {**query, **form}
        self.payload = Payload(merged)
        self._args = {k: v[0] for k, v in query.items() if v}
        self._form = {k: v[0] for k, v in form.items() if v}

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


class Client(ClientMixin):
    def __init__(self, app: OAuthApp) -> None:
        self.app = app
        self.redirect_uris = app.redirect_uris.split("\n")

    def get_client_id(self) -> str:
        return self.app.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str | None) -> str:
        """Mastodon's rule: the requested scopes (default `read`) that the app registered for."""
        requested = scope_rules.parse(scope) or [scope_rules.DEFAULT]
        allowed = scope_rules.expand(self.app.scopes)
        return " ".join(s for s in requested if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(secrets.digest(client_secret), self.app.client_secret_digest)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in GRANT_TYPES


class Code(AuthorizationCodeMixin):
    def __init__(self, row: OAuthCode) -> None:
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scopes


class Token(TokenMixin):
    def __init__(self, row: OAuthToken, app: OAuthApp) -> None:
        self.row = row
        self.app = app

    def check_client(self, client: Client) -> bool:
        return self.row.app_id == client.app.id

    def get_scope(self) -> str:
        return self.row.scopes

    def get_expires_in(self) -> int:
        if self.row.expires_at is None:
            return 0
        return int((as_utc(self.row.expires_at) - as_utc(self.row.created_at)).total_seconds())

    def is_expired(self) -> bool:
        return self.row.expires_at is not None and as_utc(self.row.expires_at) <= utcnow()

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None


class PasswordGrant(grants.ResourceOwnerPasswordCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar = ["client_secret_basic", "client_secret_post"]

    def authenticate_user(self, username: str, password: str) -> Account | None:
        server: MynaServer = self.server
        account = account_store.by_login_sync(server.session, username)
        if account is None:
            passwords.verify_password(passwords.DUMMY_HASH, password)
            return None
        if not passwords.verify_password(account.password_hash, password):
            return None
        return account if moderation.login_refusal(account) is None else None


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar = ["client_secret_basic", "client_secret_post"]

    def save_authorization_code(self, code: str, request: Request) -> None:
        server: MynaServer = self.server
        client: Client = request.client
        now = utcnow()
        store.add_sync(
            server.session,
            OAuthCode(
                id=new_id(),
                app_id=client.app.id,
                account_id=request.user.id,
                code_digest=secrets.digest(code),
                redirect_uri=request.payload.redirect_uri or client.get_default_redirect_uri(),
                scopes=request.scope or "",
                code_challenge=request.payload.data.get("code_challenge"),
                code_challenge_method=request.payload.data.get("code_challenge_method"),
                created_at=now,
                expires_at=now + CODE_TTL,
            ),
        )

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        server: MynaServer = self.server
        row = store.code_by_digest_sync(server.session, secrets.digest(code), client.app.id)
        if row is None or as_utc(row.expires_at) <= utcnow():
            return None
        return Code(row)

    def delete_authorization_code(self, authorization_code: Code) -> None:
        server: MynaServer = self.server
        store.delete_code_sync(server.session, authorization_code.row.id)

    def authenticate_user(self, authorization_code: Code) -> Account | None:
        server: MynaServer = self.server
        account = account_store.get_sync(server.session, authorization_code.row.account_id)
        if account is None or moderation.login_refusal(account) is not None:
            return None
        return account


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar = ["client_secret_basic", "client_secret_post"]


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS: ClassVar = ["client_secret_basic", "client_secret_post"]

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        server: MynaServer = self.server
        row = store.token_by_digest_sync(server.session, secrets.digest(token_string))
        if row is None:
            return None
        app = server.session.get(OAuthApp, row.app_id)
        return Token(row, app) if app is not None else None

    def revoke_token(self, token: Token, request: Request) -> None:
        server: MynaServer = self.server
        store.revoke_sync(server.session, token.row.id, utcnow())
        announce_revoked(server.session, server.broker, token.row.id, token.row.account_id)


class MynaServer(AuthorizationServer):
    def __init__(self, session: Session, token_ttl_days: int, broker: Publisher) -> None:
        super().__init__(scopes_supported=scope_rules.ALL)
        self.session = session
        self.broker = broker
        ttl = int(timedelta(days=token_ttl_days).total_seconds()) if token_ttl_days else 0
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=lambda **_: secrets.new_token(),
                expires_generator=lambda client, grant_type: ttl,
            ),
        )
        self.register_grant(CodeGrant, [CodeChallenge(required=False)])
        self.register_grant(PasswordGrant)
        self.register_grant(ClientCredentialsGrant)
        self.register_endpoint(Revocation)

    def query_client(self, client_id: str) -> Client | None:
        app = store.app_by_client_id_sync(self.session, client_id)
        return Client(app) if app is not None else None

    def save_token(self, token: dict[str, Any], request: Request) -> None:
        client: Client = request.client
        user: Account | None = request.user
        now = utcnow()
        expires_in = token.get("expires_in")
        store.add_sync(
            self.session,
            OAuthToken(
                id=new_id(),
                app_id=client.app.id,
                account_id=user.id if user is not None else None,
                token_digest=secrets.digest(token["access_token"]),
                scopes=token.get("scope") or "",
                created_at=now,
                expires_at=now + timedelta(seconds=expires_in) if expires_in else None,
            ),
        )
        token["created_at"] = int(now.timestamp())

    def create_oauth2_request(self, request: Request) -> Request:
        return request

    def create_json_request(self, request: Request) -> Request:
        return request

    def handle_response(
        self, status: int, body: Any, headers: Any
    ) -> tuple[int, Any, list[tuple[str, str]]]:
        return status, body, list(headers.items() if isinstance(headers, dict) else headers)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None
