"""Background jobs: inline in embedded mode; in scale mode through arq in Redis with a real
`myna worker` loop (burst mode), retries with backoff and the failed-jobs hash."""

import uuid
from collections.abc import AsyncIterator

import pytest

from myna.backends.jobs import MAX_TRIES, ArqJobs, InlineJobs, backoff
from myna.config import Settings
from myna.container import Container, build
from myna.worker import worker_for
from tests.conftest import REDIS_URL

needs_redis = pytest.mark.skipif(not REDIS_URL, reason="needs MYNA_TEST_REDIS_URL")


def test_backoff_doubles_up_to_a_minute() -> None:
    assert [backoff(t) for t in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert backoff(30) == 60.0
    assert backoff(3, base=0.5) == 2.0


async def test_inline_jobs_run_at_once_and_keep_failures_for_retry() -> None:
    done: list[int] = []
    broken = {"yes": True}

    async def work(n: int) -> None:
        if broken["yes"]:
            raise RuntimeError("disk full")
        done.append(n)

    jobs = InlineJobs({"work": work})
    await jobs.enqueue("work", 1, job_id="one")  # fails, but the caller goes on
    failed = await jobs.failed()
    assert [(j.job_id, j.name, j.args) for j in failed] == [("one", "work", [1])]
    assert "disk full" in failed[0].error
    broken["yes"] = False
    assert await jobs.retry("one") == 1
    assert done == [1]
    assert await jobs.failed() == []


@pytest.fixture
async def scale(database_url: str) -> AsyncIterator[Container]:
    """A container in scale mode with its own Redis prefix, its keys removed afterwards."""
    assert REDIS_URL
    prefix = f"myna-test-{uuid.uuid4().hex[:12]}:"
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        redis_url=REDIS_URL,
        redis_prefix=prefix,
        job_retry_base_seconds=0.01,
    )
    container = build(settings)
    yield container
    if isinstance(container.jobs, ArqJobs):
        pool = await container.jobs.pool()
        keys = [k async for k in pool.scan_iter(match=f"{prefix}*")]
        keys += [k async for k in pool.scan_iter(match=f"arq:*{prefix}*")]
        if keys:
            await pool.delete(*keys)
    await container.close()


async def run_worker(container: Container) -> None:
    worker = worker_for(container.settings, container, burst=True)
    try:
        await worker.main()
    finally:
        await worker.close()


@needs_redis
async def test_worker_runs_jobs_and_one_job_id_is_one_job(scale: Container) -> None:
    done: list[str] = []

    async def work(text: str) -> None:
        done.append(text)

    scale.job_handlers["work"] = work
    await scale.jobs.enqueue("work", "a", job_id="same")
    await scale.jobs.enqueue("work", "a", job_id="same")  # still queued: the same job
    await scale.jobs.enqueue("work", "b")
    await run_worker(scale)
    assert sorted(done) == ["a", "b"]


@needs_redis
async def test_a_job_that_keeps_failing_is_kept_and_can_be_retried(scale: Container) -> None:
    tries: list[int] = []
    broken = {"yes": True}

    async def flaky(n: int) -> None:
        tries.append(n)
        if broken["yes"]:
            raise RuntimeError(f"boom {n}")

    scale.job_handlers["flaky"] = flaky
    await scale.jobs.enqueue("flaky", 7)
    await run_worker(scale)
    assert tries == [7] * MAX_TRIES  # tried again with backoff, then given up
    failed = await scale.jobs.failed()
    assert [(j.name, j.args, j.tries) for j in failed] == [("flaky", [7], MAX_TRIES)]
    assert "boom 7" in failed[0].error

    broken["yes"] = False
    assert await scale.jobs.retry(failed[0].job_id) == 1
    assert await scale.jobs.failed() == []
    await run_worker(scale)
    assert tries == [7] * (MAX_TRIES + 1)


@needs_redis
async def test_a_job_that_fails_once_succeeds_on_the_next_try(scale: Container) -> None:
    tries: list[int] = []

    async def once(n: int) -> None:
        tries.append(n)
        if len(tries) == 1:
            raise ConnectionError("blip")

    scale.job_handlers["once"] = once
    await scale.jobs.enqueue("once", 3)
    await run_worker(scale)
    assert tries == [3, 3]
    assert await scale.jobs.failed() == []
