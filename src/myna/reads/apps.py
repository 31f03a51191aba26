"""The developer portal's reads: the apps an account registered, one of them (its owner only),
and its calls and errors per day."""

from dataclasses import dataclass
from datetime import date, timedelta

from myna.backends.usage import UsageCounter
from myna.db.database import Database
from myna.lib.clock import utcnow
from myna.models import OAuthApp
from myna.policy.apps import access_own_app
from myna.store import oauth as store

USAGE_DAYS = 30


@dataclass(frozen=True)
class DayUsage:
    day: date
    calls: int
    errors: int


class AppReads:
    def __init__(self, db: Database, usage: UsageCounter | None = None) -> None:
        self.db = db
        self.counter = usage

    async def owned_apps(self, account_id: int) -> list[OAuthApp]:
        async with self.db.session() as session:
            return await store.apps_of_owner(session, account_id)

    async def owned_app(self, account_id: int, app_id: int) -> OAuthApp:
        """NotFound unless the account registered the app."""
        async with self.db.session() as session:
            return await access_own_app(session, account_id, app_id)

    async def usage(
        self, account_id: int, app_id: int, days: int = USAGE_DAYS, today: date | None = None
    ) -> list[DayUsage]:
        """One entry per UTC day, the oldest first and today last, days without calls as
        zeros. What this process counted and has not flushed yet is included."""
        today = today or utcnow().date()
        first = today - timedelta(days=days - 1)
        async with self.db.session() as session:
            await access_own_app(session, account_id, app_id)
            stored = {
                day: (calls, errors)
                for day, calls, errors in await store.usage_of_app(session, app_id, first)
            }
        pending = self.counter.pending(app_id) if self.counter is not None else {}
        out = []
        for offset in range(days):
            day = first + timedelta(days=offset)
            calls, errors = stored.get(day, (0, 0))
            more_calls, more_errors = pending.get(day, (0, 0))
            out.append(DayUsage(day, calls + more_calls, errors + more_errors))
        return out
