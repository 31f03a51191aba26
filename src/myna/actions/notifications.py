from sqlalchemy.ext.asyncio import AsyncSession

from myna.db.database import Database
from myna.events import messages as channels_for
from myna.events.messages import Message
from myna.events.publish import Publisher, publish_on_commit
from myna.lib.clock import utcnow
from myna.lib.errors import NotFound
from myna.lib.ids import new_id
from myna.models import Notification, NotificationType
from myna.policy.access import blocked_either_way
from myna.store import notifications as store


async def notify(
    session: AsyncSession,
    broker: Publisher,
    *,
    recipient_id: int,
    from_account_id: int,
    type_: NotificationType,
    status_id: int | None = None,
    report_id: int | None = None,
    audit_id: int | None = None,
    to_self: bool = False,
) -> None:
    """Inside the caller's transaction. Nobody is notified of their own acts (unless
    `to_self`: a poll's author hears that it ended) or by someone on the other side of a
    block; mutes are applied when notifications are read."""
    if recipient_id == from_account_id and not to_self:
        return
    if await blocked_either_way(session, recipient_id, from_account_id):
        return
    notification_id = new_id()
    await store.add(
        session,
        Notification(
            id=notification_id,
            account_id=recipient_id,
            from_account_id=from_account_id,
            type=type_.value,
            status_id=status_id,
            report_id=report_id,
            audit_id=audit_id,
            created_at=utcnow(),
        ),
    )
    publish_on_commit(
        session,
        broker,
        [channels_for.notification(recipient_id)],
        Message(
            event="notification", notification_id=notification_id, account_ids=[from_account_id]
        ),
    )


class NotificationActions:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def do_dismiss(self, account_id: int, notification_id: int) -> None:
        async with self.db.transaction() as session:
            if not await store.dismiss(session, account_id, notification_id):
                raise NotFound()

    async def do_clear(self, account_id: int) -> None:
        async with self.db.transaction() as session:
            await store.clear(session, account_id)
