"""Crash safety in scale mode (PostgreSQL + Redis): a server killed with SIGKILL in the middle
of a burst of posts loses none that it answered 200 for, and leaves nothing half-written.

Runs when both MYNA_TEST_DATABASE_URL (PostgreSQL) and MYNA_TEST_REDIS_URL are set."""

import asyncio
import signal
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from myna.actions.seed import SeedPlan, do_seed
from myna.actions.statuses import NewStatus
from myna.backends.redis_timelines import member
from myna.config import Settings
from myna.container import Container, build
from myna.lib.paging import Page
from myna.models import Follow
from tests.conftest import POSTGRES_URL, REDIS_URL
from tests.e2e.conftest import Deployment, _everything, _free_port
from tests.e2e.test_multiprocess import _register

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (POSTGRES_URL and REDIS_URL),
        reason="needs MYNA_TEST_DATABASE_URL (PostgreSQL) and MYNA_TEST_REDIS_URL",
    ),
]

WAIT = 30.0  # seconds: a bound on waiting, never a measure
BURST = 120  # posts sent at once; the server is killed part way through
KILL_AFTER = 30  # answered posts before the kill


async def test_a_killed_server_loses_no_answered_post(deployment: Deployment) -> None:
    port = _free_port()
    base, server = deployment.serve(port, "server")
    async with httpx.AsyncClient(timeout=WAIT) as http:
        author_id, author = await _register(http, base, "author")
        followers = [await _register(http, base, f"reader{i}") for i in range(3)]
        for _, token in followers:
            r = await http.post(
                f"{base}/api/v1/accounts/{author_id}/follow",
                headers={"Authorization": f"Bearer {token}"},
            )
            assert r.status_code == 200

        answered: list[str] = []
        killed = asyncio.Event()

        async def post(n: int) -> None:
            try:
                r = await http.post(
                    f"{base}/api/v1/statuses",
                    headers={"Authorization": f"Bearer {author}"},
                    json={"status": f"第{n}条 post {n} #crashtest @reader0"},
                )
            except httpx.TransportError:
                return  # the server died under this request: no answer, no promise
            if r.status_code == 200:
                answered.append(r.json()["id"])
                if len(answered) >= KILL_AFTER and not killed.is_set():
                    killed.set()
                    server.send_signal(signal.SIGKILL)

        await asyncio.gather(*(post(n) for n in range(BURST)))
        server.wait(timeout=WAIT)
        assert killed.is_set(), "the burst ended before the server was killed"
        assert len(answered) < BURST, "the kill came too late to interrupt anything"

        # A new server on the same database and Redis.
        base, _ = deployment.serve(_free_port(), "server-restarted")
        for _, token in followers:
            home = await _everything(http, f"{base}/api/v1/timelines/home?limit=40", token)
            missing = set(answered) - {s["id"] for s in home}
            assert not missing, f"answered posts missing from a follower's home: {missing}"

        # Nothing half-written: every stored post is whole (its tag, its mention and the
        # mention's notification), and the author's counter agrees with the rows.
        stored = await _everything(
            http, f"{base}/api/v1/accounts/{author_id}/statuses?limit=40", author
        )
        ids = {s["id"] for s in stored}
        assert set(answered) <= ids
        for status in stored:
            assert [t["name"] for t in status["tags"]] == ["crashtest"]
            assert [m["username"] for m in status["mentions"]] == ["reader0"]
        account = await http.get(f"{base}/api/v1/accounts/{author_id}")
        assert account.json()["statuses_count"] == len(stored)
        tagged = await _everything(http, f"{base}/api/v1/timelines/tag/crashtest?limit=40", author)
        assert {s["id"] for s in tagged} == ids
        mentions = await _everything(
            http, f"{base}/api/v1/notifications?types[]=mention&limit=80", followers[0][1]
        )
        assert {n["status"]["id"] for n in mentions} == ids


FOLLOWERS = 20_000


async def _holding(container: Container, keys: list[str], status_id: int) -> int:
    """How many of the feeds `keys` hold the status (one pipelined round trip per 5,000)."""
    timelines: Any = container.timelines
    wanted = member(status_id)
    held = 0
    for start in range(0, len(keys), 5000):
        async with timelines._redis.pipeline(transaction=False) as pipe:
            for key in keys[start : start + 5000]:
                pipe.zscore(key, wanted)
            held += sum(score is not None for score in await pipe.execute())
    return held


async def test_a_killed_worker_leaves_every_feed_holding_the_status_once(
    deployment: Deployment, settings: Settings
) -> None:
    # Small batches make the fan-out long enough to be killed in the middle of.
    tuned = {
        "fanout_pull_threshold": 10 * FOLLOWERS,
        "fanout_inline_limit": 100,
        "fanout_batch_size": 2,
        "job_timeout_seconds": 10.0,
    }
    scale = settings.model_copy(
        update={"database_url": deployment.database_url, "redis_prefix": deployment.prefix} | tuned
    )
    container = build(scale)
    try:
        plan = SeedPlan(accounts=FOLLOWERS + 600, statuses=0, star_shares=(0.98,), follows=1.5)
        await do_seed(container.db, container.derived_feeds, plan)  # also warms every feed
        async with container.db.session() as session:
            star = await session.scalar(
                select(Follow.target_account_id)
                .group_by(Follow.target_account_id)
                .order_by(func.count().desc())
                .limit(1)
            )
            assert star is not None
            followers = list(
                await session.scalars(
                    select(Follow.account_id).where(Follow.target_account_id == star)
                )
            )
        assert len(followers) >= FOLLOWERS
        timelines: Any = container.timelines
        keys = [timelines.home_key(account_id) for account_id in followers]

        status = await container.status_actions.do_post(star, NewStatus(text="大家好 hello all"))
        assert await _holding(container, keys, status.id) == 0  # queued for a worker

        deployment.settings.update({f"MYNA_{k.upper()}": str(v) for k, v in tuned.items()})
        first = deployment.work("worker-1")
        deadline = time.monotonic() + WAIT
        sample = keys[:: len(keys) // 200]  # cheap to poll often
        while not await _holding(container, sample, status.id):
            assert time.monotonic() < deadline, "the worker never started the fan-out"
            await asyncio.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=WAIT)
        partial = await _holding(container, keys, status.id)
        assert 0 < partial < len(keys)

        deployment.work("worker-2")
        deadline = time.monotonic() + 2 * WAIT
        while await _holding(container, keys, status.id) < len(keys):
            assert time.monotonic() < deadline, "the new worker did not finish the fan-out"
            await asyncio.sleep(0.2)
        # Exactly once: in every follower's home feed (and so in their timeline) one time.
        for account_id in followers[:: len(followers) // 50]:
            page = await container.status_reads.home(account_id, Page(limit=40))
            assert [s.id for s in page.statuses].count(status.id) == 1
    finally:
        await container.close()
