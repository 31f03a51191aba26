"""What every web page shares: the signed-in person, rendering in the reader's language,
CSRF-checked forms, safe redirects, and domain errors shown as pages instead of JSON.

Web routers use `WebRoute`, so a handler may simply raise: `SignInRequired` sends the browser
to the sign-in page and back, `StaleForm` (a missing or forged CSRF token) and the domain
errors (`NotFound`, `Forbidden`, `ValidationFailed`, ...) answer a page with the message in
the reader's language and the matching 4xx status. Nothing has been written when they are
raised: actions write in one transaction."""

import secrets
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi.routing import APIRoute
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from myna.lib.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    MynaError,
    NotFound,
    Unauthorized,
    ValidationFailed,
)
from myna.lib.ids import parse_id
from myna.models import Account
from myna.reads.tokens import Caller
from myna.web import i18n, session

ERROR_STATUS: dict[type[MynaError], int] = {
    NotFound: 404,
    ValidationFailed: 422,
    BadRequest: 400,
    Forbidden: 403,
    Unauthorized: 403,
    Conflict: 409,
}


# Pieces of pages that the live layer (static/myna.js) fetches and inserts.
FRAGMENTS = "/web/fragments/"
# Sent by page scripts that submit a form themselves and update the page in place.
FRAGMENT_HEADER = "x-myna-fragment"


class SignInRequired(Exception):
    """The page needs a signed-in person."""


class StaleForm(Exception):
    """The form's CSRF token is missing or wrong: it did not come from one of our pages."""


async def caller(request: Request) -> Caller | None:
    """The signed-in person's session, looked up once per request."""
    if not hasattr(request.state, "web_caller"):
        request.state.web_caller = await session.current(request)
    found: Caller | None = request.state.web_caller
    return found


async def me(request: Request) -> Account:
    """The signed-in account, or `SignInRequired`."""
    found = await caller(request)
    if found is None or found.account is None:
        raise SignInRequired()
    return found.account


async def signed_in(request: Request) -> Caller:
    found = await caller(request)
    if found is None or found.account is None:
        raise SignInRequired()
    return found


def locale_of(request: Request) -> str:
    if not hasattr(request.state, "web_locale"):
        request.state.web_locale = i18n.negotiate(
            request.cookies.get(i18n.LANG_COOKIE), request.headers.get("accept-language", "")
        )
    found: str = request.state.web_locale
    return found


def translator(request: Request) -> Callable[[str], str]:
    """gettext in the reader's language, for messages made in Python (`_ = translator(r)`)."""
    return i18n.gettext_for(locale_of(request))


VALIDATION_PREFIX = "Validation failed: "


def refusal(request: Request, message: str) -> str:
    """An action's error in the reader's language, without the API's "Validation failed:"."""
    shown = translator(request)(message)
    if shown.startswith(VALIDATION_PREFIX):
        shown = shown[len(VALIDATION_PREFIX) :]
        shown = shown[:1].upper() + shown[1:]
    return shown


async def form(request: Request) -> FormData:
    """The submitted form, once its CSRF token is checked (`StaleForm` otherwise)."""
    submitted = await request.form()
    token = submitted.get("csrf")
    if not session.csrf_ok(request, token if isinstance(token, str) else None):
        raise StaleForm()
    return submitted


def text(submitted: FormData, name: str) -> str:
    """A text field; absent or a file counts as empty. Browsers send line breaks as CRLF."""
    value = submitted.get(name)
    return value.replace("\r\n", "\n") if isinstance(value, str) else ""


def files(submitted: FormData, name: str) -> list[UploadFile]:
    return [f for f in submitted.getlist(name) if isinstance(f, UploadFile) and f.filename]


def local_path(value: str | None, default: str = "/") -> str:
    """`value` if it is a path on this site (never another host), else `default`."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def wants_fragment(request: Request) -> bool:
    """Whether a page script sent the form and will update the page itself."""
    return request.headers.get(FRAGMENT_HEADER) == "1"


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def back(request: Request, submitted: FormData | None = None, default: str = "/") -> Response:
    """Back to the page the form was on (its `next` field), after a change; to a page script
    that sent the form itself, just "done" (204)."""
    if wants_fragment(request):
        return Response(status_code=204)
    wanted = text(submitted, "next") if submitted is not None else ""
    return redirect(local_path(wanted or request.query_params.get("next"), default))


def _security_headers(request: Request) -> dict[str, str]:
    c = session.container(request)
    public = getattr(c.storage, "public_url", "")
    media = f" {public}" if public.startswith("http") else ""
    return {
        "Cache-Control": "private, no-store",
        "Content-Security-Policy": (
            f"default-src 'self'; img-src 'self' data: blob:{media}; object-src 'none'; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        ),
        "Referrer-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
    }


def _here(request: Request) -> str:
    """The page a form on this page returns to. A fragment is part of the page that fetched
    it, so its forms return to that page (the Referer) rather than to the fragment."""
    if request.url.path.startswith(FRAGMENTS):
        referer = urlsplit(request.headers.get("referer", ""))
        if referer.netloc == request.headers.get("host"):
            return local_path(referer.path + (f"?{referer.query}" if referer.query else ""))
        return "/"
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


async def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """The page `name` in the reader's language, with what the layout needs."""
    c = session.container(request)
    locale = locale_of(request)
    found = await caller(request)
    viewer = found.account if found is not None else None
    context.setdefault("title", c.settings.instance_title)
    context.setdefault("me", viewer)
    context["instance_title"] = c.settings.instance_title
    context["csrf"] = session.csrf_token(request)
    context["here"] = _here(request)
    context.setdefault("media_url", c.storage.url)
    if viewer is not None and "unread" not in context:
        context["unread"] = await c.notification_reads.unread_count(viewer.id)
    body = i18n.environment(locale).get_template(name).render(**context)
    response = HTMLResponse(body, status_code=status, headers=_security_headers(request))
    session.ensure_presession(request, response)
    return response


async def message(
    request: Request, status: int, heading: str, text_: str, *, translate: bool = True
) -> HTMLResponse:
    _ = translator(request)
    referer = urlsplit(request.headers.get("referer", ""))
    same_site = referer.netloc == request.headers.get("host")
    return await render(
        request,
        "message.html",
        status,
        heading=_(heading) if translate else heading,
        message=_(text_) if translate else text_,
        back=local_path(referer.path + (f"?{referer.query}" if referer.query else ""), "")
        if same_site
        else "",
    )


class WebRoute(APIRoute):
    """A route whose errors are pages in the reader's language (see the module docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                if request.method != "GET":
                    target = request.headers.get("referer", "/")
                    target = local_path(urlsplit(target).path or "/")
                return redirect(f"/auth/sign_in?next={quote(target, safe='/')}")
            except StaleForm:
                return await message(
                    request,
                    403,
                    "Form expired",
                    "This form has expired. Go back, reload the page and try again.",
                )
            except MynaError as error:
                status = next(
                    (code for kind, code in ERROR_STATUS.items() if isinstance(error, kind)), 400
                )
                heading = "Not found" if status == 404 else "That did not work"
                return await message(request, status, heading, error.message)

        return run


def idempotency_key() -> str:
    return secrets.token_urlsafe(16)


def path_id(raw: object) -> int:
    """An id from the URL; one that cannot be an id is as missing as an unknown one."""
    found = parse_id(raw)
    if found is None:
        raise NotFound()
    return found


def max_id(request: Request) -> int | None:
    """The `max_id` of an "Older" link: where a page of a list starts."""
    return parse_id(request.query_params.get("max_id"))
