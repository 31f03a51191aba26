"""The counting side of rate limits: buckets in memory and in Redis (shared by every limiter on
it, as by every server process), peeking without counting, and which address a call came from
behind trusted proxies."""

import time
import uuid
from collections.abc import AsyncIterator

import pytest

from myna.backends.ratelimit import (
    Bucket,
    RateLimiter,
    client_address,
    memory_limiter,
    parse_limit,
    parse_networks,
    redis_limiter,
)
from tests.conftest import REDIS_URL, drop_redis_keys

needs_redis = pytest.mark.skipif(not REDIS_URL, reason="needs MYNA_TEST_REDIS_URL")


def three_an_hour() -> dict[Bucket, object]:
    item = parse_limit("3/1 hour")
    assert item is not None
    return {Bucket.TOKEN: item}


async def _counts_and_peeks(limiter: RateLimiter, other: RateLimiter | None = None) -> None:
    other = other or limiter
    peeked = await limiter.peek(Bucket.TOKEN, "t1")
    assert peeked is not None
    assert (peeked.limit, peeked.remaining, peeked.allowed) == (3, 3, True)
    first = await limiter.hit(Bucket.TOKEN, "t1")
    second = await other.hit(Bucket.TOKEN, "t1")
    assert first is not None and second is not None
    assert (first.remaining, second.remaining) == (2, 1)
    assert second.reset_at == pytest.approx(first.reset_at, abs=1.0)
    assert 3590 < first.reset_at - time.time() <= 3600
    seen, seen_too = await limiter.peek(Bucket.TOKEN, "t1"), await other.peek(Bucket.TOKEN, "t1")
    assert seen is not None and seen_too is not None
    assert seen.remaining == seen_too.remaining == 1
    assert seen.reset_at == pytest.approx(seen_too.reset_at, abs=1.0)
    third = await other.hit(Bucket.TOKEN, "t1")
    fourth = await limiter.hit(Bucket.TOKEN, "t1")
    assert third is not None and fourth is not None
    assert (third.allowed, third.remaining) == (True, 0)
    assert (fourth.allowed, fourth.remaining) == (False, 0)
    assert fourth.retry_after() > 3590
    after = await other.peek(Bucket.TOKEN, "t1")
    assert after is not None and not after.allowed
    # Another identity, and a bucket without a limit, are not touched.
    fresh = await limiter.hit(Bucket.TOKEN, "t2")
    assert fresh is not None and fresh.remaining == 2
    assert await limiter.hit(Bucket.APP, "t1") is None
    assert await limiter.peek(Bucket.APP, "t1") is None


async def test_memory_buckets_count_and_peek() -> None:
    limiter = memory_limiter(three_an_hour())  # type: ignore[arg-type]
    try:
        assert limiter.enabled and limiter.applies(Bucket.TOKEN)
        assert not limiter.applies(Bucket.MEDIA)
        await _counts_and_peeks(limiter)
    finally:
        await limiter.close()


async def test_without_limits_nothing_is_counted() -> None:
    limiter = RateLimiter(None, {})
    assert not limiter.enabled
    assert await limiter.hit(Bucket.TOKEN, "t1") is None


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    name = f"myna-test-{uuid.uuid4().hex[:12]}:"
    yield name
    drop_redis_keys(name)


@needs_redis
async def test_redis_buckets_are_shared_by_every_limiter_on_it(prefix: str) -> None:
    assert REDIS_URL
    one = redis_limiter(REDIS_URL, prefix, three_an_hour())  # type: ignore[arg-type]
    two = redis_limiter(REDIS_URL, prefix, three_an_hour())  # type: ignore[arg-type]
    try:
        await _counts_and_peeks(one, two)
    finally:
        await one.close()
        await two.close()
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{prefix}ratelimit:*"))
    finally:
        client.close()
    assert len(keys) == 2  # t1 and t2, under the instance's prefix


async def test_an_unreachable_redis_limits_nothing() -> None:
    # Port 1 on loopback refuses connections: the API must go on answering.
    limiter = redis_limiter("redis://127.0.0.1:1/0", "x:", three_an_hour())  # type: ignore[arg-type]
    try:
        assert await limiter.hit(Bucket.TOKEN, "t1") is None
        assert await limiter.peek(Bucket.TOKEN, "t1") is None
    finally:
        await limiter.close()


def test_forwarded_for_is_believed_only_from_trusted_proxies() -> None:
    proxies = parse_networks("10.0.0.0/8, ::1")
    # No trusted proxy configured: the peer, whatever the header says.
    assert client_address("203.0.113.5", "198.51.100.1") == "203.0.113.5"
    # From a trusted proxy: the right-most address that is not a proxy.
    assert client_address("10.0.0.1", "198.51.100.1, 10.0.0.7", proxies) == "198.51.100.1"
    assert client_address("::1", "198.51.100.1", proxies) == "198.51.100.1"
    # What the client wrote itself, left of its own address, is ignored.
    assert client_address("10.0.0.1", "6.6.6.6, 198.51.100.1", proxies) == "198.51.100.1"
    # A peer that is not a proxy is the client, header or not.
    assert client_address("203.0.113.5", "198.51.100.1", proxies) == "203.0.113.5"
    # Only proxies in the chain: the farthest one.
    assert client_address("10.0.0.1", "10.0.0.9", proxies) == "10.0.0.9"
    assert client_address("10.0.0.1", None, proxies) == "10.0.0.1"
    assert client_address(None, None, proxies) == "unknown"


def test_limit_notation() -> None:
    item = parse_limit("300/5 minutes")
    assert item is not None and (item.amount, item.get_expiry()) == (300, 300)
    assert parse_limit("  ") is None
    with pytest.raises(ValueError):
        parse_limit("many")
