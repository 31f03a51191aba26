"""Publish/subscribe between server processes: in-process by default, Redis pub/sub when
MYNA_REDIS_URL is set, so a client connected to one process hears what was done in another.

Messages are bytes on named channels. A process subscribes to a channel once, however many
local connections listen to it; `streaming/hub.py` fans messages out to those connections."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

if TYPE_CHECKING:
    from redis.asyncio.client import PubSub

log = logging.getLogger("myna.broker")

Handler = Callable[[str, bytes], Awaitable[None]]

READ_TIMEOUT = 1.0  # seconds a read waits for a message before the reader loops
CONFIRM_TIMEOUT = 5.0  # seconds subscribe() waits for Redis to confirm
MAX_BACKOFF = 5.0  # seconds between reconnection attempts, at most


class Broker(Protocol):
    async def publish(self, channel: str, message: bytes) -> None: ...

    async def publish_many(self, channels: list[str], message: bytes) -> None: ...

    async def subscribe(self, channel: str) -> None: ...

    async def unsubscribe(self, channel: str) -> None: ...

    def set_handler(self, handler: Handler) -> None: ...

    async def close(self) -> None: ...


class LocalBroker:
    """Embedded mode: one process, so publishing is handing the message to the handler."""

    def __init__(self) -> None:
        self._channels: set[str] = set()
        self._handler: Handler | None = None

    def set_handler(self, handler: Handler) -> None:
        self._handler = handler

    async def publish(self, channel: str, message: bytes) -> None:
        if self._handler is not None and channel in self._channels:
            await self._handler(channel, message)

    async def publish_many(self, channels: list[str], message: bytes) -> None:
        for channel in channels:
            await self.publish(channel, message)

    async def subscribe(self, channel: str) -> None:
        self._channels.add(channel)

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)

    async def close(self) -> None:
        self._channels.clear()


def _report_crash(task: "asyncio.Task[None]") -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the Redis broker's reader stopped", exc_info=task.exception())


# ARGV: the message, the channel prefix, then the channels. No keys: pub/sub has none.
_PUBLISH = """
local message, prefix = ARGV[1], ARGV[2]
for i = 3, #ARGV do redis.call('PUBLISH', prefix .. ARGV[i], message) end
return 0
"""
# Channels per script call: a few milliseconds of Redis's time, so others are not kept waiting.
PUBLISH_BATCH = 5000


class RedisBroker:
    """Scale-out mode: Redis pub/sub. Publishing uses a connection pool; listening uses one
    subscriber connection per process, owned by a reader task.

    Every channel name gets `prefix`, so several Myna instances can share one Redis. The
    connection is disposable: when it fails (Redis restarted, the connection was killed), the
    reader drops it, waits a little longer after each failed attempt, and opens a new one
    subscribed to the channels wanted now. Messages published while it was away are lost, as
    pub/sub always loses them; clients catch up through the REST timelines."""

    def __init__(self, url: str, prefix: str = "myna:") -> None:
        from redis import asyncio as redis
        from redis.utils import HIREDIS_AVAILABLE

        if not HIREDIS_AVAILABLE:
            log.warning("hiredis is not installed: Redis replies are parsed in pure Python")
        self._prefix = prefix
        self._redis = redis.from_url(url)
        self._publish_script = self._redis.register_script(_PUBLISH)
        # Named, so `CLIENT LIST` shows which connections are Myna's listeners (a client name
        # may not contain spaces).
        self.client_name = "myna-broker:" + "".join(prefix.split())
        self._listener = redis.from_url(url, client_name=self.client_name, socket_keepalive=True)
        self._channels: set[str] = set()  # wanted now, without the prefix
        self._pubsub: PubSub | None = None
        self._confirmations: dict[str, asyncio.Future[None]] = {}
        self._handler: Handler | None = None
        self._lock = asyncio.Lock()  # orders (re)connecting against subscribe/unsubscribe
        self._wanted = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        # Only the reader replaces a failed connection; a failed subscribe or unsubscribe
        # marks it broken for the reader to replace.
        self._broken = False
        self._failures = 0

    def set_handler(self, handler: Handler) -> None:
        self._handler = handler

    async def publish(self, channel: str, message: bytes) -> None:
        # Errors reach the caller: publish_on_commit logs them, the write stands.
        await self._redis.publish(self._prefix + channel, message)

    async def publish_many(self, channels: list[str], message: bytes) -> None:
        """A whole fan-out (a copy per follower) in one script call per PUBLISH_BATCH channels:
        the message crosses once, and the client packs one command instead of thousands
        (3 to 4 times less time than a pipeline of PUBLISH for 2,000 followers)."""
        for start in range(0, len(channels), PUBLISH_BATCH):
            batch = channels[start : start + PUBLISH_BATCH]
            await self._publish_script(keys=[], args=[message, self._prefix, *batch])

    async def subscribe(self, channel: str) -> None:
        """Returns once Redis confirmed the subscription, so anything published afterwards
        arrives; while Redis is unreachable it returns at once and the reader subscribes when
        it reconnects."""
        async with self._lock:
            if channel in self._channels:
                return
            self._channels.add(channel)
            self._wanted.set()
            if self._reader is None:
                self._reader = asyncio.create_task(self._read(), name="myna-redis-broker")
                self._reader.add_done_callback(_report_crash)
            if self._failures:
                return
            confirmed = asyncio.get_running_loop().create_future()
            self._confirmations[channel] = confirmed
            try:
                if self._pubsub is None:
                    await self._connect_locked()
                else:
                    await self._pubsub.subscribe(self._prefix + channel)
            except (RedisError, OSError) as exc:
                del self._confirmations[channel]
                self._broken = self._pubsub is not None
                self._failures += 1
                if self._failures == 1:
                    log.warning("Redis pub/sub unavailable (%s); reconnecting", exc)
                return
        try:
            await asyncio.wait_for(asyncio.shield(confirmed), CONFIRM_TIMEOUT)
        except TimeoutError:
            log.warning("Redis has not confirmed the subscription to %s yet", channel)
        finally:
            if self._confirmations.get(channel) is confirmed:
                del self._confirmations[channel]

    async def unsubscribe(self, channel: str) -> None:
        async with self._lock:
            if channel not in self._channels:
                return
            # From here on nothing is delivered for it, even if Redis still sends some.
            self._channels.discard(channel)
            if self._pubsub is None:
                return
            try:
                await self._pubsub.unsubscribe(self._prefix + channel)
            except (RedisError, OSError):
                self._broken = True  # the reader reconnects, without this channel

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        async with self._lock:
            self._channels.clear()
            await self._drop_locked()
            for confirmed in self._confirmations.values():
                if not confirmed.done():
                    confirmed.set_result(None)
        await self._listener.aclose()
        await self._redis.aclose()

    # The reader task.

    async def _read(self) -> None:
        while True:
            if not self._channels:
                # Nothing to listen to: sleep until a subscription, rather than poll.
                self._wanted.clear()
                await self._wanted.wait()
                continue
            try:
                pubsub = await self._connection()
                if pubsub is None:
                    continue
                message = await pubsub.get_message(timeout=READ_TIMEOUT)
            except (RedisError, OSError) as exc:
                await self._lost(exc)
                continue
            if message is not None:
                await self._dispatch(message)

    async def _connection(self) -> "PubSub | None":
        async with self._lock:
            if self._broken:
                raise RedisConnectionError("a subscribe or unsubscribe command failed")
            if self._pubsub is None and self._channels:
                await self._connect_locked()
                if self._failures:
                    log.info(
                        "Redis pub/sub reconnected after %d failed attempts; "
                        "listening to %d channels again",
                        self._failures,
                        len(self._channels),
                    )
                    self._failures = 0
            return self._pubsub

    async def _connect_locked(self) -> None:
        pubsub = self._listener.pubsub()
        try:
            await pubsub.subscribe(*(self._prefix + channel for channel in self._channels))
        except (RedisError, OSError):
            with contextlib.suppress(RedisError, OSError):
                await pubsub.aclose()
            raise
        self._pubsub = pubsub

    async def _drop_locked(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        self._broken = False
        if pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await pubsub.aclose()

    async def _lost(self, exc: Exception) -> None:
        async with self._lock:
            await self._drop_locked()
        self._failures += 1
        if self._failures == 1:
            log.warning("Redis pub/sub unavailable (%s); reconnecting", exc)
        # 0.1 s, 0.2 s, 0.4 s, ... then every 5 s: no busy loop and no log spam while it is down.
        await asyncio.sleep(min(MAX_BACKOFF, 0.05 * 2**self._failures))

    async def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        raw = message.get("channel")
        if not isinstance(raw, bytes | str) or kind not in ("message", "subscribe"):
            return
        name = raw.decode() if isinstance(raw, bytes) else raw
        if not name.startswith(self._prefix):
            return
        channel = name[len(self._prefix) :]
        if kind == "subscribe":
            confirmed = self._confirmations.get(channel)
            if confirmed is not None and not confirmed.done():
                confirmed.set_result(None)
            return
        if channel not in self._channels or self._handler is None:
            return
        try:
            await self._handler(channel, message["data"])
        except Exception:
            log.exception("broker handler failed for %s", channel)
