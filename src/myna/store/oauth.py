"""OAuth apps, tokens and codes. The sync functions serve Authlib's hooks, which are called
inside `AsyncSession.run_sync`; the async ones serve request authentication."""

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from myna.models import Account, OAuthApp, OAuthAppUsage, OAuthCode, OAuthToken


async def add_app(session: AsyncSession, app: OAuthApp) -> None:
    session.add(app)
    await session.flush()


async def app_by_id(session: AsyncSession, app_id: int) -> OAuthApp | None:
    return await session.get(OAuthApp, app_id)


async def apps_of_owner(session: AsyncSession, owner_id: int) -> list[OAuthApp]:
    """Newest first."""
    stmt = select(OAuthApp).where(OAuthApp.owner_id == owner_id).order_by(OAuthApp.id.desc())
    return list(await session.scalars(stmt))


async def delete_app(session: AsyncSession, app_id: int) -> None:
    """The app, and through its foreign keys its tokens, codes, webhooks and usage."""
    await session.execute(delete(OAuthApp).where(OAuthApp.id == app_id))


async def live_tokens_of_app(session: AsyncSession, app_id: int, now: datetime) -> list[OAuthToken]:
    stmt = select(OAuthToken).where(
        OAuthToken.app_id == app_id,
        OAuthToken.revoked_at.is_(None),
        or_(OAuthToken.expires_at.is_(None), OAuthToken.expires_at > now),
    )
    return list(await session.scalars(stmt))


async def add_usage(session: AsyncSession, counts: dict[tuple[int, date], tuple[int, int]]) -> None:
    """Adds (calls, errors) to each (app, day) row, creating it when missing. Counts of apps
    deleted meanwhile are dropped (they have nowhere to go)."""
    if not counts:
        return
    existing = set(
        await session.scalars(
            select(OAuthApp.id).where(OAuthApp.id.in_({app_id for app_id, _day in counts}))
        )
    )
    rows = [
        {"app_id": app_id, "day": day, "calls": calls, "errors": errors}
        for (app_id, day), (calls, errors) in sorted(counts.items())
        if app_id in existing
    ]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(OAuthAppUsage).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=[OAuthAppUsage.app_id, OAuthAppUsage.day],
        set_={
            "calls": OAuthAppUsage.calls + stmt.excluded.calls,
            "errors": OAuthAppUsage.errors + stmt.excluded.errors,
        },
    )
    await session.execute(stmt)


async def usage_of_app(
    session: AsyncSession, app_id: int, since: date
) -> list[tuple[date, int, int]]:
    """(day, calls, errors) from `since` on, oldest first; days without calls are absent."""
    stmt = (
        select(OAuthAppUsage.day, OAuthAppUsage.calls, OAuthAppUsage.errors)
        .where(OAuthAppUsage.app_id == app_id, OAuthAppUsage.day >= since)
        .order_by(OAuthAppUsage.day)
    )
    return [(day, calls, errors) for day, calls, errors in await session.execute(stmt)]


def app_by_client_id_sync(session: Session, client_id: str) -> OAuthApp | None:
    return session.scalar(select(OAuthApp).where(OAuthApp.client_id == client_id))


async def app_by_client_id(session: AsyncSession, client_id: str) -> OAuthApp | None:
    return await session.scalar(select(OAuthApp).where(OAuthApp.client_id == client_id))


async def token_with_owner(
    session: AsyncSession, digest: str
) -> tuple[OAuthToken, OAuthApp, Account | None] | None:
    """The token, its app and its account (None for an app's own token), in one query."""
    stmt = (
        select(OAuthToken, OAuthApp, Account)
        .join(OAuthApp, OAuthApp.id == OAuthToken.app_id)
        .outerjoin(Account, Account.id == OAuthToken.account_id)
        .where(OAuthToken.token_digest == digest)
    )
    row = (await session.execute(stmt)).first()
    return None if row is None else (row[0], row[1], row[2])


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


async def revoke_many(session: AsyncSession, token_ids: Iterable[int], at: datetime) -> list[int]:
    """Revoke the tokens not revoked yet; answers the ids this call revoked."""
    wanted = list(token_ids)
    if not wanted:
        return []
    result = await session.execute(
        update(OAuthToken)
        .where(OAuthToken.id.in_(wanted), OAuthToken.revoked_at.is_(None))
        .values(revoked_at=at)
        .returning(OAuthToken.id)
    )
    return list(result.scalars())


async def live_tokens_of_account(
    session: AsyncSession, account_id: int, now: datetime, app_id: int | None = None
) -> list[tuple[OAuthToken, OAuthApp]]:
    """The account's unrevoked, unexpired tokens with their apps (all apps, or `app_id`'s),
    oldest first."""
    stmt = (
        select(OAuthToken, OAuthApp)
        .join(OAuthApp, OAuthApp.id == OAuthToken.app_id)
        .where(
            OAuthToken.account_id == account_id,
            OAuthToken.revoked_at.is_(None),
            or_(OAuthToken.expires_at.is_(None), OAuthToken.expires_at > now),
        )
        .order_by(OAuthToken.id)
    )
    if app_id is not None:
        stmt = stmt.where(OAuthToken.app_id == app_id)
    return [(token, app) for token, app in await session.execute(stmt)]


def revoke_sync(session: Session, token_id: int, at: datetime) -> None:
    session.execute(update(OAuthToken).where(OAuthToken.id == token_id).values(revoked_at=at))


def code_by_digest_sync(session: Session, digest: str, app_id: int) -> OAuthCode | None:
    stmt = select(OAuthCode).where(OAuthCode.code_digest == digest, OAuthCode.app_id == app_id)
    return session.scalar(stmt)


def delete_code_sync(session: Session, code_id: int) -> None:
    session.execute(delete(OAuthCode).where(OAuthCode.id == code_id))
