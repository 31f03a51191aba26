"""Who is calling, and may they? One dependency per route: `scope("read:statuses")` resolves
the bearer token and checks the scope (401 without a valid token, 403 without the scope)."""

from collections.abc import Awaitable, Callable

from starlette.datastructures import Headers
from starlette.requests import Request

from myna.container import Container
from myna.lib.errors import Forbidden, Unauthorized, ValidationFailed
from myna.models import Account
from myna.policy import moderation
from myna.policy import scopes as scope_rules
from myna.reads.tokens import Caller


def container(request: Request) -> Container:
    return request.app.state.container


def bearer_token(headers: Headers) -> str | None:
    """`Authorization: Bearer <token>`; the rate-limit middleware reads it the same way."""
    header = headers.get("authorization", "")
    kind, _, value = header.partition(" ")
    if kind.lower() == "bearer" and value.strip():
        return value.strip()
    return None


async def optional_caller(request: Request) -> Caller | None:
    """The caller if a token was sent. A token that was sent but is not valid is a 401,
    even on endpoints that also answer anonymously: a client must learn its token died."""
    cached = getattr(request.state, "caller", None)
    if cached is not None:
        return cached
    raw = bearer_token(request.headers)
    if raw is None:
        return None
    caller = await container(request).token_reads.caller(raw)
    if caller is None:
        raise Unauthorized("The access token is invalid")
    request.state.caller = caller
    return caller


def scope(needed: str, *, user: bool = True) -> Callable[[Request], Awaitable[Caller]]:
    """A dependency that requires a token with `needed` (and, by default, a signed-in user)."""

    async def dependency(request: Request) -> Caller:
        caller = await optional_caller(request)
        if caller is None:
            raise Unauthorized("The access token is invalid")
        if not scope_rules.allows(caller.scopes, needed):
            raise Forbidden("This action is outside the authorized scopes")
        if user and caller.account is None:
            raise ValidationFailed("This method requires an authenticated user")
        return caller

    return dependency


def staff_scope(needed: str) -> Callable[[Request], Awaitable[Caller]]:
    """`scope(needed)` for the admin API, and the caller must be a moderator or an admin: a 403
    before anything else is read, so nobody else learns more than that (the actions check the
    role again)."""

    async def dependency(request: Request) -> Caller:
        caller = await scope(needed)(request)
        moderation.check_staff(caller.account)
        return caller

    return dependency


def read_scope(needed: str) -> Callable[[Request], Awaitable[Caller | None]]:
    """For endpoints that anonymous clients may read: a token, if sent, must carry `needed`."""

    async def dependency(request: Request) -> Caller | None:
        caller = await optional_caller(request)
        if caller is not None and not scope_rules.allows(caller.scopes, needed):
            raise Forbidden("This action is outside the authorized scopes")
        return caller

    return dependency


def viewer_id(caller: Caller | None) -> int | None:
    return caller.account.id if caller is not None and caller.account is not None else None


def account_of(caller: Caller) -> Account:
    assert caller.account is not None  # scope(..., user=True) guarantees it
    return caller.account


def base_url(request: Request) -> str:
    return container(request).settings.base_url.rstrip("/")


def media_url(request: Request) -> Callable[[str], str]:
    """How file keys become URLs with the configured storage backend."""
    return container(request).storage.url
