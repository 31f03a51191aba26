"""Scheduled statuses: a post kept with its parameters until its time, then posted by the
housekeeping loop exactly as if its author had posted it then."""

import dataclasses
import logging
from datetime import datetime, timedelta
from typing import Any

from myna.actions.media import MediaActions
from myna.actions.polls import NewPoll
from myna.actions.statuses import NewStatus, StatusActions
from myna.db.database import Database
from myna.lib.clock import as_utc, utcnow
from myna.lib.errors import MynaError, NotFound, ValidationFailed
from myna.lib.ids import new_id
from myna.models import ScheduledStatus, Visibility
from myna.store import scheduled as store

log = logging.getLogger(__name__)

# Mastodon's limits: at least five minutes ahead, 300 waiting, 25 on any one day.
MIN_LEAD = timedelta(minutes=5)
MAX_WAITING = 300
MAX_PER_DAY = 25
SWEEP_BATCH = 100


def encode(new: NewStatus) -> dict[str, Any]:
    """What is kept of a post until its time. Its idempotency key and app are not: the key
    answered the scheduling request and the app is a column of its own."""
    params = dataclasses.asdict(new)
    params.pop("idempotency_key", None)
    params.pop("app_id", None)
    return params


def decode(params: dict[str, Any], app_id: int | None) -> NewStatus:
    known = {f.name for f in dataclasses.fields(NewStatus)}
    values = {k: v for k, v in params.items() if k in known}
    if values.get("visibility") is not None:
        values["visibility"] = Visibility(values["visibility"])
    values["media_ids"] = tuple(values.get("media_ids") or ())
    if values.get("poll") is not None:
        poll = values["poll"]
        values["poll"] = NewPoll(
            options=tuple(poll["options"]),
            expires_in=poll["expires_in"],
            multiple=poll.get("multiple", False),
            hide_totals=poll.get("hide_totals", False),
        )
    return NewStatus(**values, app_id=app_id)


def check_time(at: datetime, now: datetime) -> datetime:
    at = as_utc(at)
    if at < now + MIN_LEAD:
        raise ValidationFailed(
            "Validation failed: Scheduled at must be at least 5 minutes in the future"
        )
    return at


class ScheduledActions:
    def __init__(self, db: Database, statuses: StatusActions, media: MediaActions) -> None:
        self.db = db
        self.statuses = statuses
        self.media = media

    async def do_schedule(self, author_id: int, new: NewStatus, at: datetime) -> ScheduledStatus:
        now = utcnow()
        at = check_time(at, now)
        self.statuses.check(new)
        async with self.db.transaction() as session:
            await self._check_room(session, author_id, at, ignore=None)
            row = ScheduledStatus(
                id=new_id(),
                account_id=author_id,
                scheduled_at=at,
                params=encode(new),
                app_id=new.app_id,
                created_at=now,
            )
            await store.add(session, row)
            if new.media_ids:
                await self.media.reserve(session, author_id, row.id, new.media_ids)
            return row

    async def do_reschedule(self, author_id: int, scheduled_id: int, at: datetime) -> None:
        at = check_time(at, utcnow())
        async with self.db.transaction() as session:
            row = await store.get(session, scheduled_id)
            if row is None or row.account_id != author_id:
                raise NotFound()
            await self._check_room(session, author_id, at, ignore=row)
            row.scheduled_at = at

    async def do_cancel(self, author_id: int, scheduled_id: int) -> None:
        """Its media become unattached uploads again (cleaned up like any other)."""
        async with self.db.transaction() as session:
            row = await store.get(session, scheduled_id)
            if row is None or row.account_id != author_id:
                raise NotFound()
            await self.media.release(session, scheduled_id)
            await store.delete_one(session, scheduled_id)

    async def _check_room(
        self, session: Any, author_id: int, at: datetime, ignore: ScheduledStatus | None
    ) -> None:
        waiting = await store.count_of(session, author_id) - (1 if ignore else 0)
        if waiting >= MAX_WAITING:
            raise ValidationFailed(
                f"Validation failed: You cannot schedule more than {MAX_WAITING} statuses"
            )
        day = at.replace(hour=0, minute=0, second=0, microsecond=0)
        same_day = await store.count_of(session, author_id, between=(day, day + timedelta(1)))
        if ignore is not None and day <= as_utc(ignore.scheduled_at) < day + timedelta(1):
            same_day -= 1
        if same_day >= MAX_PER_DAY:
            raise ValidationFailed(
                f"Validation failed: You cannot schedule more than {MAX_PER_DAY} statuses "
                "on one day"
            )

    async def sweep(self, now: datetime) -> int:
        """Post what is due; returns how many were posted. Safe to run in several processes
        at once: each row is claimed (deleted) in the transaction that posts it."""
        async with self.db.session() as session:
            due = await store.due_ids(session, now, SWEEP_BATCH)
        posted = 0
        for scheduled_id in due:
            posted += await self._publish(scheduled_id)
        return posted

    async def _publish(self, scheduled_id: int) -> int:
        try:
            async with self.db.transaction() as session:
                row = await store.claim(session, scheduled_id)
                if row is None:
                    return 0  # another worker posted it, or it was cancelled
                await self.media.release(session, scheduled_id)
                await self.statuses.post_in(session, row.account_id, decode(row.params, row.app_id))
                return 1
        except MynaError as exc:
            # What was fine when scheduled may not be now (the reply target is gone, the
            # group left): like Mastodon, the post is dropped; its uploads are freed.
            log.warning("scheduled status %s could not be posted: %s", scheduled_id, exc.message)
            async with self.db.transaction() as session:
                await self.media.release(session, scheduled_id)
                await store.delete_one(session, scheduled_id)
            return 0
