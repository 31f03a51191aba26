"""The OpenAPI 3.1 reference at /openapi.json and its offline Swagger UI at /docs.

Routes answer orjson bytes, so FastAPI cannot see what they return: each route says it with one
call in its decorator, `@router.get(path, **doc("Summary", returns="Status[]", scope=...))`.
`doc` only stores a small spec under the `x-myna` key; `install` turns every spec into
parameters, request bodies, security, success and error responses and examples, and adds the
entity schemas below (written once, from what `api/schemas/*.py` render) as components."""

import copy
from collections.abc import Iterable, Mapping
from importlib.resources import files
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.openapi.utils import get_openapi
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

from myna.api.openapi_entities import (
    BOOL,
    COMPONENTS,
    DATETIME,
    EMPTY,
    FILTER_BASE,
    ID,
    INT,
    REF,
    STR,
    URL,
    VISIBILITY,
    Schema,
    array,
    null,
    obj,
    ref,
    text,
)
from myna.api.schemas.enums import NOTIFICATION_TYPES
from myna.policy import scopes as scope_rules
from myna.policy.filters import ACTIONS as FILTER_ACTIONS

EXAMPLES = "#/components/examples/"
DOCS_ASSETS = "/docs/assets"
SECURITY_SCHEME = "OAuth2"
# What route modules import from here (the building blocks live in openapi_entities).
__all__ = [
    "BOOL",
    "DATETIME",
    "EMPTY",
    "ID",
    "INT",
    "STR",
    "URL",
    "VISIBILITY",
    "array",
    "doc",
    "null",
    "obj",
    "text",
]

# ---------------------------------------------------------------------------- parameters

LIMIT: Schema = {"type": "integer", "minimum": 1, "examples": [20]}
PAGE_PARAMS: dict[str, Schema] = {
    "max_id": {**ID, "description": "Older than this id"},
    "since_id": {**ID, "description": "Newer than this id"},
    "min_id": {**ID, "description": "Newer than this id, the oldest first"},
    "limit": {**LIMIT, "description": "How many (capped; 20 by default)"},
}
ERROR_TEXT = {
    400: "Malformed request (a body that is not JSON, a bad form)",
    401: "No valid access token (the token is missing, unknown, expired or revoked)",
    403: "The token lacks the scope, or the action is not allowed",
    404: "Not found, or not visible to the caller (the two look the same)",
    409: "Conflicts with the current state",
    413: "The request body is too large",
    422: "A parameter is missing or invalid; `error` says which",
    429: "Rate limited: retry after `Retry-After` seconds (see the X-RateLimit-* headers)",
}
RATE_HEADERS = {
    "X-RateLimit-Limit": "Requests allowed in the current window",
    "X-RateLimit-Remaining": "Requests left in the current window",
    "X-RateLimit-Reset": "When the window ends (ISO 8601)",
}


# Request parameters of several operations (query strings and bodies), by name.
BINARY: Schema = {"type": "string", "format": "binary"}
_POLL: Schema = {
    "type": "object",
    "properties": {
        "options": array(text("Tea")),
        "expires_in": {"type": "integer", "description": "Seconds"},
        "multiple": BOOL,
        "hide_totals": BOOL,
    },
}
NEW_STATUS: dict[str, Schema] = {
    "status": {**text("你好, world #话题#"), "description": "The text (Weibo length rule)"},
    "visibility": VISIBILITY,
    "in_reply_to_id": ID,
    "quoted_status_id": {**ID, "description": "Myna: quote this status"},
    "group_id": {**ID, "description": "Myna: post to this group (visibility group)"},
    "list_id": {**ID, "description": "Myna: only for this list's members (a circle)"},
    "spoiler_text": STR,
    "sensitive": BOOL,
    "language": text("zh"),
    "poll": _POLL,
    "media_ids": array(ID),
    "scheduled_at": {**DATETIME, "description": "Post later: answers a ScheduledStatus"},
}
STATUS_OR_SCHEDULED: Schema = {"anyOf": [ref("Status"), ref("ScheduledStatus")]}
POST_NOTES = (
    "Send an `Idempotency-Key` header to make retries safe. With `scheduled_at` the answer "
    "is a ScheduledStatus."
)
EDIT: dict[str, Schema] = {
    name: NEW_STATUS[name]
    for name in ("status", "spoiler_text", "sensitive", "language", "media_ids")
}
REGISTRATION: dict[str, Schema] = {
    "username": text("alice"),
    "email": {"type": "string", "format": "email", "examples": ["alice@example.com"]},
    "password": STR,
    "agreement": BOOL,
    "locale": text("zh-CN"),
    "invite_code": {**STR, "description": "Needed when sign-ups are by invitation"},
    "reason": {**STR, "description": "Why you want to join, when sign-ups need approval"},
}
CREDENTIALS: dict[str, Schema] = {
    "display_name": STR,
    "note": STR,
    "locked": BOOL,
    "bot": BOOL,
    "discoverable": BOOL,
    "source[privacy]": VISIBILITY,
    "source[language]": STR,
    "avatar": BINARY,
    "header": BINARY,
}
FILTER: dict[str, Schema] = {
    "title": STR,
    "context": FILTER_BASE["context"],
    "filter_action": {"type": "string", "enum": list(FILTER_ACTIONS)},
    "expires_in": {"type": "integer", "description": "Seconds; empty for never"},
    "keywords_attributes": array(
        {
            "type": "object",
            "properties": {"id": ID, "keyword": STR, "whole_word": BOOL, "_destroy": BOOL},
        }
    ),
}
KEYWORD: dict[str, Schema] = {"keyword": STR, "whole_word": BOOL}
PHRASE: dict[str, Schema] = {
    "phrase": STR,
    "context": FILTER_BASE["context"],
    "irreversible": BOOL,
    "whole_word": BOOL,
    "expires_in": INT,
}
MARKERS: dict[str, Schema] = {
    "home": {"type": "object", "properties": {"last_read_id": ID}},
    "notifications": {"type": "object", "properties": {"last_read_id": ID}},
}
NEW_APP: dict[str, Schema] = {
    "client_name": text("My app"),
    "redirect_uris": {
        **text("urn:ietf:wg:oauth:2.0:oob"),
        "description": "One URI, or several separated by spaces or as an array",
    },
    "scopes": {**text("read write"), "description": "Space-separated; `read` by default"},
    "website": URL,
}
LIST: dict[str, Schema] = {
    "title": text("Friends"),
    "replies_policy": {"type": "string", "enum": ["followed", "list", "none"]},
    "exclusive": BOOL,
}
UPLOAD: dict[str, Schema] = {"file": BINARY, "description": STR, "focus": text("0.0,0.0")}
MEDIA_CHANGE: dict[str, Schema] = {"description": STR, "focus": text("-0.5,0.25")}
NOTIFICATION_FILTERS: dict[str, Schema] = {
    "types[]": array({"type": "string", "enum": NOTIFICATION_TYPES}),
    "exclude_types[]": array({"type": "string", "enum": NOTIFICATION_TYPES}),
    "account_id": ID,
}
GROUP: dict[str, Schema] = {
    "handle": text("tea_lovers"),
    "name": text("喝茶"),
    "description": STR,
    "privacy": {"type": "string", "enum": ["public", "restricted", "secret"]},
}
TOKEN_REQUEST: dict[str, Schema] = {
    "grant_type": {
        "type": "string",
        "enum": ["authorization_code", "password", "client_credentials", "refresh_token"],
    },
    "client_id": STR,
    "client_secret": STR,
    "code": STR,
    "redirect_uri": STR,
    "code_verifier": {"type": "string", "description": "PKCE: the secret behind the challenge"},
    "username": STR,
    "password": STR,
    "scope": text("read write"),
}
TOKEN_NOTES = (
    "Client credentials go in the body or as HTTP Basic authentication. OAuth errors "
    "(`invalid_grant`, `invalid_client`, ...) are in `error`."
)
REVOKE_REQUEST: dict[str, Schema] = {
    "token": STR,
    "client_id": STR,
    "client_secret": STR,
    "token_type_hint": {"type": "string", "enum": ["access_token", "refresh_token"]},
}
AUTHORIZE_QUERY: dict[str, Schema] = {
    "response_type": {"type": "string", "enum": ["code"]},
    "client_id": STR,
    "redirect_uri": STR,
    "scope": text("read write"),
    "state": STR,
    "code_challenge": STR,
    "code_challenge_method": {"type": "string", "enum": ["S256"]},
    "lang": text("zh-CN"),
}
AUTHORIZE_FORM: dict[str, Schema] = {
    **AUTHORIZE_QUERY,
    "decision": {"type": "string", "enum": ["approve", "deny"]},
    "username": STR,
    "password": STR,
    "csrf": STR,
}
SSE_QUERY: dict[str, dict[str, Schema]] = {
    "hashtag": {"tag": text("话题")},
    "hashtag:local": {"tag": text("话题")},
    "group": {"group": ID},
}


def doc(
    summary: str,
    *,
    returns: str | Schema | None = None,
    scope: str | None = None,
    anonymous: bool = False,
    description: str = "",
    query: Mapping[str, Schema] | None = None,
    body: Mapping[str, Schema] | None = None,
    required: Iterable[str] = (),
    paged: bool = False,
    upload: bool = False,
    form_only: bool = False,
    errors: Iterable[int] = (),
    status: int = 200,
    media_type: str = "application/json",
    example: Any = None,
) -> dict[str, Any]:
    """Decorator arguments documenting one operation, e.g.
    `@router.get("/x", **doc("One x", returns="Status", scope="read:statuses", anonymous=True))`.

    `returns`: a component name ("Status"), a list of them ("Status[]") or a JSON Schema.
    `scope`: the OAuth scope a token needs ("" for any valid token); with `anonymous`, calls
    without a token work too; without a scope the operation needs no token at all.
    `query` and `body` name parameters (`required` lists the mandatory ones); a body is
    accepted as JSON or a form, `upload` makes it multipart, `form_only` a form (OAuth's
    endpoints). `paged` adds max_id/since_id/min_id/limit and the Link header. `errors` adds
    statuses beyond those every operation may answer. `example` is the success body's
    example; by default one is built from the schema."""
    spec: dict[str, Any] = {
        "returns": returns,
        "scope": scope,
        "anonymous": anonymous,
        "query": dict(query or {}),
        "body": dict(body or {}),
        "required": list(required),
        "paged": paged,
        "upload": upload,
        "form_only": form_only,
        "errors": sorted(set(errors)),
        "status": status,
        "media_type": media_type,
        "example": example,
    }
    return {"summary": summary, "description": description, "openapi_extra": {"x-myna": spec}}


# ---------------------------------------------------------------------------- the document


def _schema_of(returns: str | Schema | None) -> Schema:
    if returns is None:
        return ref("Empty")
    if isinstance(returns, str):
        if returns.endswith("[]"):
            return array(ref(returns[:-2]))
        return ref(returns)
    return returns


def example_of(schema: Schema, depth: int = 0) -> Any:
    """A value that fits `schema`, from its `examples` where given: every operation's example
    is made this way, so examples cannot drift from the schemas."""
    if "examples" in schema:
        return schema["examples"][0]
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(REF)
        if depth > 2 and name == "Status":
            return None  # a reblog of a reblog would never end
        return example_of(COMPONENTS[name], depth + 1)
    if "anyOf" in schema:
        if {"type": "null"} in schema["anyOf"]:
            return None  # what most answers hold: no reply, no reblog, no poll
        return example_of(schema["anyOf"][0], depth)
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object":
        props = schema.get("properties", {})
        return {name: example_of(sub, depth) for name, sub in props.items()}
    if kind == "array":
        items = schema.get("items", {})
        if items.get("$ref", "").endswith(("/Status", "/FilterResult")) and depth > 0:
            return []
        return [example_of(items, depth)] if items != EMPTY else []
    if kind == "string":
        if schema.get("format") == "date-time":
            return "2025-05-04T03:02:01.000Z"
        if schema.get("format") == "uri":
            return "https://myna.example/"
        return "string"
    return {"integer": 0, "number": 0.5, "boolean": False, "null": None}.get(str(kind))


def _error(status: int, media_type: str = "application/json") -> Schema:
    if status == 302:
        return {
            "description": "Redirect to the client's redirect_uri with `code` or `error`",
            "headers": {"Location": {"description": "Where to", "schema": STR}},
        }
    content: dict[str, Any] = {"application/json": {"schema": ref("Error")}}
    if media_type == "text/html" and status != 429:
        content["text/html"] = {"schema": STR}  # the error page, for a person
    out: Schema = {"description": ERROR_TEXT[status], "content": content}
    if status == 429:
        out["headers"] = {
            "Retry-After": {"description": "Seconds to wait", "schema": STR},
            **_rate_headers(),
        }
    return out


def _rate_headers() -> dict[str, Any]:
    return {name: {"$ref": "#/components/headers/" + name} for name in RATE_HEADERS}


def _parameter(name: str, schema: Schema, where: str, required: bool) -> dict[str, Any]:
    param: dict[str, Any] = {"name": name, "in": where, "required": required, "schema": schema}
    if "description" in schema:
        param["description"] = schema["description"]
    return param


def _operation(operation: dict[str, Any], spec: dict[str, Any], path: str) -> None:
    """Fill one operation from its `doc` spec (in place)."""
    # FastAPI drops the spec's None values on the way.
    spec = {"returns": None, "scope": None, "example": None, **spec}
    required = set(spec["required"])
    # FastAPI's own path parameters (plain strings), replaced by ids where the name says so.
    params = []
    for param in operation.get("parameters", []):
        if param["in"] == "path" and param["name"].endswith("_id"):
            param = {**param, "schema": ID}
        params.append(param)
    query = {**(PAGE_PARAMS if spec["paged"] else {}), **spec["query"]}
    params += [_parameter(n, s, "query", n in required) for n, s in query.items()]
    if params:
        operation["parameters"] = params

    if spec["body"]:
        body = {
            "type": "object",
            "properties": spec["body"],
            "required": [n for n in spec["body"] if n in required],
        }
        if spec["upload"]:
            kinds = ["multipart/form-data"]
        elif spec["form_only"]:
            kinds = ["application/x-www-form-urlencoded"]
        else:
            kinds = ["application/json", "application/x-www-form-urlencoded"]
        operation["requestBody"] = {
            "required": bool(body["required"]),
            "content": {kind: {"schema": body} for kind in kinds},
        }

    scope = spec["scope"]
    if scope is None:
        operation["security"] = []
    else:
        operation["security"] = [{SECURITY_SCHEME: [scope] if scope else []}]
        if spec["anonymous"]:
            operation["security"].insert(0, {})
        note = f"Scope: `{scope}`." if scope else "Any valid token."
        if spec["anonymous"]:
            note += " Anonymous calls work too; a token, if sent, must be valid and carry it."
        operation["description"] = (operation.get("description", "") + "\n\n" + note).strip()

    success_schema = _schema_of(spec["returns"])
    media_type = spec["media_type"]
    content: dict[str, Any] = {"schema": success_schema}
    if media_type == "application/json":
        example = spec["example"]
        returns = spec["returns"]
        if example is None and isinstance(returns, str):
            # Shared by every operation answering the same entity: see `build_document`.
            name = returns[:-2] + "List" if returns.endswith("[]") else returns
            content["examples"] = {name: {"$ref": EXAMPLES + name}}
        else:
            content["example"] = example if example is not None else example_of(success_schema)
    else:
        content = {"schema": STR}
        if spec["example"] is not None:
            content["example"] = spec["example"]
    headers = _rate_headers()
    if spec["paged"]:
        headers["Link"] = {
            "description": 'Paging: rel="next" (older) and rel="prev" (newer) URLs',
            "schema": STR,
        }
    responses: dict[str, Any] = {
        str(spec["status"]): {
            "description": "Success",
            "headers": headers,
            "content": {media_type: content},
        }
    }
    errors = set(spec["errors"]) | {429}
    if params or spec["body"]:
        errors |= {400, 422}
    if scope is not None:
        errors |= {401, 403}
        if not spec["anonymous"]:
            errors.add(422)  # an app token where a user's is needed
    if "{" in path:
        errors.add(404)
    for status in sorted(errors):
        page = "Page" if media_type == "text/html" and status not in (302, 429) else ""
        responses[str(status)] = {"$ref": f"#/components/responses/Error{status}{page}"}
    operation["responses"] = responses


def _security_scheme() -> dict[str, Any]:
    scopes = {name: _scope_text(name) for name in sorted(scope_rules.ALL)}
    return {
        "type": "oauth2",
        "description": "Bearer tokens from /oauth/token; Mastodon's scopes",
        "flows": {
            "authorizationCode": {
                "authorizationUrl": "/oauth/authorize",
                "tokenUrl": "/oauth/token",
                "scopes": scopes,
            }
        },
    }


def _scope_text(name: str) -> str:
    if name in scope_rules.TOP_LEVEL:
        return {
            "read": "Read everything (all read:* scopes)",
            "write": "Change everything (all write:* scopes)",
            "follow": "Follows, blocks and mutes (legacy)",
            "push": "Web push subscriptions",
            "profile": "Only the signed-in account (verify_credentials)",
        }[name]
    verb, _, noun = name.partition(":")
    return f"{'Read' if verb == 'read' else 'Change'} {noun}"


def build_document(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        description=app.description,
        routes=app.routes,
    )
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            spec = operation.pop("x-myna", None)
            if spec is not None:
                _operation(operation, spec, path)
    components = document.setdefault("components", {})
    # FastAPI's own validation-error schemas are not used: errors are `Error`.
    components["schemas"] = copy.deepcopy(COMPONENTS)
    components["securitySchemes"] = {SECURITY_SCHEME: _security_scheme()}
    components["headers"] = {
        name: {"description": text, "schema": STR} for name, text in RATE_HEADERS.items()
    }
    components["responses"] = {f"Error{status}": _error(status) for status in ERROR_TEXT}
    components["responses"].update(
        {f"Error{status}Page": _error(status, "text/html") for status in ERROR_TEXT}
    )
    components["responses"]["Error302"] = _error(302)
    components["examples"] = {}
    for name in COMPONENTS:
        one = example_of(ref(name))
        components["examples"][name] = {"value": one}
        components["examples"][name + "List"] = {"value": [one]}
    return document


def install(app: FastAPI) -> None:
    """Serve /openapi.json from `build_document` and Swagger UI at /docs from the files of the
    swagger-ui-py package (no CDN: works on air-gapped installs)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    assets = files("swagger_ui") / "static"
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(assets)), name="docs-assets")

    async def docs_page(_request: Request) -> Response:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title} API reference",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
            oauth2_redirect_url="/docs/oauth2-redirect",
            init_oauth={"usePkceWithAuthorizationCodeGrant": True},
        )

    async def oauth2_redirect(_request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    app.add_route("/docs", docs_page, include_in_schema=False)
    app.add_route("/docs/oauth2-redirect", oauth2_redirect, include_in_schema=False)
