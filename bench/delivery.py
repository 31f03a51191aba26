"""Posts and where they arrive: post-to-follower latency (streaming receipts, and the moment
a follower's home timeline shows the post) and a burst of posts timed until every fan-out
has landed in every recipient's feed.

"Landed" is read from the timeline store itself, not from the server's answers: rows of the
`home_timeline` table (embedded), or each recipient's sorted set in Redis (scale). The
recipients of each post are computed with the fan-out rule (`policy.audience.home_recipients`)
from the benchmark's own connection, so a fan-out done later by a job worker is waited for."""

import asyncio
import contextlib
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.streaming import Receipts, open_connections, percentile, post_once, read_frames

POLL_SECONDS = 0.02
WARMUP_TRIES = 6
WARMUP_WAIT = 5.0
TEXTS = (
    "基准测试 #myna",
    "Benchmark post #myna",
    "压测一下 #话题测试#",
    "Load test, please ignore",
)


@dataclass
class Latency:
    followers: int  # the author's followers_count
    listeners: int  # streaming connections (followers) that counted receipts
    posts: int
    stream_ms: list[float] = field(default_factory=list)  # POST start -> frame read, every pair
    timeline_ms: list[float] = field(default_factory=list)  # POST start -> shown by GET home
    post_ms: list[float] = field(default_factory=list)  # the POST itself
    missing: int = 0  # receipts expected but not seen before the timeout

    def summary(self) -> dict[str, Any]:
        def p(values: list[float], q: float) -> float:
            return round(percentile(values, q), 1) if values else float("nan")

        return {
            "author_followers": self.followers,
            "listeners": self.listeners,
            "posts": self.posts,
            "stream_p50_ms": p(self.stream_ms, 50),
            "stream_p99_ms": p(self.stream_ms, 99),
            "stream_max_ms": p(self.stream_ms, 100),
            "timeline_p50_ms": p(self.timeline_ms, 50),
            "timeline_p99_ms": p(self.timeline_ms, 99),
            "post_p50_ms": p(self.post_ms, 50),
            "post_p99_ms": p(self.post_ms, 99),
            "missing_receipts": self.missing,
        }


async def shown_at(http: httpx.AsyncClient, token: str, status_id: int, timeout: float) -> float:
    """When the follower's home timeline (first page) first shows the status."""
    deadline = time.perf_counter() + timeout
    headers = {"Authorization": f"Bearer {token}"}
    while time.perf_counter() < deadline:
        response = await http.get("/api/v1/timelines/home", params={"limit": 20}, headers=headers)
        if response.status_code == 200 and any(int(s["id"]) == status_id for s in response.json()):
            return time.perf_counter()
        await asyncio.sleep(POLL_SECONDS)
    return float("nan")


async def latency(
    base: str,
    author_token: str,
    followers: int,
    listener_tokens: Sequence[str],
    poller_token: str,
    *,
    posts: int,
    interval: float,
    timeout: float,
) -> Latency:
    """`posts` posts, one at a time; each waits until every listener has it (or `timeout`),
    then `interval`. Uncounted first posts prove the subscriptions are in place."""
    ws_url = base.replace("http://", "ws://") + "/api/v1/streaming"
    result = Latency(followers=followers, listeners=len(listener_tokens), posts=posts)
    receipts = Receipts(followers=len(listener_tokens))
    opened = await open_connections(ws_url, listener_tokens, len(listener_tokens), 100, "none")
    result.listeners = len(opened.connections)
    receipts.followers = result.listeners
    readers = [asyncio.create_task(read_frames(ws, receipts)) for ws in opened.connections]
    try:
        async with httpx.AsyncClient(base_url=base, timeout=60.0) as http:
            # Warm-up posts, uncounted, until one reaches every listener: subscriptions
            # are confirmed asynchronously (with Redis, a round trip after the socket opens).
            for attempt in range(WARMUP_TRIES):
                warm_id, _started, _responded = await post_once(
                    http, author_token, f"warm-up {attempt}"
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(receipts.event_for(warm_id).wait(), WARMUP_WAIT)
                    break
            for number in range(posts):
                await asyncio.sleep(interval)
                key, started, responded = await post_once(
                    http, author_token, f"{TEXTS[number % len(TEXTS)]} {number}"
                )
                shown = asyncio.create_task(shown_at(http, poller_token, int(key), timeout))
                with contextlib.suppress(TimeoutError):  # counted as missing below
                    await asyncio.wait_for(receipts.event_for(key).wait(), timeout)
                seen = await shown
                got = receipts.times.get(key, [])
                result.stream_ms.extend((at - started) * 1000 for at in got)
                result.missing += max(0, result.listeners - len(got))
                result.post_ms.append((responded - started) * 1000)
                if seen == seen:  # not NaN
                    result.timeline_ms.append((seen - started) * 1000)
    finally:
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in opened.connections), return_exceptions=True)
    return result


@dataclass
class Burst:
    posts: int
    authors: int
    concurrency: int
    deliveries: int = 0  # feed entries the posts' fan-outs must write
    delivered: int = 0
    seconds_to_answers: float = 0.0
    seconds_to_delivered: float = 0.0
    post_ms: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        total = self.seconds_to_delivered or float("nan")
        return {
            "posts": self.posts,
            "authors": self.authors,
            "concurrency": self.concurrency,
            "mean_audience": round(self.deliveries / self.posts, 1) if self.posts else 0,
            "deliveries": self.deliveries,
            "delivered": self.delivered,
            "seconds_to_answers": round(self.seconds_to_answers, 3),
            "seconds_to_delivered": round(self.seconds_to_delivered, 3),
            "posts_per_s": round(self.posts / total, 1),
            "deliveries_per_s": round(self.deliveries / total, 0),
            "post_p50_ms": round(percentile(self.post_ms, 50), 1),
            "post_p99_ms": round(percentile(self.post_ms, 99), 1),
        }


class Feeds:
    """Reads what the timeline store holds, from the benchmark's own connections."""

    def __init__(self, container: Any, redis_url: str) -> None:
        self.container = container
        self.redis: Any = None
        if redis_url and type(container.timelines).__name__ == "RedisTimelines":
            from redis import asyncio as redis

            self.redis = redis.from_url(redis_url, decode_responses=True)
        self.audience: dict[int, list[int]] = {}  # author -> recipients of a public post

    async def learn(self, author_ids: Sequence[int]) -> None:
        """Who receives a public original of each author, by the fan-out rule."""
        from sqlalchemy import select

        from myna.models import Account, Status, Visibility
        from myna.policy.audience import home_recipients

        threshold = self.container.settings.fanout_pull_threshold
        async with self.container.db.session() as session:
            for author_id in author_ids:
                followers = await session.scalar(
                    select(Account.followers_count).where(Account.id == author_id)
                )
                original = Status(id=0, account_id=author_id, visibility=Visibility.PUBLIC)
                rule = home_recipients(original, followers or 0, threshold)
                self.audience[author_id] = list(set(await session.scalars(rule)))

    async def delivered(self, posted: Sequence[tuple[int, int]]) -> int:
        """How many of the (status, author) pairs' feed entries the store holds."""
        ids = [status_id for status_id, _ in posted]
        if self.redis is None:
            from sqlalchemy import func, select

            from myna.models import HomeTimelineEntry

            async with self.container.db.session() as session:
                count = await session.scalar(
                    select(func.count())
                    .select_from(HomeTimelineEntry)
                    .where(HomeTimelineEntry.status_id.in_(ids))
                )
            return int(count or 0)
        from myna.backends.redis_timelines import member

        timelines = self.container.timelines
        async with self.redis.pipeline(transaction=False) as pipe:
            for status_id, author_id in posted:
                for account_id in self.audience[author_id]:
                    pipe.zscore(timelines.home_key(account_id), member(status_id))
            return sum(score is not None for score in await pipe.execute())

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()


async def burst(
    base: str,
    authors: Sequence[tuple[int, str]],
    feeds: Feeds,
    *,
    posts: int,
    concurrency: int,
    timeout: float,
) -> Burst:
    """`posts` public posts by `authors` ((id, token), taking turns), `concurrency` at a time;
    timed from the first request until the store holds every fan-out entry."""
    result = Burst(posts=posts, authors=len(authors), concurrency=concurrency)
    await feeds.learn([author_id for author_id, _ in authors])
    gate = asyncio.Semaphore(concurrency)
    posted: list[tuple[int, int]] = []
    rng = random.Random(7)

    async def one(http: httpx.AsyncClient, number: int) -> None:
        author_id, token = authors[number % len(authors)]
        async with gate:
            status_id, started, responded = await post_once(
                http, token, f"{rng.choice(TEXTS)} burst {number}"
            )
        posted.append((int(status_id), author_id))
        result.post_ms.append((responded - started) * 1000)

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=120.0, limits=limits) as http:
        started = time.perf_counter()
        await asyncio.gather(*(one(http, n) for n in range(posts)))
        result.seconds_to_answers = time.perf_counter() - started
    result.deliveries = sum(len(feeds.audience[author]) for _, author in posted)
    deadline = time.perf_counter() + timeout
    while True:
        result.delivered = await feeds.delivered(posted)
        done_at = time.perf_counter()
        if result.delivered >= result.deliveries or done_at > deadline:
            break
        await asyncio.sleep(POLL_SECONDS)
    result.seconds_to_delivered = done_at - started
    return result
