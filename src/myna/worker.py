"""`myna worker`: takes background jobs from Redis (scale mode) and runs the clock's chores.

Every job is a service method named in `Container.job_handlers`; this module only adapts them
to arq: retries with backoff, and the failed-jobs hash for jobs that failed every try (see
backends/jobs.py). The housekeeping sweeps run as an arq cron job, which arq runs once per
tick however many workers there are."""

import asyncio
import logging
import time
from typing import Any, cast

from myna.api.schemas import webhooks as webhook_payloads
from myna.backends.jobs import MAX_TRIES, ArqJobs, FailedJob, Handler, backoff
from myna.config import Settings
from myna.container import Container, build

log = logging.getLogger("myna.worker")

HOUSEKEEPING_SECONDS = frozenset(range(0, 60, 10))  # a cron tick every 10 s


def _job(name: str, handler: Handler, jobs: ArqJobs, retry_base: float) -> Any:
    from arq import Retry, func

    async def run(ctx: dict[str, Any], *args: Any) -> None:
        tries = int(ctx.get("job_try", 1))
        try:
            await handler(*args)
        except Exception as exc:
            if tries < MAX_TRIES:
                log.warning("job %s%r failed (try %d), retrying: %r", name, args, tries, exc)
                raise Retry(defer=backoff(tries, retry_base)) from exc
            log.exception("job %s%r failed for good after %d tries", name, args, tries)
            failed = FailedJob(
                str(ctx.get("job_id")), name, list(args), repr(exc), tries, time.time()
            )
            await jobs.record_failure(failed)

    return func(run, name=name, max_tries=MAX_TRIES + 1)


def worker_for(settings: Settings, container: Container, *, burst: bool = False) -> Any:
    """An arq Worker running the container's jobs (and, unless `burst`, the housekeeping)."""
    from arq import cron
    from arq.worker import Worker

    jobs = container.jobs
    if not isinstance(jobs, ArqJobs):
        raise SystemExit("myna worker needs MYNA_REDIS_URL (scale mode)")
    webhook_payloads.install(container)  # deliver_webhook renders entities as the API does

    async def housekeeping(_ctx: dict[str, Any]) -> None:
        await container.housekeeping.run_once()

    return Worker(
        functions=[
            _job(name, handler, jobs, settings.job_retry_base_seconds)
            for name, handler in container.job_handlers.items()
        ],
        cron_jobs=[]
        if burst
        else [
            cron(
                cast(Any, housekeeping),
                # arq's cron job ids are global in Redis: the prefix keeps instances apart.
                name=f"{settings.redis_prefix}housekeeping",
                second=set(HOUSEKEEPING_SECONDS),
            )
        ],
        redis_settings=jobs.settings,
        queue_name=jobs.queue_name,
        burst=burst,
        job_timeout=settings.job_timeout_seconds,
        max_jobs=settings.worker_concurrency,
        max_tries=MAX_TRIES + 1,
        keep_result=60,
        poll_delay=0.1,
        handle_signals=not burst,
    )


async def run(settings: Settings, *, burst: bool = False) -> None:
    container = build(settings)
    try:
        worker = worker_for(settings, container, burst=burst)
        try:
            await worker.async_run()
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # cancelled from outside: let it through
            # SIGTERM or SIGINT: arq's handler cancelled the task async_run made, a clean stop.
            log.info("worker stopped")
        finally:
            await worker.close()
    finally:
        await container.close()
