"""Rate limits: how many calls a token, an app, an address or an account may make per window.
Counts live in process memory in embedded mode and in Redis in scale mode, where every server
process shares them. Which request falls in which bucket, the headers and the 429 are the HTTP
side's business (`api/ratelimits.py`); this module only counts.

Windows are fixed, as Mastodon's throttles are: a bucket's window opens with its first call and
its count is one integer, incremented and given its expiry by one atomic call (a Lua script in
Redis: one round trip). So a call costs the same whatever the limit, and the reset time sent in
X-RateLimit-Reset is exact. A moving window would store one entry per call (300 per token) and
a sliding counter only estimates; the price of fixed windows, a burst of up to twice the limit
across a window's edge, is the one Mastodon pays too."""

import asyncio
import ipaddress
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.errors import StorageError
from redis.asyncio import ConnectionPool

log = logging.getLogger("myna.ratelimit")

# Windows whose reset time we remember, so a Redis counter needs its TTL read only once per
# window and process instead of on every call.
RESETS_REMEMBERED = 10_000

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Bucket(StrEnum):
    TOKEN = "token"  # the calls made with one access token
    APP = "app"  # the calls of every token of one app together
    ADDRESS = "ip"  # anonymous calls (and calls with a token that is not valid) from one address
    SIGN_UP = "sign_up"  # registrations from one address, through the API and the web form
    STATUSES = "statuses"  # the statuses (posts and reposts) one account creates
    MEDIA = "media"  # the uploads of one account


@dataclass(frozen=True)
class Usage:
    """A bucket's state after a call was counted (or, from `peek`, before the next one)."""

    limit: int
    remaining: int
    reset_at: float  # Unix time at which the window ends and the count starts again
    allowed: bool

    def retry_after(self, now: float | None = None) -> int:
        """Whole seconds until the window ends, at least one (for a Retry-After header)."""
        return max(1, math.ceil(self.reset_at - (time.time() if now is None else now)))


def parse_limit(text: str) -> RateLimitItem | None:
    """'300/5 minutes' (limits' notation: also '300 per 5 minutes', '5/hour'); '' is no limit."""
    text = text.strip()
    return parse(text) if text else None


def parse_networks(text: str) -> tuple[Network, ...]:
    """A comma-separated list of addresses or networks ('10.0.0.1, 172.16.0.0/12, ::1')."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip()
    )


def client_address(
    peer: str | None, forwarded_for: str | None, trusted: Iterable[Network] = ()
) -> str:
    """The address a call came from. X-Forwarded-For is believed only when the connection comes
    from a trusted proxy, and then only as far back as proxies are trusted: the right-most
    address that is not a trusted proxy is the client (anything to its left the client wrote)."""
    trusted = tuple(trusted)
    address = peer or "unknown"
    if not trusted or not forwarded_for or not _within(address, trusted):
        return address
    for hop in reversed([part.strip() for part in forwarded_for.split(",")]):
        if not hop:
            continue
        address = hop
        if not _within(hop, trusted):
            break
    return address


def _within(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


class RateLimiter:
    """Counts calls per bucket. A bucket without a limit is not counted (`hit` answers None),
    and so is every bucket while the storage is unreachable: an outage of Redis must not take
    the API down with it."""

    def __init__(
        self,
        storage: Storage | None,
        limits: Mapping[Bucket, RateLimitItem],
        *,
        trusted_proxies: Iterable[Network] = (),
        pool: ConnectionPool | None = None,
    ) -> None:
        self.storage = storage
        self.limits = dict(limits) if storage is not None else {}
        # The server's settings, which the console's overrides replace bucket by bucket.
        self.configured = dict(self.limits)
        self.trusted_proxies = tuple(trusted_proxies)
        self._pool = pool
        # Redis answers a TTL in whole seconds, rounded down: a reset read from it is moved to
        # the next second, so that a client waiting for Retry-After is not refused again.
        self._coarse = isinstance(storage, RedisStorage)
        self._resets: OrderedDict[str, float] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return bool(self.limits)

    def override(self, limits: Mapping[str, str]) -> None:
        """The console's limits (bucket -> "300/5 minutes") over the server's settings; a
        bucket not named keeps its setting. Nothing changes while rate limits are off."""
        if self.storage is None:
            return
        merged = dict(self.configured)
        for name, text in limits.items():
            try:
                bucket, item = Bucket(name), parse_limit(text)
            except ValueError:
                continue
            if item is not None:
                merged[bucket] = item
        self.limits = merged

    def applies(self, bucket: Bucket) -> bool:
        return bucket in self.limits

    def address(self, peer: str | None, forwarded_for: str | None) -> str:
        return client_address(peer, forwarded_for, self.trusted_proxies)

    async def hit(self, bucket: Bucket, who: str) -> Usage | None:
        """Count one call against `who`'s bucket; its usage afterwards."""
        item = self.limits.get(bucket)
        if item is None or self.storage is None:
            return None
        key = item.key_for(bucket.value, who)
        try:
            # What limits' FixedWindowRateLimiter.hit does, keeping the count it throws away:
            # X-RateLimit-Remaining needs it.
            count = await self.storage.incr(key, item.get_expiry())
            reset_at = await self._reset(key, item, opened=count == 1)
        except StorageError as error:
            log.warning("rate limits not applied: %s", error)
            return None
        return Usage(item.amount, max(0, item.amount - count), reset_at, count <= item.amount)

    async def peek(self, bucket: Bucket, who: str) -> Usage | None:
        """`who`'s bucket without counting: `allowed` says whether one more call fits."""
        item = self.limits.get(bucket)
        if item is None or self.storage is None:
            return None
        key = item.key_for(bucket.value, who)
        try:
            count = await self.storage.get(key)
            if count == 0:  # no window yet: one would open with the next call
                reset_at = time.time() + item.get_expiry()
            else:
                reset_at = await self._reset(key, item, opened=False)
        except StorageError as error:
            log.warning("rate limits not applied: %s", error)
            return None
        return Usage(item.amount, max(0, item.amount - count), reset_at, count < item.amount)

    async def _reset(self, key: str, item: RateLimitItem, *, opened: bool) -> float:
        """When `key`'s window ends. `opened`: this call opened it, so it ends one period from
        now."""
        now = time.time()
        if opened:
            reset_at = now + item.get_expiry()
        else:
            known = self._resets.get(key)
            if known is not None and known > now:
                return known
            assert self.storage is not None
            reset_at = await self.storage.get_expiry(key)
            if self._coarse:
                reset_at = min(reset_at + 1, now + item.get_expiry())
        self._resets[key] = reset_at
        self._resets.move_to_end(key)
        while len(self._resets) > RESETS_REMEMBERED:
            self._resets.popitem(last=False)
        return reset_at

    async def clear(self, bucket: Bucket, who: str) -> None:
        item = self.limits.get(bucket)
        if item is not None and self.storage is not None:
            key = item.key_for(bucket.value, who)
            self._resets.pop(key, None)
            await self.storage.clear(key)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.disconnect()
        if isinstance(self.storage, MemoryStorage) and self.storage.timer is not None:
            # The memory storage sweeps expired counters in a task of its own.
            self.storage.timer.cancel()
            await asyncio.gather(self.storage.timer, return_exceptions=True)


def memory_limiter(
    limits: Mapping[Bucket, RateLimitItem], trusted_proxies: Iterable[Network] = ()
) -> RateLimiter:
    """Embedded mode: counts in this process's memory."""
    return RateLimiter(MemoryStorage(), limits, trusted_proxies=trusted_proxies)


def redis_limiter(
    url: str,
    prefix: str,
    limits: Mapping[Bucket, RateLimitItem],
    trusted_proxies: Iterable[Network] = (),
) -> RateLimiter:
    """Scale mode: counts in Redis, under `{prefix}ratelimit:`, shared by every process."""
    pool = ConnectionPool.from_url(url)
    # Our own pool, so that close() can let its connections go (limits' storage has no close).
    options: dict[str, Any] = {"connection_pool": pool}
    storage = RedisStorage(
        "async+" + url,
        implementation="redispy",
        key_prefix=f"{prefix}ratelimit",
        wrap_exceptions=True,
        **options,
    )
    return RateLimiter(storage, limits, trusted_proxies=trusted_proxies, pool=pool)
