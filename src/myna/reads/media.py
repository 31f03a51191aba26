"""An upload read back by its owner before it is posted (posted media are read through their
status, under its visibility)."""

from myna.db.database import Database
from myna.lib.errors import NotFound
from myna.models import MediaAttachment
from myna.store import media as store


class MediaReads:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def own_unposted(self, account_id: int, media_id: int) -> MediaAttachment:
        """One's own upload that no status shows yet (a scheduled status's still counts, as
        on Mastodon). Someone else's, a posted one and a missing one are all not found."""
        async with self.db.session() as session:
            media = await store.get_own(session, account_id, media_id)
        if media is None or media.status_id is not None:
            raise NotFound()
        return media
