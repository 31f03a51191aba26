"""Who may manage an application in the developer portal: the account that registered it,
nobody else. Another person's app, and an app registered anonymously through the API, are
missing to everyone (404), like an app that never was."""

from sqlalchemy.ext.asyncio import AsyncSession

from myna.lib.errors import NotFound
from myna.models import OAuthApp
from myna.store import oauth as store


def owns(app: OAuthApp, account_id: int) -> bool:
    return app.owner_id is not None and app.owner_id == account_id


async def access_own_app(session: AsyncSession, account_id: int, app_id: int) -> OAuthApp:
    app = await store.app_by_id(session, app_id)
    if app is None or not owns(app, account_id):
        raise NotFound()
    return app
