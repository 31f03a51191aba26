"""OAuth apps, tokens and codes. The sync functions serve Authlib's hooks, which are called
inside `AsyncSession.run_sync`; the async ones serve request authentication."""

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from myna.models import OAuthApp, OAuthCode, OAuthToken


async def add_app(session: AsyncSession, app: OAuthApp) -> None:
    session.add(app)
    await session.flush()


async def get_app(session: AsyncSession, app_id: int) -> OAuthApp | None:
    return await session.get(OAuthApp, app_id)


def app_by_client_id_sync(session: Session, client_id: str) -> OAuthApp | None:
    return session.scalar(select(OAuthApp).where(OAuthApp.client_id == client_id))


async def app_by_client_id(session: AsyncSession, client_id: str) -> OAuthApp | None:
    return await session.scalar(select(OAuthApp).where(OAuthApp.client_id == client_id))


async def token_by_digest(session: AsyncSession, digest: str) -> OAuthToken | None:
    return await session.scalar(select(OAuthToken).where(OAuthToken.token_digest == digest))


def token_by_digest_sync(session: Session, digest: str) -> OAuthToken | None:
    return session.scalar(select(OAuthToken).where(OAuthToken.token_digest == digest))


def add_sync(session: Session, row: OAuthToken | OAuthCode) -> None:
    session.add(row)
    session.flush()


async def add_token(session: AsyncSession, token: OAuthToken) -> None:
    session.add(token)
    await session.flush()


async def token_by_id(session: AsyncSession, token_id: int) -> OAuthToken | None:
    return await session.get(OAuthToken, token_id)


async def revoke(session: AsyncSession, token_id: int, at: datetime) -> None:
    await session.execute(
        update(OAuthToken)
        .where(OAuthToken.id == token_id, OAuthToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )


def revoke_sync(session: Session, token_id: int, at: datetime) -> None:
    session.execute(update(OAuthToken).where(OAuthToken.id == token_id).values(revoked_at=at))


def code_by_digest_sync(session: Session, digest: str, app_id: int) -> OAuthCode | None:
    stmt = select(OAuthCode).where(OAuthCode.code_digest == digest, OAuthCode.app_id == app_id)
    return session.scalar(stmt)


def delete_code_sync(session: Session, code_id: int) -> None:
    session.execute(delete(OAuthCode).where(OAuthCode.id == code_id))
