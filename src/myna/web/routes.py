"""Signing up, in and out, the language switch, and the server-rendered fragments that the live
layer (static/myna.js) inserts into pages.

Plain forms that work without JavaScript; a change answers with a 303 to the page it came
from, or with the page re-rendered and a 4xx status when something must be corrected."""

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from myna.actions.accounts import SIGN_UP_REASON_MAX, Registration, RegistrationRejected
from myna.backends.ratelimit import Bucket
from myna.lib import passwords
from myna.lib.errors import MynaError
from myna.lib.ids import parse_id
from myna.lib.paging import Page
from myna.models import Account
from myna.policy import moderation
from myna.web import i18n, render, session
from myna.web.render import WebRoute
from myna.web.session import WEB_APP_NAME, WEB_SCOPES

router = APIRouter(include_in_schema=False, route_class=WebRoute)

LANG_MAX_AGE = 60 * 60 * 24 * 365
FRAGMENT_MAX_IDS = 40
LANDING_TOPICS = 5
LANDING_POSTS = 10


def _problems(
    request: Request,
) -> tuple[dict[str, str], dict[tuple[str, str], str], dict[str, str]]:
    _ = render.translator(request)
    fields = {
        "username": _("Username"),
        "email": _("E-mail"),
        "password": _("Password"),
        "invite_code": _("Invite code"),
        "reason": _("Why you want to join"),
    }
    special = {
        ("username", "ERR_INVALID"): _("Username may use only letters, digits and _ (at most 30)"),
        ("agreement", "ERR_ACCEPTED"): _("Please accept the rules of this server"),
        ("email", "ERR_BLOCKED"): _("Sign-ups from this e-mail domain are not accepted"),
        ("invite_code", "ERR_INVALID"): _("This invite code is not valid, used up or expired"),
    }
    problems = {
        "ERR_BLANK": _("can't be blank"),
        "ERR_INVALID": _("is not valid"),
        "ERR_TAKEN": _("is already taken"),
        "ERR_RESERVED": _("is reserved"),
        "ERR_TOO_SHORT": _("is too short (at least %(n)s characters)")
        % {"n": passwords.MIN_LENGTH},
        "ERR_TOO_LONG": _("is too long"),
    }
    return fields, special, problems


def _problem(request: Request, field: str, code: str) -> str:
    fields, special, problems = _problems(request)
    if (field, code) in special:
        return special[(field, code)]
    _ = render.translator(request)
    name = fields.get(field, field.capitalize())
    return _("%(field)s %(problem)s") % {
        "field": name,
        "problem": problems.get(code, _("is not valid")),
    }


async def landing(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("sign_in_error", None)
    context.setdefault("sign_up_error", None)
    context.setdefault("farewell", request.query_params.get("deleted") == "1")
    context.setdefault("login", "")
    context.setdefault("errors", {})
    context.setdefault("values", {})
    context.setdefault("next", render.local_path(request.query_params.get("next"), ""))
    c = session.container(request)
    # What is being said here now: the newest public posts, as anyone may read them.
    latest = await c.status_reads.public(None, Page(limit=LANDING_POSTS))
    sign_up = await c.server_reads.sign_up()
    return await render.render(
        request,
        "landing.html",
        status,
        registrations_open=sign_up.enabled,
        sign_up=sign_up,
        latest=latest,
        hot=await c.trend_reads.tags(0, LANDING_TOPICS),
        **context,
    )


async def _signed_in(request: Request, account: Account, next_: str) -> Response:
    apps = session.container(request).app_actions
    app = await apps.do_ensure_app(WEB_APP_NAME, WEB_SCOPES)
    _token, raw = await apps.do_issue_token(app.id, account.id, WEB_SCOPES)
    response = render.redirect(render.local_path(next_))
    session.start(response, request, raw)
    if account.locale in i18n.LOCALES:  # the language the person chose, on any browser
        remember_language(response, account.locale)
    return response


def remember_language(response: Response, locale: str) -> None:
    response.set_cookie(
        i18n.LANG_COOKIE, locale, max_age=LANG_MAX_AGE, samesite="lax", httponly=True, path="/"
    )


@router.get("/auth/sign_in")
async def sign_in_page(request: Request) -> Response:
    if await render.caller(request) is not None:
        return render.redirect(render.local_path(request.query_params.get("next")))
    return await landing(request)


@router.get("/auth/sign_up")
async def sign_up_page(request: Request) -> Response:
    return await sign_in_page(request)


@router.post("/auth/sign_up")
async def sign_up(request: Request) -> Response:
    c = session.container(request)
    _ = render.translator(request)
    if await render.caller(request) is not None:
        return render.redirect("/")
    form = await render.form(request)
    if not (await c.server_reads.sign_up()).enabled:
        return await landing(
            request, 403, sign_up_error=_("Registrations are closed on this server.")
        )
    # The API's sign-up limit, shared: one address's attempts count in the same bucket.
    address = c.rate_limiter.address(
        request.client.host if request.client else None, request.headers.get("x-forwarded-for")
    )
    usage = await c.rate_limiter.hit(Bucket.SIGN_UP, address)
    if usage is not None and not usage.allowed:
        page = await landing(
            request, 429, sign_up_error=_("Too many sign-ups from your address. Try again later.")
        )
        page.headers["Retry-After"] = str(usage.retry_after())
        return page
    values = {
        "username": render.text(form, "username").strip(),
        "email": render.text(form, "email").strip(),
        "invite_code": render.text(form, "invite_code").strip()[:100],
        "reason": render.text(form, "reason").strip()[:SIGN_UP_REASON_MAX],
    }
    registration = Registration(
        username=values["username"],
        email=values["email"],
        password=render.text(form, "password"),
        locale=render.locale_of(request),
        agreement=bool(form.get("agreement")),
        invite_code=values["invite_code"],
        reason=values["reason"],
    )
    try:
        account = await c.account_actions.do_register(registration)
    except RegistrationRejected as rejected:
        errors = {field: _problem(request, field, code) for field, code in rejected.details.items()}
        return await landing(request, 422, errors=errors, values=values)
    except MynaError as refused:  # an invite-only server without a code, a closed one
        return await landing(
            request, 422, sign_up_error=render.refusal(request, refused.message), values=values
        )
    if not account.approved:
        return await landing(
            request,
            202,
            sign_up_notice=_(
                "Thank you! A moderator will look at your sign-up; you can sign in once it "
                "is approved."
            ),
        )
    return await _signed_in(request, account, render.text(form, "next"))


@router.get("/invite/{code}")
async def invite_page(request: Request, code: str) -> Response:
    """An invite link: the sign-up form with its code filled in."""
    if await render.caller(request) is not None:
        return render.redirect("/")
    return await landing(request, values={"invite_code": code.strip()[:100]})


@router.post("/auth/sign_in")
async def sign_in(request: Request) -> Response:
    form = await render.form(request)
    _ = render.translator(request)
    login = render.text(form, "login").strip()
    reads = session.container(request).account_reads
    account = await reads.authenticate(login, render.text(form, "password"))
    refusal = moderation.login_refusal(account) if account is not None else None
    if account is None or refusal is not None:
        return await landing(
            request,
            401 if account is None else 403,
            sign_in_error=_(refusal or "Wrong username, e-mail or password."),
            login=login,
            next=render.local_path(render.text(form, "next"), ""),
        )
    return await _signed_in(request, account, render.text(form, "next"))


@router.post("/auth/sign_out")
async def sign_out(request: Request) -> Response:
    caller = await render.caller(request)
    if caller is not None:
        await render.form(request)
        await session.container(request).app_actions.do_revoke_token(caller.token.id)
    response = render.redirect("/")
    session.end(response)
    return response


@router.post("/web/language")
async def switch_language(request: Request) -> Response:
    """Remembers the chosen interface language (in a cookie, and on the account when signed
    in, so it follows the person to other browsers) and goes back to the page."""
    form = await render.form(request)
    chosen = render.text(form, "locale")
    if chosen not in i18n.LOCALES:
        return await render.message(request, 422, "That did not work", "Unknown language.")
    caller = await render.caller(request)
    if caller is not None and caller.account is not None and caller.account.locale != chosen:
        accounts = session.container(request).account_actions
        await accounts.do_update_credentials(caller.account.id, locale=chosen)
    response = render.back(request, form)
    remember_language(response, chosen)
    return response


def _ids(raw: str) -> list[int]:
    parsed = (parse_id(part.strip()) for part in raw.split(",")[:FRAGMENT_MAX_IDS])
    return [found for found in parsed if found is not None]


@router.get("/web/fragments/statuses")
async def status_fragments(request: Request) -> Response:
    """Status cards, newest first, as the signed-in viewer may see them: what the live layer
    inserts when new posts arrive. Ids the viewer may not see are left out silently."""
    viewer = await render.me(request)
    c = session.container(request)
    wanted = sorted(set(_ids(request.query_params.get("ids", ""))), reverse=True)
    bundle = await c.status_reads.many(viewer.id, wanted)
    return await render.render(request, "_statuses.html", bundle=bundle, unread=0)
