"""Counting API calls per app and UTC day for the developer portal, without writing the
database on every request: each server process adds to a dictionary in its memory, and the
housekeeping loop (and shutting down) flushes it with one additive upsert. Several processes
each flush their own counts; adding makes the totals right whatever the order.

A process that dies loses what it counted since its last flush (at most one housekeeping
interval of calls): these are statistics, not bills."""

import asyncio
import logging
from collections.abc import Callable
from datetime import date, datetime

from myna.db.database import Database
from myna.lib.clock import utcnow
from myna.store import oauth as store

log = logging.getLogger("myna.usage")

Counts = dict[tuple[int, date], tuple[int, int]]


class UsageCounter:
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.clock = clock
        self.counts: Counts = {}
        self._flushing = asyncio.Lock()

    def count(self, app_id: int, *, error: bool) -> None:
        """One call of the app's, answered with an error or not. No I/O: per request."""
        key = (app_id, self.clock().date())
        calls, errors = self.counts.get(key, (0, 0))
        self.counts[key] = (calls + 1, errors + int(error))

    def pending(self, app_id: int) -> dict[date, tuple[int, int]]:
        """What this process counted for the app and has not flushed yet, per day."""
        return {day: found for (app, day), found in self.counts.items() if app == app_id}

    async def flush(self, _now: datetime | None = None) -> int:
        """Adds the counts to the database; how many (app, day) rows it touched. On failure
        the counts are kept for the next flush (a housekeeping sweep's signature)."""
        async with self._flushing:
            taken, self.counts = self.counts, {}
            if not taken:
                return 0
            try:
                async with self.db.transaction() as session:
                    await store.add_usage(session, taken)
            except BaseException:
                # Put them back, added to what arrived meanwhile, then let the error go on.
                for key, (calls, errors) in taken.items():
                    more_calls, more_errors = self.counts.get(key, (0, 0))
                    self.counts[key] = (calls + more_calls, errors + more_errors)
                raise
            return len(taken)

    async def close(self) -> None:
        try:
            await self.flush()
        except Exception:
            log.exception("usage: the last counts could not be saved")
