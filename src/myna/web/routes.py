"""The minimal web front page: sign up, sign in, compose and read the home timeline.

Plain forms that work without JavaScript; every state change answers with a 303 back to `/`,
or with the page re-rendered and a 4xx status when something must be corrected. The full web
interface is a later issue."""

import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from myna.actions.accounts import Registration, RegistrationRejected
from myna.actions.statuses import NewStatus
from myna.lib import passwords
from myna.lib.clock import as_utc
from myna.lib.errors import ValidationFailed
from myna.lib.paging import Page
from myna.lib.text import weibo_length
from myna.models import Account, Visibility
from myna.reads.tokens import Caller
from myna.web import session
from myna.web.session import WEB_APP_NAME, WEB_SCOPES

router = APIRouter(include_in_schema=False)
templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

PAGE_SIZE = 20
VISIBILITIES = [
    (Visibility.PUBLIC, "Public"),
    (Visibility.UNLISTED, "Unlisted"),
    (Visibility.FOLLOWERS, "Followers only"),
    (Visibility.DIRECT, "Mentioned people only"),
]
CHOICES = {visibility.value: visibility for visibility, _label in VISIBILITIES}
FIELD_NAMES = {"username": "Username", "email": "E-mail", "password": "Password"}
PROBLEMS = {
    "ERR_BLANK": "can't be blank",
    "ERR_INVALID": "is not valid",
    "ERR_TAKEN": "is already taken",
    "ERR_RESERVED": "is reserved",
    "ERR_TOO_SHORT": f"is too short (at least {passwords.MIN_LENGTH} characters)",
    "ERR_TOO_LONG": "is too long",
}
SPECIAL_PROBLEMS = {
    ("username", "ERR_INVALID"): "Username may use only letters, digits and _ (at most 30)",
    ("agreement", "ERR_ACCEPTED"): "Please accept the rules of this server",
}
# Status content is sanitised HTML with links; nothing else on these pages comes from elsewhere.
SECURITY_HEADERS = {
    "Cache-Control": "private, no-store",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "same-origin",
}


def _time(value: datetime) -> str:
    return as_utc(value).strftime("%Y-%m-%d %H:%M UTC")


def _iso(value: datetime) -> str:
    return as_utc(value).isoformat()


templates.filters["time"] = _time
templates.filters["iso"] = _iso
templates.filters["units"] = weibo_length


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("title", session.container(request).settings.instance_title)
    body = templates.get_template(name).render(**context)
    return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)


def _back_home() -> RedirectResponse:
    return RedirectResponse("/", status_code=303)


def _stale_form(request: Request) -> HTMLResponse:
    message = "This form has expired. Go back, reload the page and try again."
    return _page(request, "message.html", 403, heading="Form expired", message=message)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _problem(field: str, code: str) -> str:
    special = SPECIAL_PROBLEMS.get((field, code))
    if special:
        return special
    return f"{FIELD_NAMES.get(field, field.capitalize())} {PROBLEMS.get(code, 'is not valid')}"


def _landing(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("sign_in_error", None)
    context.setdefault("sign_up_error", None)
    context.setdefault("login", "")
    context.setdefault("errors", {})
    context.setdefault("values", {})
    open_ = session.container(request).settings.registrations_open
    return _page(request, "landing.html", status, registrations_open=open_, **context)


async def _home(
    request: Request,
    caller: Caller,
    *,
    max_id: int | None = None,
    status: int = 200,
    error: str | None = None,
    draft: str = "",
    visibility: str = "",
) -> HTMLResponse:
    c = session.container(request)
    account = caller.account
    assert account is not None
    bundle = await c.status_reads.home(account.id, Page(max_id=max_id, limit=PAGE_SIZE))
    older = bundle.statuses[-1].id if len(bundle.statuses) >= PAGE_SIZE else None
    return _page(
        request,
        "home.html",
        status,
        me=account,
        bundle=bundle,
        older=older,
        paged=max_id is not None,
        csrf=session.csrf_token(request),
        limit=c.settings.max_status_units,
        visibilities=VISIBILITIES,
        labels={v: label for v, label in VISIBILITIES if v != Visibility.PUBLIC},
        chosen=visibility or account.default_visibility,
        draft=draft,
        error=error,
        idempotency_key=secrets.token_urlsafe(16),
    )


async def _signed_in(request: Request, account: Account) -> Response:
    apps = session.container(request).app_actions
    app = await apps.do_ensure_app(WEB_APP_NAME, WEB_SCOPES)
    _token, raw = await apps.do_issue_token(app.id, account.id, WEB_SCOPES)
    response = _back_home()
    session.start(response, request, raw)
    return response


@router.get("/")
async def front(request: Request) -> Response:
    caller = await session.current(request)
    if caller is None:
        return _landing(request)
    raw_max_id = request.query_params.get("max_id", "")
    max_id = int(raw_max_id) if raw_max_id.isdigit() and len(raw_max_id) < 20 else None
    return await _home(request, caller, max_id=max_id)


@router.post("/auth/sign_up")
async def sign_up(request: Request) -> Response:
    c = session.container(request)
    if await session.current(request) is not None:
        return _back_home()
    if not c.settings.registrations_open:
        return _landing(request, 403, sign_up_error="Registrations are closed on this server.")
    form = await request.form()
    values = {"username": _text(form, "username").strip(), "email": _text(form, "email").strip()}
    language = request.headers.get("accept-language", "").split(",")[0].split(";")[0].strip()
    registration = Registration(
        username=values["username"],
        email=values["email"],
        password=_text(form, "password"),
        locale=language[:16],
        agreement=bool(form.get("agreement")),
    )
    try:
        account = await c.account_actions.do_register(registration)
    except RegistrationRejected as rejected:
        errors = {field: _problem(field, code) for field, code in rejected.details.items()}
        return _landing(request, 422, errors=errors, values=values)
    return await _signed_in(request, account)


@router.post("/auth/sign_in")
async def sign_in(request: Request) -> Response:
    form = await request.form()
    login = _text(form, "login").strip()
    reads = session.container(request).account_reads
    account = await reads.authenticate(login, _text(form, "password"))
    if account is None:
        return _landing(
            request, 401, sign_in_error="Wrong username, e-mail or password.", login=login
        )
    return await _signed_in(request, account)


@router.post("/auth/sign_out")
async def sign_out(request: Request) -> Response:
    caller = await session.current(request)
    if caller is not None:
        form = await request.form()
        if not session.csrf_ok(request, _text(form, "csrf")):
            return _stale_form(request)
        await session.container(request).app_actions.do_revoke_token(caller.token.id)
    response = _back_home()
    session.end(response)
    return response


@router.post("/web/statuses")
async def compose(request: Request) -> Response:
    caller = await session.current(request)
    if caller is None or caller.account is None:
        return _back_home()
    form = await request.form()
    if not session.csrf_ok(request, _text(form, "csrf")):
        return _stale_form(request)
    # Browsers submit line breaks as CRLF; the person typed one character, as counted on screen.
    text = _text(form, "status").replace("\r\n", "\n")
    chosen = _text(form, "visibility")
    try:
        if chosen and chosen not in CHOICES:
            raise ValidationFailed("Please choose who may see the post.")
        new = NewStatus(
            text=text,
            visibility=CHOICES.get(chosen),
            idempotency_key=_text(form, "idempotency_key")[:200] or None,
            app_id=caller.app.id,
        )
        await session.container(request).status_actions.do_post(caller.account.id, new)
    except ValidationFailed as rejected:
        return await _home(
            request, caller, status=422, error=rejected.message, draft=text, visibility=chosen
        )
    return _back_home()
