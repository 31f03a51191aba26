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
        out = []
        async with self.db.transaction() as session:
            for timeline, last_read_id in positions.items():
                marker = await store.get(session, account_id, timeline)
                if marker is None:
                    marker = Marker(
                        account_id=account_id,
                        timeline=timeline,
                        last_read_id=last_read_id,
                        version=1,
                        updated_at=utcnow(),
                    )
                    await store.add(session, marker)
                else:
                    marker.last_read_id = last_read_id
                    marker.version += 1
                    marker.updated_at = utcnow()
                out.append(marker)
        return out
