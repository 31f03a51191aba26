"""The presence backends: first connection / last connection, per account, across processes.
LocalPresence always; RedisPresence on the Redis named by MYNA_TEST_REDIS_URL (each test under
its own key prefix, several instances standing in for several server processes)."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from myna.backends.presence import LocalPresence, Presence, RedisPresence
from tests.conftest import REDIS_URL

WAIT = 10.0  # a bound on waiting for something that should happen, never a measure

needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="MYNA_TEST_REDIS_URL is not set (CI sets it to a Redis to test against)"
)

MakeRedis = Callable[..., Awaitable[RedisPresence]]


@pytest.fixture
async def make_redis() -> AsyncIterator[MakeRedis]:
    """`await make(ttl=...)`: RedisPresence instances sharing one fresh prefix."""
    prefix = f"myna-test-{uuid.uuid4().hex[:12]}:"
    made: list[RedisPresence] = []

    async def make(ttl: float = 60.0) -> RedisPresence:
        presence = RedisPresence(REDIS_URL or "", prefix, ttl=ttl)
        made.append(presence)
        return presence

    yield make
    for presence in made:
        await presence.close()


async def check_first_and_last(one: Presence, other: Presence) -> None:
    """`one` and `other` are two processes' views of the same presence."""
    assert await one.connect(1, "a") is True
    assert await other.connect(1, "b") is False  # second connection, elsewhere
    assert await one.connect(2, "c") is True
    assert await other.online_among([1, 2, 3]) == {1, 2}
    assert await one.disconnect(1, "a") is False  # "b" is still open
    assert await one.disconnect(1, "a") is False  # twice is not "last"
    assert await other.disconnect(1, "b") is True
    assert await one.online_among([1, 2]) == {2}
    assert await other.disconnect(1, "never-connected") is False
    assert await one.online_among([]) == set()


async def test_local_presence_counts_connections() -> None:
    presence = LocalPresence()
    await check_first_and_last(presence, presence)


@needs_redis
async def test_redis_presence_is_shared_by_processes(make_redis: MakeRedis) -> None:
    await check_first_and_last(await make_redis(), await make_redis())


@needs_redis
async def test_redis_presence_of_a_dead_process_expires(make_redis: MakeRedis) -> None:
    dead, alive, observer = (
        await make_redis(ttl=1.5),
        await make_redis(ttl=1.5),
        await make_redis(ttl=1.5),
    )
    assert await dead.connect(1, "gone") is True
    assert await alive.connect(2, "here") is True
    await dead.close()  # the process dies: no disconnect, no more heartbeats

    async with asyncio.timeout(WAIT):
        while 1 in await observer.online_among([1]):
            await asyncio.sleep(0.1)
    # The live process's heartbeat kept its connection; the dead one no longer counts.
    assert await observer.online_among([1, 2]) == {2}
    assert await observer.connect(1, "new") is True


@needs_redis
async def test_only_one_of_many_simultaneous_connections_is_first(make_redis: MakeRedis) -> None:
    processes = [await make_redis() for _ in range(4)]
    firsts = await asyncio.gather(*(p.connect(7, f"conn-{i}") for i, p in enumerate(processes)))
    assert sorted(firsts) == [False, False, False, True]
    lasts = await asyncio.gather(*(p.disconnect(7, f"conn-{i}") for i, p in enumerate(processes)))
    assert sorted(lasts) == [False, False, False, True]
