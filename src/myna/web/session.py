"""Browser sessions: an HTTP-only cookie holding a bearer token of the built-in "Myna Web"
app (stored hashed like every token), and a CSRF token derived from it.

The CSRF token is a digest of the session token (or, before signing in, of a random
`myna_csrf` cookie that the first page sets): a page on another site can neither read the
cookies nor compute the digest, so a form that carries it came from one of our pages. Signing
in therefore needs a token too, and a forged sign-in form is refused like any other."""

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from myna.container import Container
from myna.reads.tokens import WEB_SESSION_COOKIE, Caller

COOKIE = WEB_SESSION_COOKIE
PRESESSION_COOKIE = "myna_csrf"
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


def _csrf_seed(request: Request) -> str:
    seed = request.cookies.get(COOKIE) or request.cookies.get(PRESESSION_COOKIE)
    if not seed and hasattr(request.state, "presession"):
        seed = request.state.presession
    return seed or ""


def csrf_token(request: Request) -> str:
    seed = _csrf_seed(request)
    if not seed and request.method in ("GET", "HEAD"):
        # The first page a browser sees: its forms carry a token for the cookie set with it.
        seed = request.state.presession = secrets.token_urlsafe(24)
    return hashlib.sha256(f"csrf:{seed}".encode()).hexdigest()[:40] if seed else ""


def ensure_presession(request: Request, response: Response) -> None:
    """Sets the pre-sign-in CSRF cookie when this page made one."""
    seed = getattr(request.state, "presession", None)
    if seed and not request.cookies.get(COOKIE) and not request.cookies.get(PRESESSION_COOKIE):
        response.set_cookie(
            PRESESSION_COOKIE,
            seed,
            httponly=True,
            samesite="lax",
            secure=_secure(request),
            path="/",
        )


def csrf_ok(request: Request, submitted: str | None) -> bool:
    expected = csrf_token(request)
    return bool(expected) and hmac.compare_digest(expected, submitted or "")


def _secure(request: Request) -> bool:
    return container(request).settings.base_url.startswith("https://")


def start(response: Response, request: Request, raw_token: str) -> None:
    response.set_cookie(
        COOKIE,
        raw_token,
        max_age=MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )


def end(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")
