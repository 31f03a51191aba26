"""Browser sessions: an HTTP-only cookie holding a bearer token of the built-in "Myna Web"
app (stored hashed like every token), and a CSRF token derived from it.

The CSRF token is a digest of the session token: a page on another site can neither read the
cookie nor compute the digest, so a form that carries it came from one of our pages."""

import hashlib
import hmac

from starlette.requests import Request
from starlette.responses import Response

from myna.container import Container
from myna.reads.tokens import Caller

COOKIE = "myna_session"
WEB_APP_NAME = "Myna Web"
WEB_SCOPES = "read write follow push"
MAX_AGE = 60 * 60 * 24 * 90


def container(request: Request) -> Container:
    return request.app.state.container


async def current(request: Request) -> Caller | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    caller = await container(request).token_reads.caller(raw)
    if caller is None or caller.account is None:
        return None
    return caller


def csrf_token(request: Request) -> str:
    raw = request.cookies.get(COOKIE, "")
    return hashlib.sha256(f"csrf:{raw}".encode()).hexdigest()[:40] if raw else ""


def csrf_ok(request: Request, submitted: str | None) -> bool:
    expected = csrf_token(request)
    return bool(expected) and hmac.compare_digest(expected, submitted or "")


def start(response: Response, request: Request, raw_token: str) -> None:
    secure = container(request).settings.base_url.startswith("https://")
    response.set_cookie(
        COOKIE, raw_token, max_age=MAX_AGE, httponly=True, samesite="lax", secure=secure, path="/"
    )


def end(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")
