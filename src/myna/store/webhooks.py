"""Webhook subscriptions and deliveries."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from myna.lib.paging import Page
from myna.models import OAuthToken, WebhookDelivery, WebhookSubscription
from myna.store.paging import newest_first, paged


async def add_subscription(session: AsyncSession, subscription: WebhookSubscription) -> None:
    session.add(subscription)
    await session.flush()


async def count_subscriptions(session: AsyncSession, app_id: int) -> int:
    stmt = select(func.count()).where(WebhookSubscription.app_id == app_id)
    return await session.scalar(stmt) or 0


async def subscriptions_of_app(session: AsyncSession, app_id: int) -> list[WebhookSubscription]:
    stmt = (
        select(WebhookSubscription)
        .where(WebhookSubscription.app_id == app_id)
        .order_by(WebhookSubscription.id)
    )
    return list(await session.scalars(stmt))


async def subscription_of_app(
    session: AsyncSession, app_id: int, subscription_id: int
) -> WebhookSubscription | None:
    stmt = select(WebhookSubscription).where(
        WebhookSubscription.id == subscription_id, WebhookSubscription.app_id == app_id
    )
    return await session.scalar(stmt)


async def delete_subscription(session: AsyncSession, subscription_id: int) -> None:
    # The deliveries go with it (ON DELETE CASCADE), also on SQLite (foreign_keys=ON).
    await session.execute(
        delete(WebhookSubscription).where(WebhookSubscription.id == subscription_id)
    )


def _live(now: datetime) -> ColumnElement[bool]:
    return and_(
        OAuthToken.revoked_at.is_(None),
        or_(OAuthToken.expires_at.is_(None), OAuthToken.expires_at > now),
    )


async def authorized_subscriptions(
    session: AsyncSession, account_ids: Sequence[int], now: datetime
) -> list[tuple[WebhookSubscription, int, str]]:
    """Active subscriptions of the apps these accounts authorize: (subscription, account id,
    the scopes of one live token of the account for the app), a row per token."""
    stmt = (
        select(WebhookSubscription, OAuthToken.account_id, OAuthToken.scopes)
        .join(OAuthToken, OAuthToken.app_id == WebhookSubscription.app_id)
        .where(
            OAuthToken.account_id.in_(list(account_ids)),
            WebhookSubscription.active.is_(True),
            _live(now),
        )
        .order_by(WebhookSubscription.id)
    )
    rows = await session.execute(stmt)
    return [(sub, account_id, scopes) for sub, account_id, scopes in rows if account_id is not None]


async def live_token_scopes(
    session: AsyncSession, app_id: int, account_id: int, now: datetime
) -> list[str]:
    """The scopes of each live token the account holds for the app (empty: not authorized)."""
    stmt = select(OAuthToken.scopes).where(
        OAuthToken.app_id == app_id, OAuthToken.account_id == account_id, _live(now)
    )
    return list(await session.scalars(stmt))


async def add_deliveries(session: AsyncSession, deliveries: list[WebhookDelivery]) -> None:
    session.add_all(deliveries)
    await session.flush()


async def claim(session: AsyncSession, delivery_id: int, now: datetime, until: datetime) -> bool:
    """Take a due delivery for one attempt: it is not due again before `until` (when the
    attempt, had its process died, is taken up by another). One claimant wins."""
    result = await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.next_attempt_at.is_not(None),
            WebhookDelivery.next_attempt_at <= now,
        )
        .values(next_attempt_at=until)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def delivery_with_subscription(
    session: AsyncSession, delivery_id: int, *, for_update: bool = False
) -> tuple[WebhookDelivery, WebhookSubscription] | None:
    stmt = (
        select(WebhookDelivery, WebhookSubscription)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(WebhookDelivery.id == delivery_id)
    )
    if for_update:
        stmt = stmt.with_for_update(of=WebhookDelivery)
    row = (await session.execute(stmt)).first()
    return None if row is None else (row[0], row[1])


async def delivery_of_subscription(
    session: AsyncSession, subscription_id: int, delivery_id: int
) -> WebhookDelivery | None:
    stmt = select(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.subscription_id == subscription_id
    )
    return await session.scalar(stmt)


async def due_ids(session: AsyncSession, now: datetime, limit: int) -> list[int]:
    stmt = (
        select(WebhookDelivery.id)
        .where(WebhookDelivery.next_attempt_at.is_not(None), WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def deliveries_page(
    session: AsyncSession, subscription_id: int, page: Page
) -> list[WebhookDelivery]:
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
    rows = list(await session.scalars(paged(stmt, WebhookDelivery.id, page)))
    return newest_first(rows, page)


async def delete_older_than(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.execute(
        delete(WebhookDelivery)
        .where(WebhookDelivery.created_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
