"""What an account keeps for itself: bookmarks and pinned statuses. Nobody else is told, so
these writes publish no events."""

from sqlalchemy.ext.asyncio import AsyncSession

from myna.db.database import Database
from myna.lib.clock import utcnow
from myna.lib.errors import ValidationFailed
from myna.lib.ids import new_id
from myna.models import Bookmark, Pin, Status
from myna.policy.access import access_status
from myna.policy.pins import PIN_LIMIT, why_not_pinnable
from myna.store import collections as store


def check_pinnable(viewer_id: int, status: Status) -> None:
    if status.account_id != viewer_id:
        raise ValidationFailed("Validation failed: Only your own posts can be pinned")
    reason = why_not_pinnable(status)
    if reason is not None:
        raise ValidationFailed(reason)


class CollectionActions:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def do_bookmark(self, viewer_id: int, status_id: int) -> Status:
        async with self.db.transaction() as session:
            status = await _original(session, viewer_id, status_id)
            await store.add(session, Bookmark, new_id(), viewer_id, status.id, utcnow())
            return status

    async def do_unbookmark(self, viewer_id: int, status_id: int) -> Status:
        async with self.db.transaction() as session:
            status = await _original(session, viewer_id, status_id)
            await store.remove(session, Bookmark, viewer_id, status.id)
            return status

    async def do_pin(self, viewer_id: int, status_id: int) -> Status:
        async with self.db.transaction() as session:
            status = await access_status(session, viewer_id, status_id)
            check_pinnable(viewer_id, status)
            await store.lock_account(session, viewer_id)
            if await store.holds(session, Pin, viewer_id, status.id):
                return status
            if await store.count_pins(session, viewer_id) >= PIN_LIMIT:
                raise ValidationFailed(f"Validation failed: You can pin at most {PIN_LIMIT} posts")
            await store.add(session, Pin, new_id(), viewer_id, status.id, utcnow())
            return status

    async def do_unpin(self, viewer_id: int, status_id: int) -> Status:
        async with self.db.transaction() as session:
            status = await access_status(session, viewer_id, status_id)
            if status.account_id != viewer_id:
                raise ValidationFailed("Validation failed: Only your own posts can be unpinned")
            await store.remove(session, Pin, viewer_id, status.id)
            return status


async def _original(session: AsyncSession, viewer_id: int, status_id: int) -> Status:
    """A bookmark keeps the status itself: for a repost, its original (both must be visible)."""
    status = await access_status(session, viewer_id, status_id)
    if status.reblog_of_id is not None:
        return await access_status(session, viewer_id, status.reblog_of_id)
    return status


__all__ = ["CollectionActions", "check_pinnable"]
