"""Who is connected to the streaming API right now: counted per account, in-process by default,
in Redis when MYNA_REDIS_URL is set so that every server process sees the same answer.

`connect` says whether a connection is its account's first anywhere, `disconnect` whether it
was the last: that is when partners hear "online" / "offline" (actions/presence.py)."""

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable
from typing import Any, Protocol

log = logging.getLogger("myna.presence")


class Presence(Protocol):
    async def connect(self, account_id: int, connection_id: str) -> bool: ...

    async def disconnect(self, account_id: int, connection_id: str) -> bool: ...

    async def online_among(self, account_ids: Iterable[int]) -> set[int]: ...

    async def close(self) -> None: ...


class LocalPresence:
    """Embedded mode: one process holds every connection."""

    def __init__(self) -> None:
        self._connections: dict[int, set[str]] = {}

    async def connect(self, account_id: int, connection_id: str) -> bool:
        held = self._connections.setdefault(account_id, set())
        held.add(connection_id)
        return len(held) == 1

    async def disconnect(self, account_id: int, connection_id: str) -> bool:
        held = self._connections.get(account_id)
        if held is None or connection_id not in held:
            return False
        held.discard(connection_id)
        if held:
            return False
        del self._connections[account_id]
        return True

    async def online_among(self, account_ids: Iterable[int]) -> set[int]:
        return {a for a in account_ids if a in self._connections}

    async def close(self) -> None:
        self._connections.clear()


class RedisPresence:
    """Scale-out mode: a sorted set per account (`presence:{account}`) of connection ids, each
    scored with the time it expires. Every process refreshes its own connections' scores on a
    heartbeat, so the connections of a process that died without closing them expire after
    `ttl` seconds instead of keeping their account online for ever. Each change runs in one
    MULTI/EXEC, so of two processes connecting (or disconnecting) at once exactly one sees the
    first (or last) connection."""

    def __init__(self, url: str, prefix: str = "myna:", ttl: float = 60.0) -> None:
        from redis import asyncio as redis

        self._redis: Any = redis.from_url(url)
        self._prefix = prefix
        self.ttl = ttl
        self._local: dict[str, int] = {}  # this process's connections: connection id -> account
        self._heartbeat: asyncio.Task[None] | None = None

    def _key(self, account_id: int) -> str:
        return f"{self._prefix}presence:{account_id}"

    async def connect(self, account_id: int, connection_id: str) -> bool:
        now = time.time()
        key = self._key(account_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, "-inf", now)
            pipe.zadd(key, {connection_id: now + self.ttl})
            pipe.zcard(key)
            pipe.expire(key, int(self.ttl) + 1)
            _, _, count, _ = await pipe.execute()
        self._local[connection_id] = account_id
        if self._heartbeat is None:
            self._heartbeat = asyncio.create_task(self._beat(), name="myna-presence-heartbeat")
        return bool(count == 1)

    async def disconnect(self, account_id: int, connection_id: str) -> bool:
        self._local.pop(connection_id, None)
        now = time.time()
        key = self._key(account_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrem(key, connection_id)
            pipe.zremrangebyscore(key, "-inf", now)
            pipe.zcard(key)
            removed, _, count = await pipe.execute()
        return bool(removed) and count == 0

    async def online_among(self, account_ids: Iterable[int]) -> set[int]:
        wanted = list(dict.fromkeys(account_ids))
        if not wanted:
            return set()
        now = time.time()
        async with self._redis.pipeline(transaction=False) as pipe:
            for account_id in wanted:
                pipe.zcount(self._key(account_id), f"({now}", "+inf")
            counts = await pipe.execute()
        return {a for a, n in zip(wanted, counts, strict=True) if n}

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            try:
                await self._refresh()
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis away for a moment: the next beat tries again
                log.exception("could not refresh presence")

    async def _refresh(self) -> None:
        if not self._local:
            return
        expires = time.time() + self.ttl
        async with self._redis.pipeline(transaction=False) as pipe:
            for connection_id, account_id in list(self._local.items()):
                key = self._key(account_id)
                pipe.zadd(key, {connection_id: expires}, xx=True)
                pipe.expire(key, int(self.ttl) + 1)
            await pipe.execute()

    async def close(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
            self._heartbeat = None
        await self._redis.aclose()
