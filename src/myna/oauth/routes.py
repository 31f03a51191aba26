"""/oauth/authorize (sign-in + consent page), /oauth/token, /oauth/revoke and the
authorization server metadata (RFC 8414) that clients such as Mastodon.py read first."""

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InsecureTransportError
from fastapi import APIRouter, Depends
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from myna.actions.apps import OOB
from myna.api.deps import scope as needs_scope
from myna.api.openapi import (
    AUTHORIZE_FORM,
    AUTHORIZE_QUERY,
    DATETIME,
    ID,
    REVOKE_REQUEST,
    STR,
    TOKEN_NOTES,
    TOKEN_REQUEST,
    URL,
    array,
    doc,
    null,
    obj,
)
from myna.api.params import path_id
from myna.api.responses import json_response
from myna.container import Container
from myna.lib.clock import iso
from myna.lib.errors import BadRequest, NotFound
from myna.models import Account
from myna.oauth.server import GRANT_TYPES, MynaServer
from myna.oauth.server import Request as OAuthRequest
from myna.policy import moderation
from myna.policy import scopes as scope_rules
from myna.reads.accounts import AuthorizedApp
from myna.reads.tokens import Caller
from myna.web import session as web_session

router = APIRouter(tags=["oauth"])
templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


def _container(request: Request) -> Container:
    return request.app.state.container


async def _oauth_request(request: Request) -> OAuthRequest:
    """Read everything Authlib may look at before entering its synchronous world."""
    query: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        query.setdefault(key, []).append(value)
    form: dict[str, list[str]] = {}
    if request.method == "POST":
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            try:
                body = await request.json()
            except ValueError:
                body = None
            if isinstance(body, dict):
                form = {k: [str(v)] for k, v in body.items() if isinstance(v, str | int)}
        else:
            try:
                data = await request.form()
            except Exception:  # a malformed body reaches Authlib as an empty one: invalid_request
                data = None
            if data is not None:
                for field, item in data.multi_items():
                    if isinstance(item, str):
                        form.setdefault(field, []).append(item)
    # Authlib insists on a secure transport URL; TLS ends at the proxy, so the public base URL
    # (https in production, loopback http in development) is what it should judge.
    base = _container(request).settings.base_url.rstrip("/")
    uri = base + request.url.path
    try:
        return OAuthRequest(request.method, uri, dict(request.headers), query, form)
    except InsecureTransportError:
        raise BadRequest(
            "insecure_transport",
            "OAuth needs https: set MYNA_BASE_URL to the https address of this server",
        ) from None


def _respond(result: tuple[int, Any, list[tuple[str, str]]]) -> Response:
    status, body, headers = result
    header_map = {k: v for k, v in headers if k.lower() != "content-type"}
    if status in (301, 302, 303, 307):
        return RedirectResponse(header_map.pop("Location"), status_code=302, headers=header_map)
    return json_response(body if isinstance(body, dict) else {}, status=status, headers=header_map)


async def _run(request: Request, fn: Any) -> Any:
    c = _container(request)
    ttl = c.settings.access_token_ttl_days
    try:
        async with c.db.transaction() as session:
            return await session.run_sync(lambda sync: fn(MynaServer(sync, ttl, c.broker)))
    except ValueError as exc:
        # Authlib refuses to build an error whose description would echo a parameter with
        # characters outside printable ASCII (say a response_type of control characters).
        if "forbidden characters" not in str(exc):
            raise
        raise BadRequest(
            "invalid_request", "The request holds characters that OAuth does not allow"
        ) from None


@router.post(
    "/oauth/token",
    **doc(
        "Exchange a code, password or client credentials for a token",
        returns="Token",
        body=TOKEN_REQUEST,
        required=("grant_type",),
        errors=(401,),
        form_only=True,
        description=TOKEN_NOTES,
    ),
)
async def token(request: Request) -> Response:
    oauth_request = await _oauth_request(request)
    return _respond(await _run(request, lambda server: server.create_token_response(oauth_request)))


@router.post(
    "/oauth/revoke",
    **doc(
        "Revoke a token",
        body=REVOKE_REQUEST,
        required=("token", "client_id", "client_secret"),
        errors=(401, 403),
        form_only=True,
    ),
)
async def revoke(request: Request) -> Response:
    oauth_request = await _oauth_request(request)
    return _respond(
        await _run(
            request, lambda server: server.create_endpoint_response("revocation", oauth_request)
        )
    )


AUTHORIZED_APPLICATION = obj(
    {
        "id": ID,
        "name": {**STR, "examples": ["Tusky"]},
        "website": null(URL),
        "scopes": array({**STR, "examples": ["read"]}),
        "authorized_at": {**DATETIME, "description": "When its oldest live token was issued"},
    },
    description="An application holding live tokens of the calling account",
)


def _authorized(found: AuthorizedApp) -> dict[str, Any]:
    return {
        "id": str(found.app.id),
        "name": found.app.name,
        "website": found.app.website,
        "scopes": found.scopes,
        "authorized_at": iso(found.authorized_at),
    }


@router.get(
    "/oauth/authorized_applications",
    **doc(
        "The applications this account authorized (holding live tokens), newest first",
        returns=array(AUTHORIZED_APPLICATION),
        scope="read:accounts",
    ),
)
async def authorized_applications(
    request: Request, caller: Caller = Depends(needs_scope("read:accounts"))
) -> Response:
    assert caller.account is not None  # scope(..., user=True)
    found = await _container(request).account_reads.authorized_apps(caller.account.id)
    return json_response([_authorized(one) for one in found])


@router.delete(
    "/oauth/authorized_applications/{app_id}",
    **doc(
        "Revoke an application: every token it holds for this account stops working at once",
        scope="write:accounts",
        errors=(404,),
        description="Revoking the app whose token makes the call revokes that token too.",
    ),
)
async def revoke_authorized_application(
    request: Request, app_id: str, caller: Caller = Depends(needs_scope("write:accounts"))
) -> Response:
    assert caller.account is not None
    revoked = await _container(request).app_actions.do_revoke_authorization(
        caller.account.id, path_id(app_id)
    )
    if not revoked:
        raise NotFound()
    return json_response({})


def _scope_list(grant: Any) -> list[str]:
    return scope_rules.parse(grant.request.scope) if getattr(grant.request, "scope", None) else []


def _page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(templates.get_template(name).render(**context), status_code=status)


def _consent_or_error(server: MynaServer, oauth_request: OAuthRequest, user: Account | None) -> Any:
    try:
        grant = server.get_consent_grant(oauth_request, end_user=user)
    except OAuth2Error as error:
        return error
    return {
        "app": grant.client.app.name,
        "website": grant.client.app.website,
        "scopes": _scope_list(grant),
    }


@router.get(
    "/oauth/authorize",
    **doc(
        "Sign-in and consent page",
        query=AUTHORIZE_QUERY,
        required=("response_type", "client_id", "redirect_uri"),
        media_type="text/html",
        description="A web page for the person, not for the client: open it in a browser.",
    ),
)
async def authorize_page(request: Request) -> Response:
    oauth_request = await _oauth_request(request)
    caller = await web_session.current(request)
    found = await _run(request, lambda server: _consent_or_error(server, oauth_request, None))
    if isinstance(found, OAuth2Error):
        return _page("error.html", 400, error=found.error, description=found.description)
    return _page(
        "authorize.html",
        params=[
            (k, v)
            for k, v in request.query_params.multi_items()
            if k not in ("username", "password")
        ],
        signed_in=caller.account if caller else None,
        csrf=web_session.csrf_token(request),
        error=None,
        **found,
    )


@router.post(
    "/oauth/authorize",
    **doc(
        "Grant or deny access",
        body=AUTHORIZE_FORM,
        media_type="text/html",
        errors=(302, 401),
        form_only=True,
        description="The consent page's form; redirects to the client's redirect_uri with "
        "`code` (or `error`), or shows the code for urn:ietf:wg:oauth:2.0:oob.",
    ),
)
async def authorize(request: Request) -> Response:
    oauth_request = await _oauth_request(request)
    form = oauth_request.form
    c = _container(request)
    user: Account | None = None
    refusal: str | None = None
    caller = await web_session.current(request)
    if caller is not None and web_session.csrf_ok(request, form.get("csrf")):
        user = caller.account
    elif form.get("username") or form.get("password"):
        user = await c.account_reads.authenticate(
            form.get("username", ""), form.get("password", "")
        )
        refusal = moderation.login_refusal(user) if user is not None else None
        if refusal is not None:
            user = None
    approved = form.get("decision") == "approve"
    if approved and user is None:
        found = await _run(request, lambda server: _consent_or_error(server, oauth_request, None))
        if isinstance(found, OAuth2Error):
            return _page("error.html", 400, error=found.error, description=found.description)
        hidden = ("username", "password", "decision", "csrf")
        return _page(
            "authorize.html",
            401,
            params=[
                (k, v)
                for k, values in oauth_request.payload.datalist.items()
                for v in values
                if k not in hidden
            ],
            signed_in=None,
            csrf="",
            error=refusal or "Wrong username or password.",
            **found,
        )

    def respond(server: MynaServer) -> Any:
        try:
            grant = server.get_consent_grant(oauth_request, end_user=user)
        except OAuth2Error as error:
            return error
        return server.create_authorization_response(
            oauth_request, grant_user=user if approved else None, grant=grant
        )

    result = await _run(request, respond)
    if isinstance(result, OAuth2Error):
        return _page("error.html", 400, error=result.error, description=result.description)
    _status, _body, headers = result
    location = dict(headers).get("Location", "")
    if location.startswith(OOB):
        query = dict(
            pair.split("=", 1) for pair in urlsplit(location).query.split("&") if "=" in pair
        )
        if "code" in query:
            return _page("code.html", code=query["code"])
        return _page("error.html", 400, error=query.get("error", "access_denied"), description=None)
    return _respond(result)


@router.get(
    "/.well-known/oauth-authorization-server",
    **doc("OAuth server metadata (RFC 8414)", returns="OAuthMetadata"),
)
async def metadata(request: Request) -> Response:
    base = _container(request).settings.base_url.rstrip("/")
    return json_response(
        {
            "issuer": f"{base}/",
            "service_documentation": f"{base}/docs",
            "authorization_endpoint": f"{base}/oauth/authorize",
            "token_endpoint": f"{base}/oauth/token",
            "revocation_endpoint": f"{base}/oauth/revoke",
            "app_registration_endpoint": f"{base}/api/v1/apps",
            "scopes_supported": sorted(scope_rules.ALL),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": list(GRANT_TYPES),
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }
    )
