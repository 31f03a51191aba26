"""create_app(settings): the one place where routers, middleware and lifespan are wired."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import Response
from starlette.staticfiles import StaticFiles

from myna import __version__
from myna.api import errors, openapi
from myna.api.mastodon import (
    accounts,
    admin,
    admin_trends,
    bookmarks,
    conversations,
    edits,
    filters,
    instance,
    lists,
    media,
    notifications,
    polls,
    reports,
    scheduled,
    search,
    statuses,
    suggestions,
    tags,
    timelines,
    trends,
)
from myna.api.myna import data as data_routes
from myna.api.myna import groups, im, moderation, presence
from myna.api.myna import webhooks as webhook_routes
from myna.api.ratelimits import RateLimits
from myna.api.schemas import webhooks as webhook_payloads
from myna.config import Settings
from myna.container import Container, build
from myna.gateway.service import Gateway
from myna.oauth import routes as oauth_routes
from myna.streaming import routes as streaming_routes
from myna.streaming.hub import Hub
from myna.web import account_deletion as web_account_deletion
from myna.web import admin as web_admin
from myna.web import admin_settings as web_admin_settings
from myna.web import developers as web_developers
from myna.web import discovery as web_discovery
from myna.web import groups as web_groups
from myna.web import home as web_home
from myna.web import media as media_files
from myna.web import messages as web_messages
from myna.web import notifications as web_notifications
from myna.web import profiles as web_profiles
from myna.web import routes as web_routes
from myna.web import settings as web_settings
from myna.web import statuses as web_statuses

STATIC = Path(__file__).parent / "web" / "static"


def create_app(settings: Settings | None = None, container: Container | None = None) -> FastAPI:
    settings = settings or Settings()
    services = container or build(settings)
    webhook_payloads.install(services)  # this process sends webhooks

    hub = Hub(services)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await hub.start()
        gateway = None
        if settings.xmpp_secret and settings.xmpp_in_serve:
            # Embedded mode: the IM gateway lives in this process and hears its events.
            gateway = Gateway(services, hub, settings)
            await gateway.start()
        chores = None
        if settings.housekeeping_interval_seconds > 0:
            chores = asyncio.create_task(
                services.housekeeping.run_forever(settings.housekeeping_interval_seconds)
            )
        yield
        if chores is not None:
            chores.cancel()
            with suppress(asyncio.CancelledError):
                await chores
        if gateway is not None:
            await gateway.stop()
        await hub.stop()
        await services.close()

    app = FastAPI(
        title="Myna",
        version=__version__,
        description=(
            "Mastodon-compatible client API of Myna, a self-hosted microblog. "
            "Authenticate with OAuth 2.0 bearer tokens "
            "(see /.well-known/oauth-authorization-server). "
            'Errors are JSON: {"error": ..., "error_description": ...}.'
        ),
        openapi_url="/openapi.json",
        docs_url=None,  # served by api.openapi.install, without a CDN
        redoc_url=None,
        default_response_class=Response,
        lifespan=lifespan,
    )
    app.state.container = services
    app.state.hub = hub
    errors.install(app)
    # Inside Starlette's error middleware, outside the routes: error answers get the headers too.
    app.add_middleware(
        RateLimits,
        limiter=services.rate_limiter,
        tokens=services.token_reads,
        usage=services.app_usage,
    )
    for module in (
        instance,
        accounts,
        statuses,
        bookmarks,
        edits,
        timelines,
        lists,
        notifications,
        filters,
        media,
        polls,
        scheduled,
        conversations,
        search,
        presence,
        im,
        groups,
        webhook_routes,
        suggestions,
        tags,
        trends,
        admin_trends,
        reports,
        admin,
        moderation,
        data_routes,
    ):
        app.include_router(module.router)
    app.include_router(oauth_routes.router)
    app.include_router(streaming_routes.router)
    app.include_router(media_files.router)
    for web in (
        web_routes,
        web_home,
        web_statuses,
        web_notifications,
        web_messages,
        web_groups,
        web_settings,
        web_account_deletion,
        web_developers,
        web_discovery,
        web_admin,
        web_admin_settings,
        web_profiles,  # last: /@{username} and /@{username}/{id} match many paths
    ):
        app.include_router(web.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    openapi.install(app)
    return app


def app_from_env() -> FastAPI:
    """For `uvicorn --factory myna.app:app_from_env`."""
    return create_app(Settings())
