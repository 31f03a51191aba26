"""Apps added to a group: its owner and admins add and remove them. An app added to a group
hears of the group's events through its webhook subscriptions (actions/webhooks.py,
policy/webhooks.py); removing it stops what is pending too."""

from myna.db.database import Database
from myna.lib.clock import utcnow
from myna.lib.errors import NotFound, ValidationFailed
from myna.models import GroupApp, OAuthApp
from myna.policy import groups as rules
from myna.store import group_apps as store
from myna.store import groups as group_store
from myna.store import oauth as oauth_store

CLIENT_ID_MAX = 64


class GroupAppActions:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def do_add(
        self, viewer_id: int, group_id: int, client_id: str
    ) -> tuple[GroupApp, OAuthApp]:
        """Owner or admin: add the app with this client_id (adding it again changes nothing).
        An unknown client_id is a 404."""
        client_id = client_id.strip()
        if not client_id:
            raise ValidationFailed("Validation failed: client_id can't be blank")
        if len(client_id) > CLIENT_ID_MAX:
            raise NotFound()
        async with self.db.transaction() as session:
            await group_store.lock(session, group_id)
            _group, role = await rules.access_group(session, viewer_id, group_id)
            rules.check_manager(role)
            app = await oauth_store.app_by_client_id(session, client_id)
            if app is None:
                raise NotFound()
            await store.add(
                session,
                GroupApp(group_id=group_id, app_id=app.id, added_by=viewer_id, created_at=utcnow()),
            )
            found = await store.app_of_group(session, group_id, app.id)
        if found is None:  # pragma: no cover - removed between the insert and the read
            raise NotFound()
        return found

    async def do_remove(self, viewer_id: int, group_id: int, app_id: int) -> None:
        """Owner or admin: remove the app; its pending deliveries of the group's events are
        refused at their next attempt. An app not added is a 404."""
        async with self.db.transaction() as session:
            await group_store.lock(session, group_id)
            _group, role = await rules.access_group(session, viewer_id, group_id)
            rules.check_manager(role)
            if not await store.remove(session, group_id, app_id):
                raise NotFound()
