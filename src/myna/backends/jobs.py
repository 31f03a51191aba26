"""Background jobs: work a request starts but need not wait for (the fan-out of a status to a
large audience), and work the clock makes due.

Embedded mode has no workers: `InlineJobs` runs a job in-process as soon as it is enqueued
(callers enqueue after commit). Scale mode uses arq, a maintained Redis job queue, with
`myna worker` processes (src/myna/worker.py) taking the jobs:

- at-least-once: arq removes a job from its queue only when it has finished; a job whose worker
  died (kill -9) is run again by another worker once its in-progress mark expires (the job
  timeout). Every Myna job is therefore idempotent: it recomputes what to do from the database
  and writes with set semantics.
- retries with exponential backoff (`backoff`), `MAX_TRIES` tries in all;
- a job that failed every try is kept in a Redis hash (`{prefix}jobs:failed`) with its
  arguments and last error, until `myna jobs retry` enqueues it again.
"""

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

log = logging.getLogger("myna.jobs")

Handler = Callable[..., Awaitable[Any]]

MAX_TRIES = 5


def backoff(tries: int, base: float = 1.0) -> float:
    """Seconds before try number `tries + 1`: base times 1, 2, 4, 8, ... at most a minute."""
    return min(60.0, base * 2 ** max(0, tries - 1))


@dataclass(frozen=True)
class FailedJob:
    job_id: str
    name: str
    args: list[Any]
    error: str
    tries: int
    failed_at: float  # Unix time


class Jobs(Protocol):
    async def enqueue(self, name: str, *args: Any, job_id: str | None = None) -> None:
        """Run `name(*args)` in the background. Two enqueues with one `job_id` while the first
        is still waiting are one job."""

    async def failed(self) -> list[FailedJob]: ...

    async def retry(self, job_id: str | None = None) -> int:
        """Enqueue failed jobs again (one, or all when `job_id` is None); how many."""
        ...

    async def close(self) -> None: ...


class InlineJobs:
    """Embedded mode: a job runs at once, in the caller's task. Failures are logged and kept
    (in memory) like a worker's, so the caller's request still succeeds: the job's work is
    derived data (feeds) that a later rebuild restores."""

    def __init__(self, handlers: dict[str, Handler] | None = None) -> None:
        self.handlers: dict[str, Handler] = dict(handlers or {})
        self._failed: dict[str, FailedJob] = {}

    def register(self, name: str, handler: Handler) -> None:
        self.handlers[name] = handler

    async def enqueue(self, name: str, *args: Any, job_id: str | None = None) -> None:
        try:
            await self.handlers[name](*args)
        except Exception as exc:
            log.exception("job %s%r failed", name, args)
            key = job_id or uuid.uuid4().hex
            self._failed[key] = FailedJob(key, name, list(args), repr(exc), 1, time.time())

    async def failed(self) -> list[FailedJob]:
        return list(self._failed.values())

    async def retry(self, job_id: str | None = None) -> int:
        chosen = [j for j in self._failed.values() if job_id in (None, j.job_id)]
        for job in chosen:
            del self._failed[job.job_id]
            await self.enqueue(job.name, *job.args, job_id=job.job_id)
        return len(chosen)

    async def close(self) -> None:
        return None


class ArqJobs:
    """Scale mode: jobs go to arq's queue in Redis (named after the instance's prefix, so
    several instances can share a Redis); `myna worker` runs them."""

    def __init__(self, url: str, prefix: str = "myna:") -> None:
        from arq.connections import RedisSettings

        self.settings = RedisSettings.from_dsn(url)
        self.prefix = prefix
        self.queue_name = f"{prefix}jobs"
        self.failed_key = f"{prefix}jobs:failed"
        self._pool: Any = None

    async def pool(self) -> Any:
        if self._pool is None:
            from arq import create_pool

            self._pool = await create_pool(self.settings, default_queue_name=self.queue_name)
        return self._pool

    async def enqueue(self, name: str, *args: Any, job_id: str | None = None) -> None:
        pool = await self.pool()
        # arq's job keys are not per queue: our prefix keeps instances' job ids apart.
        await pool.enqueue_job(
            name,
            *args,
            _job_id=f"{self.prefix}{job_id}" if job_id else None,
            _queue_name=self.queue_name,
        )

    async def record_failure(self, job: FailedJob) -> None:
        pool = await self.pool()
        record = {
            "name": job.name,
            "args": job.args,
            "error": job.error,
            "tries": job.tries,
            "failed_at": job.failed_at,
        }
        await pool.hset(self.failed_key, job.job_id, orjson.dumps(record))

    async def failed(self) -> list[FailedJob]:
        pool = await self.pool()
        out = []
        for job_id, raw in (await pool.hgetall(self.failed_key)).items():
            record = orjson.loads(raw)
            out.append(
                FailedJob(
                    job_id=job_id.decode() if isinstance(job_id, bytes) else str(job_id),
                    name=record["name"],
                    args=record["args"],
                    error=record["error"],
                    tries=record["tries"],
                    failed_at=record["failed_at"],
                )
            )
        return sorted(out, key=lambda j: j.failed_at)

    async def retry(self, job_id: str | None = None) -> int:
        pool = await self.pool()
        retried = 0
        for job in await self.failed():
            if job_id not in (None, job.job_id):
                continue
            # A new id: arq keeps the failed run's result under the old one for a while, and
            # refuses a job id it still holds a result for.
            await pool.enqueue_job(
                job.name,
                *job.args,
                _job_id=f"{self.prefix}retry:{uuid.uuid4().hex}",
                _queue_name=self.queue_name,
            )
            await pool.hdel(self.failed_key, job.job_id)
            retried += 1
        return retried

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
            self._pool = None
