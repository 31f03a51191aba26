"""Sending webhooks: which URLs may be called, the HTTP POST itself, and where the sending
runs (tasks of this process in embedded mode, arq jobs in scale mode).

A webhook URL is someone else's input that makes our server open connections, so every
delivery resolves the host again and refuses loopback, private, link-local and other
non-public addresses (unless `MYNA_WEBHOOKS_ALLOW_PRIVATE`), then connects to the address it
checked: the request goes to that IP, with the name in the Host header and, for https, as the
TLS server name (certificates are verified against the name), so a DNS answer that changes
between the check and the connection cannot send it elsewhere. Redirects are not followed."""

import asyncio
import ipaddress
import logging
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from myna.backends.jobs import ArqJobs
from myna.lib.errors import ValidationFailed

log = logging.getLogger("myna.webhooks")

URL_MAX = 2000
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
JOB = "deliver_webhook"


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # without brackets for IPv6
    port: int


def check_url(url: str) -> Target:
    """An absolute http(s) URL without credentials or fragment; plain http only to a loopback
    host (like MYNA_BASE_URL). Raises ValidationFailed with a message for the client."""
    if len(url) > URL_MAX:
        raise ValidationFailed(f"Validation failed: url is too long (at most {URL_MAX})")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise ValidationFailed("Validation failed: url is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed("Validation failed: url must be an absolute http(s) URL")
    if parts.username is not None or parts.password is not None:
        raise ValidationFailed("Validation failed: url must not contain credentials")
    if parts.fragment:
        raise ValidationFailed("Validation failed: url must not have a fragment")
    host = parts.hostname
    if parts.scheme == "http" and not _is_loopback_name(host):
        raise ValidationFailed("Validation failed: url must use https (http only for loopback)")
    return Target(parts.scheme, host, port or (443 if parts.scheme == "https" else 80))


def _is_loopback_name(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def public_address(address: str) -> bool:
    """A globally routable unicast address (an IPv4-mapped IPv6 address by its IPv4 part)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class AddressRefused(Exception):
    """The host does not resolve, or to an address webhooks may not reach."""


async def resolve(target: Target, *, allow_private: bool) -> list[str]:
    """The host's addresses, all of which must be allowed (one refused address refuses the
    host: a name that also points inside the network is not a public receiver)."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise AddressRefused(f"the host {target.host} does not resolve ({exc})") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise AddressRefused(f"the host {target.host} does not resolve")
    if not allow_private:
        refused = [a for a in addresses if not public_address(a)]
        if refused:
            raise AddressRefused(
                f"the host {target.host} resolves to a private or reserved address "
                f"({refused[0]}); webhooks only reach public addresses"
            )
    return addresses


@dataclass(frozen=True)
class Attempt:
    """What one POST came to: a status code, or an error instead (refused, timed out, ...)."""

    status_code: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookSender:
    def __init__(self, *, timeout: float, allow_private: bool, user_agent: str) -> None:
        self.timeout = timeout
        self.allow_private = allow_private
        self.user_agent = user_agent
        self._client: httpx.AsyncClient | None = None

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                follow_redirects=False,
                trust_env=False,  # no proxy from the environment between us and the check
                timeout=self.timeout,
                # One connection per delivery: connections are pinned to a checked address.
                limits=httpx.Limits(max_keepalive_connections=0),
            )
        return self._client

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Attempt:
        try:
            target = check_url(url)
            addresses = await resolve(target, allow_private=self.allow_private)
        except ValidationFailed as exc:
            return Attempt(None, exc.message)
        except AddressRefused as exc:
            return Attempt(None, str(exc))
        parts = urlsplit(url.strip())
        address = addresses[0]
        literal = f"[{address}]" if ":" in address else address
        netloc = literal if parts.port is None else f"{literal}:{parts.port}"
        pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        extensions: dict[str, Any] = {}
        if target.scheme == "https":
            extensions["sni_hostname"] = target.host
        sent = {
            **headers,
            "Host": parts.netloc,
            "User-Agent": self.user_agent,
            "Content-Type": "application/json",
        }
        try:
            request = self.client().build_request(
                "POST", pinned, content=body, headers=sent, extensions=extensions
            )
            # The receiver's body is not read: only its status counts, and it may be huge.
            response = await self.client().send(request, stream=True)
            await response.aclose()
        except httpx.TimeoutException:
            return Attempt(None, f"timed out after {self.timeout:g} s")
        except httpx.HTTPError as exc:
            return Attempt(None, f"{type(exc).__name__}: {exc}"[:1000])
        if 200 <= response.status_code < 300:
            return Attempt(response.status_code, None)
        return Attempt(response.status_code, f"HTTP {response.status_code}")

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


class DeliveryQueue:
    """Where a delivery's attempts run. Embedded mode: tasks of this process (not InlineJobs,
    which would make the request that caused the event wait for the receiver); a delay is a
    sleeping task. Scale mode: an arq job, deferred by the delay. Either way the database
    holds the truth (the delivery's `next_attempt_at`), and the housekeeping sweep pushes
    what is due and was lost (a restart, a flushed Redis)."""

    def __init__(self, jobs: object, run: Callable[[int], Awaitable[None]]) -> None:
        self.arq = jobs if isinstance(jobs, ArqJobs) else None
        self.run = run
        self._tasks: set[asyncio.Task[None]] = set()

    async def push(self, delivery_id: int, delay: float = 0.0) -> None:
        if self.arq is not None:
            pool = await self.arq.pool()
            await pool.enqueue_job(
                JOB,
                delivery_id,
                # Unique: a delivery may be pushed again (a replay, the sweep); the attempt
                # itself is claimed in the database, so extra jobs do nothing.
                _job_id=f"{self.arq.prefix}webhook:{delivery_id}:{uuid.uuid4().hex}",
                _queue_name=self.arq.queue_name,
                _defer_by=delay if delay > 0 else None,
            )
            return
        task = asyncio.create_task(self._later(delivery_id, delay))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _later(self, delivery_id: int, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            await self.run(delivery_id)
        except Exception:
            log.exception("webhook delivery %d failed", delivery_id)

    async def close(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
