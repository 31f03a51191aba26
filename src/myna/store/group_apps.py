"""Apps added to groups, and the webhook subscriptions that hear of a group's events."""

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from myna.models import GroupApp, GroupMember, OAuthApp, Status, WebhookSubscription
from myna.store.upsert import insert_ignore


async def add(session: AsyncSession, row: GroupApp) -> None:
    """Add the app; adding it again changes nothing (the first adder stays)."""
    await insert_ignore(
        session,
        GroupApp,
        [
            {
                "group_id": row.group_id,
                "app_id": row.app_id,
                "added_by": row.added_by,
                "created_at": row.created_at,
            }
        ],
    )


async def remove(session: AsyncSession, group_id: int, app_id: int) -> bool:
    result = await session.execute(
        delete(GroupApp)
        .where(GroupApp.group_id == group_id, GroupApp.app_id == app_id)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def apps_of_group(session: AsyncSession, group_id: int) -> list[tuple[GroupApp, OAuthApp]]:
    """The group's apps, most recently added first."""
    stmt = (
        select(GroupApp, OAuthApp)
        .join(OAuthApp, OAuthApp.id == GroupApp.app_id)
        .where(GroupApp.group_id == group_id)
        .order_by(GroupApp.created_at.desc(), GroupApp.app_id.desc())
    )
    return [(row, app) for row, app in await session.execute(stmt)]


async def app_of_group(
    session: AsyncSession, group_id: int, app_id: int
) -> tuple[GroupApp, OAuthApp] | None:
    stmt = (
        select(GroupApp, OAuthApp)
        .join(OAuthApp, OAuthApp.id == GroupApp.app_id)
        .where(GroupApp.group_id == group_id, GroupApp.app_id == app_id)
    )
    row = (await session.execute(stmt)).first()
    return None if row is None else (row[0], row[1])


async def subscriptions(
    session: AsyncSession, group_id: int
) -> list[tuple[WebhookSubscription, int]]:
    """Active subscriptions of the apps added to the group: (subscription, who added the app)."""
    stmt = (
        select(WebhookSubscription, GroupApp.added_by)
        .join(GroupApp, GroupApp.app_id == WebhookSubscription.app_id)
        .where(GroupApp.group_id == group_id, WebhookSubscription.active.is_(True))
        .order_by(WebhookSubscription.id)
    )
    return [(sub, added_by) for sub, added_by in await session.execute(stmt)]


async def is_added(session: AsyncSession, group_id: int, app_id: int) -> bool:
    stmt = select(exists().where(GroupApp.group_id == group_id, GroupApp.app_id == app_id))
    return bool(await session.scalar(stmt))


async def status_in_group(session: AsyncSession, group_id: int, status_id: int) -> bool:
    stmt = select(exists().where(Status.id == status_id, Status.group_id == group_id))
    return bool(await session.scalar(stmt))


async def is_member(session: AsyncSession, group_id: int, account_id: int) -> bool:
    stmt = select(
        exists().where(GroupMember.group_id == group_id, GroupMember.account_id == account_id)
    )
    return bool(await session.scalar(stmt))
