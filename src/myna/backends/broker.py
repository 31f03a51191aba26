"""Publish/subscribe between server processes: in-process by default, Redis pub/sub when
MYNA_REDIS_URL is set, so a client connected to one process hears what was done in another.

Messages are bytes on named channels. A process subscribes to a channel once, however many
local connections listen to it; `streaming/hub.py` fans messages out to those connections."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger("myna.broker")

Handler = Callable[[str, bytes], Awaitable[None]]


class Broker(Protocol):
    async def publish(self, channel: str, message: bytes) -> None: ...

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

    async def subscribe(self, channel: str) -> None:
        self._channels.add(channel)

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)

    async def close(self) -> None:
        self._channels.clear()


class RedisBroker:
    """Scale-out mode: Redis pub/sub, one subscriber connection per process."""

    def __init__(self, url: str, prefix: str = "myna:") -> None:
        from redis import asyncio as redis

        self._redis = redis.from_url(url)
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        self._prefix = prefix
        self._handler: Handler | None = None
        self._reader: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    def set_handler(self, handler: Handler) -> None:
        self._handler = handler

    async def publish(self, channel: str, message: bytes) -> None:
        await self._redis.publish(self._prefix + channel, message)

    async def subscribe(self, channel: str) -> None:
        await self._pubsub.subscribe(self._prefix + channel)
        if self._reader is None:
            self._reader = asyncio.create_task(self._read(), name="myna-redis-broker")

    async def unsubscribe(self, channel: str) -> None:
        await self._pubsub.unsubscribe(self._prefix + channel)

    async def _read(self) -> None:
        while True:
            try:
                message = await self._pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception:  # a dropped Redis connection: retry, the client reconnects
                log.exception("redis pub/sub read failed; retrying")
                await asyncio.sleep(0.5)
                continue
            if message is None or message.get("type") != "message" or self._handler is None:
                continue
            channel = message["channel"]
            if isinstance(channel, bytes):
                channel = channel.decode()
            try:
                await self._handler(channel.removeprefix(self._prefix), message["data"])
            except Exception:
                log.exception("broker handler failed for %s", channel)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self._pubsub.aclose()
        await self._redis.aclose()
