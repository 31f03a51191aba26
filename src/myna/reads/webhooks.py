"""An app's webhook subscriptions and their recent deliveries. Everything is the app's own:
another app's subscription is missing, not forbidden."""

from myna.db.database import Database
from myna.lib.errors import NotFound
from myna.lib.paging import Page
from myna.models import WebhookDelivery, WebhookSubscription
from myna.reads.bundle import StatusBundle, load_statuses
from myna.store import statuses as status_store
from myna.store import webhooks as store


class WebhookReads:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def subscriptions(self, app_id: int) -> list[WebhookSubscription]:
        async with self.db.session() as session:
            return await store.subscriptions_of_app(session, app_id)

    async def subscription(self, app_id: int, subscription_id: int) -> WebhookSubscription:
        async with self.db.session() as session:
            found = await store.subscription_of_app(session, app_id, subscription_id)
        if found is None:
            raise NotFound()
        return found

    async def deliveries(
        self, app_id: int, subscription_id: int, page: Page
    ) -> list[WebhookDelivery]:
        """Newest first."""
        async with self.db.session() as session:
            if await store.subscription_of_app(session, app_id, subscription_id) is None:
                raise NotFound()
            return await store.deliveries_page(session, subscription_id, page)

    async def delivery(
        self, app_id: int, subscription_id: int, delivery_id: int
    ) -> WebhookDelivery:
        async with self.db.session() as session:
            if await store.subscription_of_app(session, app_id, subscription_id) is None:
                raise NotFound()
            found = await store.delivery_of_subscription(session, subscription_id, delivery_id)
        if found is None:
            raise NotFound()
        return found

    async def group_status(self, status_id: int) -> StatusBundle | None:
        """A group post as a group event shows it: rendered for no viewer (no one's favourites
        or bookmarks), once the caller checked that the app is added to its group. None when
        the post is gone (or not a group post)."""
        async with self.db.session() as session:
            status = await status_store.get(session, status_id)
            if status is None or status.group_id is None:
                return None
            return await load_statuses(session, None, [status])
