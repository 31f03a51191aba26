from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from myna.db.base import Base


class OAuthApp(Base):
    """A registered client application. Its secret is kept only as a SHA-256 digest."""

    __tablename__ = "oauth_apps"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(2000), default=None)
    redirect_uris: Mapped[str] = mapped_column(Text)  # one per line
    scopes: Mapped[str] = mapped_column(String(2000))  # space-separated
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    client_secret_digest: Mapped[str] = mapped_column(String(64))
    # The account that registered it in the developer portal; None when it was registered
    # anonymously through POST /api/v1/apps. An account's apps go with the account.
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True, default=None
    )
    created_at: Mapped[datetime]


class OAuthAppUsage(Base):
    """API calls made with an app's tokens, and how many answered an error (status >= 400),
    per UTC day. Servers count in memory and add their counts here now and then."""

    __tablename__ = "oauth_app_usage"

    app_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_apps.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    calls: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)


class OAuthToken(Base):
    """A bearer token. `account_id` is empty for an app-only (client_credentials) token."""

    __tablename__ = "oauth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    app_id: Mapped[int] = mapped_column(ForeignKey("oauth_apps.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True, default=None
    )
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)


class OAuthCode(Base):
    """A one-time authorization code, with its PKCE challenge when the client sent one."""

    __tablename__ = "oauth_codes"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    app_id: Mapped[int] = mapped_column(ForeignKey("oauth_apps.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    scopes: Mapped[str] = mapped_column(String(2000))
    code_challenge: Mapped[str | None] = mapped_column(String(128), default=None)
    code_challenge_method: Mapped[str | None] = mapped_column(String(16), default=None)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
