"""Dismissing a follow suggestion: the account is never suggested to the viewer again. Only
the viewer's own suggestions change, so no event is published."""

from myna.db.database import Database
from myna.lib.clock import utcnow
from myna.policy.access import access_account
from myna.store import suggestions as store


class SuggestionActions:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def do_dismiss(self, viewer_id: int, account_id: int) -> None:
        """NotFound for an unknown account."""
        async with self.db.transaction() as session:
            await access_account(session, account_id)
            await store.dismiss(session, viewer_id, account_id, utcnow())
