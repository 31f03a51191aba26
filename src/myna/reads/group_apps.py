"""The apps added to a group, as its owner and admins see them."""

from myna.db.database import Database
from myna.models import GroupApp, OAuthApp
from myna.policy import groups as rules
from myna.store import group_apps as store


class GroupAppReads:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def apps(self, viewer_id: int, group_id: int) -> list[tuple[GroupApp, OAuthApp]]:
        """Owner or admin only (403 to members; a secret group is a 404 to outsiders)."""
        async with self.db.session() as session:
            _group, role = await rules.access_group(session, viewer_id, group_id)
            rules.check_manager(role)
            return await store.apps_of_group(session, group_id)
