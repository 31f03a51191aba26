from myna.db.database import Database
from myna.models import Marker
from myna.store import markers as store


class MarkerReads:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, account_id: int, timelines: list[str]) -> list[Marker]:
        async with self.db.session() as session:
            return await store.get_many(session, account_id, timelines)
