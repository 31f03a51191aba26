"""Work a request starts and must not wait for, and that may take minutes: building an
archive, working through an imported file (docs/data.md).

Scale mode: an arq job (backends/jobs.py), run by `myna worker`; the job's handler is named in
`Container.job_handlers`. Embedded mode: a task of this process (not `InlineJobs`, which would
run it inside the request). Either way the database holds the truth (the row's state), every
job claims its row before it works, and a housekeeping sweep pushes again what was lost (a
restart, a flushed Redis), so pushing twice is harmless and a crash only delays the work."""

import asyncio
import logging
import uuid
from typing import Any

from myna.backends.jobs import ArqJobs, Handler, Jobs

log = logging.getLogger("myna.background")


class Background:
    def __init__(self, jobs: Jobs, handlers: dict[str, Handler]) -> None:
        self.arq = jobs if isinstance(jobs, ArqJobs) else None
        self.handlers = handlers  # the container's job handlers: filled in as it is built
        self._tasks: set[asyncio.Task[None]] = set()

    async def push(self, name: str, *args: Any) -> None:
        if self.arq is not None:
            # A fresh id every time: arq refuses an id it still holds a result for, and the
            # row's claim keeps two runs from doing the work twice.
            await self.arq.enqueue(name, *args, job_id=f"{name}:{uuid.uuid4().hex}")
            return
        task = asyncio.create_task(self._run(name, args))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, name: str, args: tuple[Any, ...]) -> None:
        try:
            await self.handlers[name](*args)
        except Exception:
            log.exception("background job %s%r failed", name, args)

    async def idle(self) -> None:
        """Until every task of this process has finished (tests, a clean stop)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
