"""What clients ask at start-up: instance info, preferences, emojis, markers; and apps."""

from typing import Any

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from myna import __version__
from myna.actions.markers import TIMELINES
from myna.actions.media import DESCRIPTION_MAX
from myna.api.deps import account_of, base_url, container, optional_caller, scope
from myna.api.openapi import EMPTY, MARKERS, NEW_APP, array, doc
from myna.api.params import Params
from myna.api.responses import json_response
from myna.api.schemas.enums import visibility_to_wire
from myna.config import Settings
from myna.lib.clock import iso
from myna.lib.errors import Unauthorized, ValidationFailed
from myna.lib.ids import parse_id
from myna.lib.images import SUPPORTED as IMAGE_TYPES
from myna.lib.text import LINK_UNITS
from myna.policy.pins import PIN_LIMIT
from myna.reads.tokens import Caller

router = APIRouter(tags=["instance"])

# Mastodon.py and other clients parse the leading X.Y.Z to decide which endpoints exist.
MASTODON_VERSION = f"4.3.0 (compatible; Myna {__version__})"
MASTODON_API_VERSION = 2


def _configuration(settings: Settings) -> dict[str, Any]:
    return {
        "statuses": {
            "max_characters": settings.max_status_units,
            "max_media_attachments": settings.max_media_attachments,
            "characters_reserved_per_url": LINK_UNITS,
            # Myna counts Weibo units: non-ASCII 1, ASCII 1/2, a link 10.
            "length_rule": "weibo",
        },
        "media_attachments": {
            # Pictures only (no video or audio); `image_matrix_limit` is width x height.
            "supported_mime_types": sorted(IMAGE_TYPES.values()),
            "description_limit": DESCRIPTION_MAX,
            "image_size_limit": settings.media_max_bytes,
            "image_matrix_limit": settings.media_max_pixels,
            "video_size_limit": 0,
            "video_frame_rate_limit": 0,
            "video_matrix_limit": 0,
        },
        "polls": {
            "max_options": settings.max_poll_options,
            "max_characters_per_option": settings.max_poll_option_chars,
            "min_expiration": settings.min_poll_expiration,
            "max_expiration": settings.max_poll_expiration,
        },
        "accounts": {"max_featured_tags": 0, "max_pinned_statuses": PIN_LIMIT},
        "translation": {"enabled": False},
    }


@router.get("/api/v1/instance", **doc("Server information (v1)", returns="InstanceV1"))
@router.get("/api/v1/instance/", include_in_schema=False)
async def instance_v1(request: Request) -> Response:
    settings = container(request).settings
    sign_up = await container(request).server_reads.sign_up()
    base = base_url(request)
    return json_response(
        {
            "uri": settings.instance_domain,
            "title": settings.instance_title,
            "short_description": settings.instance_description,
            "description": settings.instance_description,
            "email": settings.contact_email,
            "version": MASTODON_VERSION,
            "urls": {"streaming_api": base.replace("http", "ws", 1)},
            "stats": {"user_count": 0, "status_count": 0, "domain_count": 0},
            "thumbnail": None,
            "languages": ["zh", "en"],
            "registrations": sign_up.enabled,
            "approval_required": sign_up.approval_required,
            "invites_enabled": sign_up.invite_required,
            "configuration": _configuration(settings),
            "contact_account": None,
            "rules": [],
        }
    )


@router.get("/api/v2/instance", **doc("Server information (v2)", returns="Instance"))
@router.get("/api/v2/instance/", include_in_schema=False)
async def instance_v2(request: Request) -> Response:
    settings = container(request).settings
    sign_up = await container(request).server_reads.sign_up()
    base = base_url(request)
    configuration = _configuration(settings)
    configuration["urls"] = {"streaming": base.replace("http", "ws", 1), "status": None}
    configuration["vapid"] = {"public_key": ""}
    return json_response(
        {
            "domain": settings.instance_domain,
            "title": settings.instance_title,
            "version": MASTODON_VERSION,
            "source_url": "https://github.com/myna-social/myna",
            "description": settings.instance_description,
            "usage": {"users": {"active_month": 0}},
            "thumbnail": {"url": f"{base}/static/header.png"},
            "icon": [],
            "languages": ["zh", "en"],
            "configuration": configuration,
            "registrations": {
                "enabled": sign_up.enabled,
                "approval_required": sign_up.approval_required,
                "message": None,
                "url": None,
            },
            "api_versions": {"mastodon": MASTODON_API_VERSION},
            "contact": {"email": settings.contact_email, "account": None},
            "rules": [],
        }
    )


@router.get(
    "/api/v1/preferences",
    **doc("Your posting and reading defaults", returns="Preferences", scope="read:accounts"),
)
async def preferences(
    request: Request, caller: Caller = Depends(scope("read:accounts"))
) -> Response:
    account = account_of(caller)
    return json_response(
        {
            "posting:default:visibility": visibility_to_wire(account.default_visibility),
            "posting:default:sensitive": False,
            "posting:default:language": account.default_language or None,
            "reading:expand:media": "default",
            "reading:expand:spoilers": False,
        }
    )


@router.get(
    "/api/v1/custom_emojis",
    **doc("Custom emojis (none yet)", returns={"type": "array", "items": EMPTY}),
)
async def custom_emojis() -> Response:
    return json_response([])


def _marker(marker: Any) -> dict[str, Any]:
    return {
        "last_read_id": str(marker.last_read_id),
        "version": marker.version,
        "updated_at": iso(marker.updated_at),
    }


@router.get(
    "/api/v1/markers",
    **doc(
        "Where you stopped reading home and notifications",
        returns="Markers",
        scope="read:statuses",
        query={"timeline[]": array({"type": "string", "enum": ["home", "notifications"]})},
    ),
)
async def get_markers(
    request: Request, caller: Caller = Depends(scope("read:statuses"))
) -> Response:
    params = await Params.read(request)
    wanted = [t for t in params.strings("timeline") if t in TIMELINES] or list(TIMELINES)
    markers = await container(request).marker_reads.get(account_of(caller).id, wanted)
    return json_response({m.timeline: _marker(m) for m in markers})


@router.post(
    "/api/v1/markers",
    **doc("Save reading positions", returns="Markers", scope="write:statuses", body=MARKERS),
)
async def save_markers(
    request: Request, caller: Caller = Depends(scope("write:statuses"))
) -> Response:
    params = await Params.read(request)
    positions: dict[str, int] = {}
    for timeline in TIMELINES:
        raw = params.raw(f"{timeline}[last_read_id]")
        nested = params.raw(timeline)
        if raw is None and isinstance(nested, dict):
            raw = nested.get("last_read_id")
        if raw is None:
            continue
        value = parse_id(raw)
        if value is None:
            raise ValidationFailed(f"Validation failed: {timeline}[last_read_id] must be an id")
        positions[timeline] = value
    if not positions:
        raise ValidationFailed(
            "Validation failed: give home[last_read_id] or notifications[last_read_id]"
        )
    markers = await container(request).marker_actions.do_save(account_of(caller).id, positions)
    return json_response({m.timeline: _marker(m) for m in markers})


@router.post(
    "/api/v1/apps",
    **doc(
        "Register a client application",
        returns="CredentialApplication",
        body=NEW_APP,
        required=("client_name", "redirect_uris"),
        description="Step one of every client: no token needed.",
    ),
)
async def create_app(request: Request) -> Response:
    params = await Params.read(request)
    scopes_list = params.strings("scopes")
    scopes = (
        " ".join(scopes_list) if len(scopes_list) > 1 else params.text("scopes", max_length=2000)
    )
    new = await container(request).app_actions.do_create_app(
        name=params.required_text("client_name", max_length=1000),
        redirect_uris=" ".join(params.strings("redirect_uris"))
        or (params.text("redirect_uris", max_length=20_000) or ""),
        scopes=scopes,
        website=params.text("website", max_length=5000),
    )
    app = new.app
    return json_response(
        {
            "id": str(app.id),
            "name": app.name,
            "website": app.website,
            "scopes": app.scopes.split(),
            "redirect_uri": app.redirect_uris.replace("\n", " "),
            "redirect_uris": app.redirect_uris.split("\n"),
            "client_id": app.client_id,
            "client_secret": new.client_secret,
            "client_secret_expires_at": 0,
            "vapid_key": "",
        }
    )


@router.get(
    "/api/v1/apps/verify_credentials",
    **doc("The app behind the token", returns="Application", scope=""),
)
async def verify_app(request: Request) -> Response:
    caller = await optional_caller(request)
    if caller is None:
        raise Unauthorized("The access token is invalid")
    return json_response(
        {
            "id": str(caller.app.id),
            "name": caller.app.name,
            "website": caller.app.website,
            "scopes": caller.app.scopes.split(),
            "redirect_uri": caller.app.redirect_uris.replace("\n", " "),
            "redirect_uris": caller.app.redirect_uris.split("\n"),
            "vapid_key": "",
        }
    )
