"""/api/v1/myna/webhooks: an app's webhook subscriptions and their deliveries (a Myna
extension; docs/api.md). They are the app's, not a user's: they are managed with the app's own
token (the client_credentials grant, any scope), and a user's token of the app is refused, so
no user of an app can send other users' events elsewhere."""

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from myna.api.deps import container, optional_caller
from myna.api.openapi import BOOL, DATETIME, ID, INT, STR, URL, array, doc, null, obj, text
from myna.api.pagination import link_header, page_from
from myna.api.params import Params
from myna.api.params import path_id as parse_path_id
from myna.api.responses import json_response
from myna.api.schemas.webhooks import render_delivery, render_subscription
from myna.lib.errors import Forbidden, Unauthorized
from myna.policy.webhooks import EVENTS
from myna.reads.tokens import Caller

router = APIRouter(prefix="/api/v1/myna/webhooks", tags=["webhooks"])

EVENT: dict[str, object] = {"type": "string", "enum": list(EVENTS)}
SUBSCRIPTION = obj(
    {
        "id": ID,
        "url": {**URL, "examples": ["https://bot.example/hooks/myna"]},
        "events": array(EVENT),
        "active": BOOL,
        "created_at": DATETIME,
        "updated_at": DATETIME,
        "secret": {
            **text("q3Yt...signing secret"),
            "description": "The signing secret: only in the answers to create and rotate_secret",
        },
    },
    optional=("secret",),
    description="A webhook subscription of the calling app",
)
DELIVERY = obj(
    {
        "id": ID,
        "subscription_id": ID,
        "event": EVENT,
        "account_id": ID,
        "object_id": ID,
        "state": {"type": "string", "enum": ["pending", "delivered", "failed"]},
        "attempts": INT,
        "last_status_code": null(INT),
        "last_error": null(STR),
        "attempt_log": array(obj({"at": DATETIME, "status_code": null(INT), "error": null(STR)})),
        "next_attempt_at": null(DATETIME),
        "delivered_at": null(DATETIME),
        "created_at": DATETIME,
        "payload": null({"type": "object", "description": "The body as sent"}),
    },
    description="One event sent (or to be sent) to a subscription, with every attempt",
)
BODY = {
    "url": {**URL, "examples": ["https://bot.example/hooks/myna"]},
    "events": array(EVENT),
    "active": BOOL,
}
APP_ONLY = (
    "Needs the app's own token (client_credentials grant); a user's token is refused with 403."
)


async def app_caller(request: Request) -> Caller:
    """The calling app: a valid token of it that belongs to no user."""
    caller = await optional_caller(request)
    if caller is None:
        raise Unauthorized("The access token is invalid")
    if caller.account is not None:
        raise Forbidden("Webhooks are managed with the app's own token (client_credentials grant)")
    return caller


def _ids(*raw: str) -> list[int]:
    return [parse_path_id(value) for value in raw]


@router.post(
    "",
    **doc(
        "Subscribe the app to events; the answer holds the signing secret, shown only once",
        returns=SUBSCRIPTION,
        scope="",
        description=APP_ONLY,
        body={"url": BODY["url"], "events": BODY["events"]},
        required=("url", "events"),
        errors=(403, 422),
    ),
)
async def create_webhook(request: Request, caller: Caller = Depends(app_caller)) -> Response:
    params = await Params.read(request)
    made = await container(request).webhook_actions.do_create(
        caller.app.id,
        params.required_text("url", max_length=2000),
        params.strings("events"),
    )
    return json_response(render_subscription(made.subscription, made.secret))


@router.get(
    "",
    **doc(
        "The app's webhook subscriptions",
        returns=array(SUBSCRIPTION),
        scope="",
        description=APP_ONLY,
        errors=(403,),
    ),
)
async def list_webhooks(request: Request, caller: Caller = Depends(app_caller)) -> Response:
    found = await container(request).webhook_reads.subscriptions(caller.app.id)
    return json_response([render_subscription(s) for s in found])


@router.get(
    "/{webhook_id}",
    **doc(
        "One of the app's webhook subscriptions",
        returns=SUBSCRIPTION,
        scope="",
        description=APP_ONLY,
        errors=(403, 404),
    ),
)
async def get_webhook(
    request: Request, webhook_id: str, caller: Caller = Depends(app_caller)
) -> Response:
    found = await container(request).webhook_reads.subscription(
        caller.app.id, parse_path_id(webhook_id)
    )
    return json_response(render_subscription(found))


async def _update(request: Request, webhook_id: str, caller: Caller) -> Response:
    params = await Params.read(request)
    changed = await container(request).webhook_actions.do_update(
        caller.app.id,
        parse_path_id(webhook_id),
        url=params.text("url", max_length=2000),
        events=params.strings("events") if params.has("events") else None,
        active=params.flag("active"),
    )
    return json_response(render_subscription(changed))


UPDATE_DOC = doc(
    "Change a subscription's url, events or active (an inactive one records nothing)",
    returns=SUBSCRIPTION,
    scope="",
    description=APP_ONLY,
    body=BODY,
    errors=(403, 404, 422),
)


@router.patch("/{webhook_id}", **UPDATE_DOC)
async def update_webhook(
    request: Request, webhook_id: str, caller: Caller = Depends(app_caller)
) -> Response:
    return await _update(request, webhook_id, caller)


@router.put("/{webhook_id}", **UPDATE_DOC)
async def put_webhook(
    request: Request, webhook_id: str, caller: Caller = Depends(app_caller)
) -> Response:
    return await _update(request, webhook_id, caller)


@router.delete(
    "/{webhook_id}",
    **doc(
        "Delete a subscription and its delivery log",
        scope="",
        description=APP_ONLY,
        errors=(403, 404),
    ),
)
async def delete_webhook(
    request: Request, webhook_id: str, caller: Caller = Depends(app_caller)
) -> Response:
    await container(request).webhook_actions.do_delete(caller.app.id, parse_path_id(webhook_id))
    return json_response({})


@router.post(
    "/{webhook_id}/rotate_secret",
    **doc(
        "Make a new signing secret (shown once); it signs every attempt from now on",
        returns=SUBSCRIPTION,
        scope="",
        description=APP_ONLY,
        errors=(403, 404),
    ),
)
async def rotate_secret(
    request: Request, webhook_id: str, caller: Caller = Depends(app_caller)
) -> Response:
    made = await container(request).webhook_actions.do_rotate_secret(
        caller.app.id, parse_path_id(webhook_id)
    )
    return json_response(render_subscription(made.subscription, made.secret))


@router.get(
    "/{webhook_id}/deliveries",
    **doc(
        "A subscription's deliveries, newest first (kept for MYNA_WEBHOOK_DELIVERY_RETENTION_DAYS)",
        returns=array(DELIVERY),
        scope="",
        description=APP_ONLY,
        paged=True,
        errors=(403, 404),
    ),
)
async def list_deliveries(
    request: Request, webhook_id: str, caller: Caller = Depends(app_caller)
) -> Response:
    params = await Params.read(request)
    found = await container(request).webhook_reads.deliveries(
        caller.app.id, parse_path_id(webhook_id), page_from(params, maximum=80)
    )
    return json_response(
        [render_delivery(d) for d in found],
        headers=link_header(request, [d.id for d in found]),
    )


@router.get(
    "/{webhook_id}/deliveries/{delivery_id}",
    **doc(
        "One delivery, with every attempt",
        returns=DELIVERY,
        scope="",
        description=APP_ONLY,
        errors=(403, 404),
    ),
)
async def get_delivery(
    request: Request, webhook_id: str, delivery_id: str, caller: Caller = Depends(app_caller)
) -> Response:
    subscription_id, wanted = _ids(webhook_id, delivery_id)
    found = await container(request).webhook_reads.delivery(caller.app.id, subscription_id, wanted)
    return json_response(render_delivery(found))


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/replay",
    **doc(
        "Send a delivery again, now (the same body, a new timestamp and signature)",
        returns=DELIVERY,
        scope="",
        description=APP_ONLY,
        errors=(403, 404, 422),
        status=202,
    ),
)
async def replay_delivery(
    request: Request, webhook_id: str, delivery_id: str, caller: Caller = Depends(app_caller)
) -> Response:
    subscription_id, wanted = _ids(webhook_id, delivery_id)
    replayed = await container(request).webhook_actions.do_replay(
        caller.app.id, subscription_id, wanted
    )
    return json_response(render_delivery(replayed), status=202)
