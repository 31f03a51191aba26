from myna.db.database import Database
from myna.lib.clock import utcnow
from myna.lib.errors import ValidationFailed
from myna.models import Marker
from myna.store import markers as store

TIMELINES = ("home", "notifications")


class MarkerActions:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def do_save(self, account_id: int, positions: dict[str, int]) -> list[Marker]:
        unknown = [name for name in positions if name not in TIMELINES]
        if unknown:
            raise ValidationFailed(f"Unknown timeline: {', '.join(unknown)}")
        now = utcnow()
        async with self.db.transaction() as session:
            return [
                await store.save(session, account_id, timeline, last_read_id, now)
                for timeline, last_read_id in positions.items()
            ]
