"""Rate limits on the API, as a pure ASGI middleware: which buckets a request counts against,
the X-RateLimit-* headers on every answer, and the 429 that stops a request before any route
runs. The counting itself is `backends/ratelimit.py`.

Buckets (limits in `MYNA_RATE_LIMIT_*`):
- a call with a valid token counts against the token and against its app;
- an anonymous call, or one with a token that is not valid, against the caller's address (so
  made-up tokens do not buy fresh buckets);
- registering (`POST /api/v1/accounts`; the web form shares the bucket) against the address;
- creating a status or a repost, and uploading media, against the account. These count what
  was done: the bucket is checked before the route runs and counted only when it succeeded, as
  Mastodon counts statuses and not attempts.

The token is resolved here, once: the caller is left in `request.state.caller`, where
`api.deps` finds it instead of looking the token up again.

The same middleware counts every call made with a valid token, and every error answer
(status >= 400, a 429 included), for the token's app in `backends/usage.py`: the developer
portal's usage chart. It counts even when rate limits are off."""

import asyncio
import re
from datetime import UTC, datetime

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from myna.api.deps import bearer_token
from myna.api.responses import error_response
from myna.backends.ratelimit import Bucket, RateLimiter, Usage
from myna.backends.usage import UsageCounter
from myna.reads.tokens import Caller, TokenReads

# What is limited: the API (streaming's WebSocket upgrade is not an HTTP request, so it passes
# untouched) and the OAuth endpoints that answer API clients, not the pages of the sign-in flow.
LIMITED_PREFIXES = ("/api/",)
LIMITED_PATHS = frozenset({"/oauth/token", "/oauth/revoke"})
SIGN_UP_PATHS = frozenset({"/api/v1/accounts"})
MEDIA_PATHS = frozenset({"/api/v1/media", "/api/v2/media"})
STATUS_PATHS = re.compile(r"/api/v1/statuses(/[^/]+/reblog)?")

Check = tuple[Bucket, str]


def limited(path: str) -> bool:
    return path.startswith(LIMITED_PREFIXES) or path in LIMITED_PATHS


def iso_time(timestamp: float) -> str:
    """Mastodon's X-RateLimit-Reset: ISO 8601 in UTC with microseconds."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def rate_limit_headers(usage: Usage) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(usage.limit),
        "X-RateLimit-Remaining": str(usage.remaining),
        "X-RateLimit-Reset": iso_time(usage.reset_at),
    }


def tightest(usages: list[Usage]) -> Usage:
    """The usage a client should be told about: the bucket with the fewest calls left (of
    those, the one that resets last)."""
    return min(usages, key=lambda usage: (usage.remaining, -usage.reset_at))


class RateLimits:
    def __init__(
        self,
        app: ASGIApp,
        limiter: RateLimiter,
        tokens: TokenReads,
        usage: UsageCounter | None = None,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.tokens = tokens
        self.usage = usage

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not limited(path):
            await self.app(scope, receive, send)
            return
        if not self.limiter.enabled:
            await self._count_only(scope, receive, send)
            return
        headers = Headers(scope=scope)
        peer = scope["client"][0] if scope.get("client") else None
        address = self.limiter.address(peer, headers.get("x-forwarded-for"))
        counted, on_success = await self._checks(scope, headers, path.rstrip("/"), address)

        found = await asyncio.gather(
            *(self.limiter.hit(bucket, who) for bucket, who in counted),
            *(self.limiter.peek(bucket, who) for bucket, who in on_success),
        )
        now = [usage for usage in found[: len(counted)] if usage is not None]
        before = [usage for usage in found[len(counted) :] if usage is not None]
        refused = [usage for usage in (*now, *before) if not usage.allowed]
        if refused:
            # The bucket that frees up last: when it does, every refusing bucket has.
            worst = max(refused, key=lambda usage: usage.reset_at)
            response = error_response(
                429,
                "Too many requests",
                headers={**rate_limit_headers(worst), "Retry-After": str(worst.retry_after())},
            )
            self._count(scope, 429)
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._count(scope, message["status"])
                after = before
                if on_success and message["status"] < 400:
                    done = await asyncio.gather(
                        *(self.limiter.hit(bucket, who) for bucket, who in on_success)
                    )
                    after = [usage for usage in done if usage is not None]
                reported = now + after
                if reported:
                    MutableHeaders(scope=message).update(rate_limit_headers(tightest(reported)))
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _count(self, scope: Scope, status: int) -> None:
        caller: Caller | None = scope.get("state", {}).get("caller")
        if self.usage is not None and caller is not None:
            self.usage.count(caller.app.id, error=status >= 400)

    async def _count_only(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Rate limits off: the caller is still resolved (once, for `api.deps` too) so that
        the call counts for its app."""
        raw = bearer_token(Headers(scope=scope)) if self.usage is not None else None
        caller = await self.tokens.caller(raw) if raw is not None else None
        if caller is None:
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})["caller"] = caller

        async def send_counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._count(scope, message["status"])
            await send(message)

        await self.app(scope, receive, send_counted)

    async def _checks(
        self, scope: Scope, headers: Headers, path: str, address: str
    ) -> tuple[list[Check], list[Check]]:
        """The buckets counted now, and those checked now but counted only on success."""
        counted: list[Check] = []
        on_success: list[Check] = []
        raw = bearer_token(headers)
        caller = await self.tokens.caller(raw) if raw is not None else None
        if caller is not None:
            scope.setdefault("state", {})["caller"] = caller  # api.deps reuses it
            counted += [(Bucket.TOKEN, str(caller.token.id)), (Bucket.APP, str(caller.app.id))]
        else:
            counted.append((Bucket.ADDRESS, address))
        if scope["method"] != "POST":
            return counted, on_success
        if path in SIGN_UP_PATHS:
            counted.append((Bucket.SIGN_UP, address))
        account = caller.account if caller is not None else None
        if account is not None:
            if STATUS_PATHS.fullmatch(path):
                on_success.append((Bucket.STATUSES, str(account.id)))
            elif path in MEDIA_PATHS:
                on_success.append((Bucket.MEDIA, str(account.id)))
        return counted, on_success
