"""The broker backends against the real thing: LocalBroker always, RedisBroker on the Redis named
by MYNA_TEST_REDIS_URL (each test on channels under its own prefix), and, for a Redis restart,
a private redis-server started by the test."""

import asyncio
import contextlib
import logging
import shutil
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from redis import asyncio as redis
from redis.exceptions import RedisError

from myna.backends.broker import Broker, LocalBroker, RedisBroker
from tests.conftest import REDIS_URL

WAIT = 10.0  # seconds: a bound on waiting for something that should happen, never a measure

needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="MYNA_TEST_REDIS_URL is not set (CI sets it to a Redis to test against)"
)


class Inbox:
    """The broker's handler: collects what arrives, in order."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()

    async def __call__(self, channel: str, message: bytes) -> None:
        await self.queue.put((channel, message))

    async def next(self) -> tuple[str, bytes]:
        return await asyncio.wait_for(self.queue.get(), WAIT)


MakeBroker = Callable[..., Awaitable[tuple[Broker, Inbox]]]


def _prefix() -> str:
    return f"myna-test-{uuid.uuid4().hex[:12]}:"


@pytest.fixture
async def make_redis_broker() -> AsyncIterator[MakeBroker]:
    """`await make(prefix=..., url=...)`: a RedisBroker with an Inbox, closed afterwards."""
    made: list[RedisBroker] = []

    async def make(prefix: str | None = None, url: str | None = None) -> tuple[Broker, Inbox]:
        broker = RedisBroker(url or REDIS_URL or "", prefix or _prefix())
        inbox = Inbox()
        broker.set_handler(inbox)
        made.append(broker)
        return broker, inbox

    yield make
    for broker in made:
        await broker.close()


@pytest.fixture(params=["local", pytest.param("redis", marks=needs_redis)])
async def broker(
    request: pytest.FixtureRequest, make_redis_broker: MakeBroker
) -> AsyncIterator[tuple[Broker, Inbox]]:
    if request.param == "redis":
        yield await make_redis_broker()
        return
    local = LocalBroker()
    inbox = Inbox()
    local.set_handler(inbox)
    yield local, inbox
    await local.close()


async def test_delivers_to_subscribed_channels_only(broker: tuple[Broker, Inbox]) -> None:
    bus, inbox = broker
    await bus.subscribe("user:1")
    # Published in this order; the first thing to arrive must be the second message.
    await bus.publish("user:2", b"not for us")
    await bus.publish("public", b"nor this")
    await bus.publish("user:1", b"hello")
    assert await inbox.next() == ("user:1", b"hello")
    assert inbox.queue.empty()


async def test_unsubscribe_stops_delivery(broker: tuple[Broker, Inbox]) -> None:
    bus, inbox = broker
    await bus.subscribe("user:1")
    await bus.subscribe("user:2")
    await bus.publish("user:1", b"one")
    assert await inbox.next() == ("user:1", b"one")
    await bus.unsubscribe("user:1")
    await bus.publish("user:1", b"after unsubscribe")
    await bus.publish("user:2", b"two")
    assert await inbox.next() == ("user:2", b"two")
    assert inbox.queue.empty()


async def test_subscribing_again_after_no_subscriptions(
    broker: tuple[Broker, Inbox], caplog: pytest.LogCaptureFixture
) -> None:
    """With nothing subscribed the broker idles quietly, and wakes up for the next subscriber."""
    bus, inbox = broker
    with caplog.at_level(logging.WARNING, logger="myna.broker"):
        await bus.subscribe("user:1")
        await bus.unsubscribe("user:1")
        await bus.unsubscribe("user:1")  # twice is harmless
        await bus.subscribe("user:1")
        await bus.subscribe("user:1")  # so is subscribing twice: one delivery, not two
        await bus.publish("user:1", b"back")
        await bus.publish("user:2", b"marker")
        await bus.subscribe("user:2")
        await bus.publish("user:2", b"marker")
        assert await inbox.next() == ("user:1", b"back")
        assert await inbox.next() == ("user:2", b"marker")
    assert inbox.queue.empty()
    assert not caplog.records


async def test_messages_are_bytes_as_published(broker: tuple[Broker, Inbox]) -> None:
    bus, inbox = broker
    payload = '{"event":"update","text":"你好 #话题#"}'.encode() + bytes(range(256))
    await bus.subscribe("hashtag:话题")
    await bus.publish("hashtag:话题", payload)
    assert await inbox.next() == ("hashtag:话题", payload)


# Redis only: what makes it a scale-out backend.


async def _redis_client() -> redis.Redis:
    return redis.from_url(REDIS_URL or "")


async def _listener_ids(client: redis.Redis, name: str) -> set[int]:
    return {int(c["id"]) for c in await client.client_list() if c.get("name") == name}


async def _wait_for(check: Callable[[], Awaitable[bool]], what: str) -> None:
    async def until() -> None:
        while not await check():
            await asyncio.sleep(0.05)

    try:
        await asyncio.wait_for(until(), WAIT)
    except TimeoutError:
        pytest.fail(f"gave up after {WAIT:.0f} s waiting for {what}")


async def _subscribers(client: redis.Redis, channel: str) -> int:
    counts = dict(await client.pubsub_numsub(channel))
    return int(counts.get(channel.encode(), 0))


@needs_redis
async def test_two_processes_hear_each_other(make_redis_broker: MakeBroker) -> None:
    """Two brokers on one Redis with the same prefix stand for two server processes."""
    prefix = _prefix()
    a, inbox_a = await make_redis_broker(prefix)
    b, inbox_b = await make_redis_broker(prefix)
    await a.subscribe("user:1")
    await b.subscribe("user:2")
    await b.publish("user:1", b"from b")
    await a.publish("user:2", b"from a")
    assert await inbox_a.next() == ("user:1", b"from b")
    assert await inbox_b.next() == ("user:2", b"from a")
    # Both listen to a channel: both hear it, once each.
    await b.subscribe("public")
    await a.subscribe("public")
    await a.publish("public", b"everyone")
    assert await inbox_a.next() == ("public", b"everyone")
    assert await inbox_b.next() == ("public", b"everyone")
    assert inbox_a.queue.empty()
    assert inbox_b.queue.empty()


@needs_redis
async def test_a_fan_out_reaches_each_listener_once(make_redis_broker: MakeBroker) -> None:
    """publish_many to more channels than one script call takes: every subscribed channel
    hears the message once, under this instance's prefix only."""
    from myna.backends.broker import PUBLISH_BATCH

    prefix = _prefix()
    sender, _ = await make_redis_broker(prefix)
    listener, inbox = await make_redis_broker(prefix)
    stranger, strangers_inbox = await make_redis_broker()
    channels = [f"user:{n}" for n in range(2 * PUBLISH_BATCH + 7)]
    listening = [channels[0], channels[PUBLISH_BATCH], channels[-1]]
    for channel in listening:
        await listener.subscribe(channel)
    await stranger.subscribe(channels[0])
    await sender.publish_many(channels, b"a new status")
    heard = [await inbox.next() for _ in listening]
    assert sorted(heard) == sorted((channel, b"a new status") for channel in listening)
    # One connection delivers in order: no second copy came before this one.
    await listener.subscribe("public")
    await sender.publish("public", b"after")
    assert await inbox.next() == ("public", b"after")
    assert strangers_inbox.queue.empty()


@needs_redis
async def test_prefixes_keep_instances_apart(make_redis_broker: MakeBroker) -> None:
    mine, inbox = await make_redis_broker()
    other, _ = await make_redis_broker()
    await mine.subscribe("public")
    await other.publish("public", b"another instance")
    await mine.publish("public", b"ours")
    assert await inbox.next() == ("public", b"ours")
    assert inbox.queue.empty()


@needs_redis
async def test_handler_failure_does_not_stop_delivery(make_redis_broker: MakeBroker) -> None:
    bus, inbox = await make_redis_broker()

    async def fussy(channel: str, message: bytes) -> None:
        if message == b"bad":
            raise ValueError("cannot handle this one")
        await inbox(channel, message)

    bus.set_handler(fussy)
    await bus.subscribe("user:1")
    await bus.publish("user:1", b"bad")
    await bus.publish("user:1", b"good")
    assert await inbox.next() == ("user:1", b"good")


@needs_redis
async def test_reconnects_after_its_connection_is_killed(make_redis_broker: MakeBroker) -> None:
    prefix = _prefix()
    bus, inbox = await make_redis_broker(prefix)
    assert isinstance(bus, RedisBroker)
    await bus.subscribe("user:1")
    await bus.subscribe("user:2")
    client = await _redis_client()
    try:
        before = await _listener_ids(client, bus.client_name)
        assert len(before) == 1
        killed = await client.execute_command("CLIENT", "KILL", "ID", next(iter(before)))
        assert killed == 1

        async def resubscribed() -> bool:
            ids = await _listener_ids(client, bus.client_name)
            return (
                len(ids) == 1
                and not ids & before
                and await _subscribers(client, prefix + "user:1") == 1
                and await _subscribers(client, prefix + "user:2") == 1
            )

        await _wait_for(resubscribed, "a new listener connection subscribed to both channels")
        await bus.publish("user:2", b"still here")
        assert await inbox.next() == ("user:2", b"still here")
        # And it keeps up with new subscriptions on the new connection.
        await bus.subscribe("user:3")
        await bus.publish("user:3", b"new channel")
        assert await inbox.next() == ("user:3", b"new channel")
    finally:
        await client.aclose()


@needs_redis
async def test_close_disconnects(make_redis_broker: MakeBroker) -> None:
    bus, _ = await make_redis_broker()
    assert isinstance(bus, RedisBroker)
    await bus.subscribe("user:1")
    client = await _redis_client()
    try:
        assert await _listener_ids(client, bus.client_name)
        await bus.close()

        async def gone() -> bool:
            return not await _listener_ids(client, bus.client_name)

        await _wait_for(gone, "the listener connection to close")
    finally:
        await client.aclose()


def test_hiredis_parses_replies() -> None:
    """redis[hiredis] is a dependency: a missing or too old hiredis means a slow pure-Python
    parser, which redis-py would fall back to without a word."""
    from redis.utils import HIREDIS_AVAILABLE

    assert HIREDIS_AVAILABLE


# A Redis restart, on a private redis-server so nothing else sharing Redis is disturbed.


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivateRedis:
    def __init__(self, workdir: Path) -> None:
        self.port = _free_port()
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [
            "redis-server",
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.workdir),
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=WAIT)
        self.process = None

    async def wait_until_up(self) -> None:
        client = redis.from_url(self.url)

        async def answers() -> bool:
            with contextlib.suppress(RedisError, OSError):
                return bool(await client.ping())
            return False

        try:
            await _wait_for(answers, "the private redis-server to answer")
        finally:
            await client.aclose()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    try:
        yield server
    finally:
        server.stop()


async def test_resubscribes_after_redis_restarts(
    private_redis: PrivateRedis, make_redis_broker: MakeBroker
) -> None:
    private_redis.start()
    await private_redis.wait_until_up()
    prefix = _prefix()
    bus, inbox = await make_redis_broker(prefix, private_redis.url)
    await bus.subscribe("user:1")
    await bus.publish("user:1", b"before")
    assert await inbox.next() == ("user:1", b"before")

    private_redis.stop()
    # While Redis is down, publishing fails loudly (publish_on_commit logs it) and subscribing
    # does not fail: the broker subscribes when Redis is back.
    with pytest.raises((RedisError, OSError)):
        await bus.publish("user:1", b"lost")
    await bus.subscribe("user:2")
    await bus.unsubscribe("user:1")
    await bus.subscribe("user:1")

    private_redis.start()
    await private_redis.wait_until_up()
    client = redis.from_url(private_redis.url)
    try:

        async def resubscribed() -> bool:
            return (
                await _subscribers(client, prefix + "user:1") == 1
                and await _subscribers(client, prefix + "user:2") == 1
            )

        await _wait_for(resubscribed, "the broker to subscribe again")
    finally:
        await client.aclose()
    await bus.publish("user:2", b"after")
    await bus.publish("user:1", b"after")
    assert await inbox.next() == ("user:2", b"after")
    assert await inbox.next() == ("user:1", b"after")
