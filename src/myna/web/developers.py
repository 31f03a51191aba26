"""The developer portal: a person's own API applications. Registering one (the same action as
POST /api/v1/apps, with the person as owner), its client id, a new secret, its settings, its
calls and errors per day, its webhooks and their deliveries, deleting it.

Only the owner sees an app: anyone else, and apps registered anonymously through the API, get
a 404. Client secrets are kept only as digests, so a secret is on the page once, in the answer
that made it (registering, rotating); so is a webhook's signing secret. Webhooks are managed
here on the owner's behalf through the same actions as /api/v1/myna/webhooks (which needs the
app's own token)."""

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from myna.actions.webhooks import NewSubscription
from myna.lib.errors import ValidationFailed
from myna.lib.paging import Page
from myna.models import Account, OAuthApp, WebhookDelivery, WebhookSubscription
from myna.policy import scopes as scope_rules
from myna.policy.webhooks import EVENTS
from myna.reads.apps import DayUsage
from myna.web import render, session
from myna.web.render import WebRoute

router = APIRouter(include_in_schema=False, route_class=WebRoute)

DELIVERIES_SHOWN = 10
# The usage chart's drawing area, in SVG user units.
CHART_WIDTH = 600
CHART_HEIGHT = 140
CHART_TOP = 10

# The scope checkboxes: each top-level scope with the granular ones it contains.
SCOPE_GROUPS: list[tuple[str, list[str]]] = [
    ("read", [f"read:{s}" for s in scope_rules.READ]),
    ("write", [f"write:{s}" for s in scope_rules.WRITE]),
    ("follow", []),
    ("push", []),
    ("profile", []),
]


@dataclass(frozen=True)
class Bar:
    """One day of the usage chart, already in SVG coordinates."""

    day: DayUsage
    x: float
    width: float
    calls_y: float
    calls_height: float
    errors_y: float
    errors_height: float


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int
    peak: int
    total_calls: int
    total_errors: int


def chart(days: list[DayUsage]) -> Chart:
    peak = max((day.calls for day in days), default=0)
    slot = CHART_WIDTH / max(1, len(days))
    bottom = CHART_TOP + CHART_HEIGHT
    bars = []
    for index, day in enumerate(days):
        calls_height = CHART_HEIGHT * day.calls / peak if peak else 0.0
        errors_height = CHART_HEIGHT * day.errors / peak if peak else 0.0
        bars.append(
            Bar(
                day=day,
                x=round(index * slot + 1, 2),
                width=round(slot - 2, 2),
                calls_y=round(bottom - calls_height, 2),
                calls_height=round(calls_height, 2),
                errors_y=round(bottom - errors_height, 2),
                errors_height=round(errors_height, 2),
            )
        )
    return Chart(
        bars=bars,
        width=CHART_WIDTH,
        height=bottom + 20,
        peak=peak,
        total_calls=sum(day.calls for day in days),
        total_errors=sum(day.errors for day in days),
    )


@dataclass(frozen=True)
class Subscription:
    subscription: WebhookSubscription
    deliveries: list[WebhookDelivery]


def delivery_state(delivery: WebhookDelivery) -> str:
    if delivery.next_attempt_at is not None:
        return "pending"
    return "delivered" if delivery.delivered_at is not None else "failed"


def _app_fields(form: FormData) -> dict[str, Any]:
    chosen = [s for s in form.getlist("scopes") if isinstance(s, str)]
    return {
        "name": render.text(form, "name"),
        "website": render.text(form, "website"),
        "redirect_uris": render.text(form, "redirect_uris"),
        "scopes": chosen,
    }


def _fields_of(app: OAuthApp) -> dict[str, Any]:
    return {
        "name": app.name,
        "website": app.website or "",
        "redirect_uris": app.redirect_uris,
        "scopes": app.scopes.split(),
    }


def _blank_fields() -> dict[str, Any]:
    return {"name": "", "website": "", "redirect_uris": "", "scopes": ["read"]}


def _confirmed(form: FormData) -> bool:
    return form.get("confirm") == "1"


# The list of apps and the registration form


async def _index(request: Request, me: Account, status: int = 200, **context: Any) -> HTMLResponse:
    apps = await session.container(request).app_reads.owned_apps(me.id)
    context.setdefault("fields", _blank_fields())
    context.setdefault("error", None)
    return await render.render(
        request,
        "developers.html",
        status,
        section="developers",
        apps=apps,
        scope_groups=SCOPE_GROUPS,
        deleted=request.query_params.get("deleted") == "1",
        **context,
    )


@router.get("/developers")
async def developers(request: Request) -> Response:
    return await _index(request, await render.me(request))


@router.post("/developers/apps")
async def register_app(request: Request) -> Response:
    me = await render.me(request)
    form = await render.form(request)
    _ = render.translator(request)
    fields = _app_fields(form)
    try:
        made = await session.container(request).app_actions.do_create_app(
            name=fields["name"],
            redirect_uris=fields["redirect_uris"],
            scopes=" ".join(fields["scopes"]),
            website=fields["website"],
            owner_id=me.id,
        )
    except ValidationFailed as rejected:
        return await _index(request, me, 422, error=_(rejected.message), fields=fields)
    return await _app_page(request, me, made.app, 201, client_secret=made.client_secret)


# One app


async def _app_page(
    request: Request, me: Account, app: OAuthApp, status: int = 200, **context: Any
) -> HTMLResponse:
    c = session.container(request)
    subscriptions = [
        Subscription(
            found,
            await c.webhook_reads.deliveries(app.id, found.id, Page(limit=DELIVERIES_SHOWN)),
        )
        for found in await c.webhook_reads.subscriptions(app.id)
    ]
    context.setdefault("fields", _fields_of(app))
    context.setdefault("error", None)
    context.setdefault("webhook_error", None)
    context.setdefault("webhook_url", "")
    context.setdefault("webhook_events", [])
    return await render.render(
        request,
        "developers_app.html",
        status,
        section="developers",
        app=app,
        chart=chart(await c.app_reads.usage(me.id, app.id)),
        subscriptions=subscriptions,
        events=list(EVENTS),
        delivery_state=delivery_state,
        scope_groups=SCOPE_GROUPS,
        notice=request.query_params.get("done", ""),
        **context,
    )


async def _own_app(request: Request, me: Account, app_id: str) -> OAuthApp:
    """The app if `me` registered it; NotFound (a 404 page) otherwise."""
    return await session.container(request).app_reads.owned_app(me.id, render.path_id(app_id))


def _done(app: OAuthApp, what: str) -> Response:
    return render.redirect(f"/developers/apps/{app.id}?done={what}")


@router.get("/developers/apps/{app_id}")
async def app_page(request: Request, app_id: str) -> Response:
    me = await render.me(request)
    return await _app_page(request, me, await _own_app(request, me, app_id))


@router.post("/developers/apps/{app_id}")
async def edit_app(request: Request, app_id: str) -> Response:
    me = await render.me(request)
    app = await _own_app(request, me, app_id)
    form = await render.form(request)
    _ = render.translator(request)
    fields = _app_fields(form)
    try:
        app = await session.container(request).app_actions.do_update_app(
            me.id,
            app.id,
            name=fields["name"],
            redirect_uris=fields["redirect_uris"],
            scopes=" ".join(fields["scopes"]),
            website=fields["website"],
        )
    except ValidationFailed as rejected:
        return await _app_page(request, me, app, 422, error=_(rejected.message), fields=fields)
    return _done(app, "saved")


@router.post("/developers/apps/{app_id}/rotate_secret")
async def rotate_secret(request: Request, app_id: str) -> Response:
    me = await render.me(request)
    app = await _own_app(request, me, app_id)
    form = await render.form(request)
    _ = render.translator(request)
    if not _confirmed(form):
        error = _("Tick the box to confirm that the old secret should stop working.")
        return await _app_page(request, me, app, 422, secret_error=error)
    made = await session.container(request).app_actions.do_rotate_secret(me.id, app.id)
    return await _app_page(request, me, made.app, client_secret=made.client_secret)


@router.post("/developers/apps/{app_id}/delete")
async def delete_app(request: Request, app_id: str) -> Response:
    me = await render.me(request)
    app = await _own_app(request, me, app_id)
    form = await render.form(request)
    _ = render.translator(request)
    if not _confirmed(form):
        error = _("Tick the box to confirm that the app and its tokens should be deleted.")
        return await _app_page(request, me, app, 422, delete_error=error)
    await session.container(request).app_actions.do_delete_app(me.id, app.id)
    return render.redirect("/developers?deleted=1")


# Its webhooks


@router.post("/developers/apps/{app_id}/webhooks")
async def create_webhook(request: Request, app_id: str) -> Response:
    me = await render.me(request)
    app = await _own_app(request, me, app_id)
    form = await render.form(request)
    _ = render.translator(request)
    url = render.text(form, "url")
    events = [e for e in form.getlist("events") if isinstance(e, str)]
    try:
        made: NewSubscription = await session.container(request).webhook_actions.do_create(
            app.id, url, events
        )
    except ValidationFailed as rejected:
        return await _app_page(
            request,
            me,
            app,
            422,
            webhook_error=_(rejected.message),
            webhook_url=url,
            webhook_events=events,
        )
    return await _app_page(
        request, me, app, 201, webhook_secret=made.secret, new_webhook=made.subscription.id
    )


@router.post("/developers/apps/{app_id}/webhooks/{webhook_id}/delete")
async def delete_webhook(request: Request, app_id: str, webhook_id: str) -> Response:
    me = await render.me(request)
    app = await _own_app(request, me, app_id)
    await render.form(request)
    await session.container(request).webhook_actions.do_delete(app.id, render.path_id(webhook_id))
    return _done(app, "webhook_deleted")


@router.post("/developers/apps/{app_id}/webhooks/{webhook_id}/deliveries/{delivery_id}/replay")
async def replay_delivery(
    request: Request, app_id: str, webhook_id: str, delivery_id: str
) -> Response:
    me = await render.me(request)
    app = await _own_app(request, me, app_id)
    await render.form(request)
    await session.container(request).webhook_actions.do_replay(
        app.id, render.path_id(webhook_id), render.path_id(delivery_id)
    )
    return _done(app, "replayed")
