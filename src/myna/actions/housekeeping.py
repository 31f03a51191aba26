"""Work that is due by the clock rather than by a request: scheduled statuses whose time has
come, polls that ended, uploads nobody attached, the apps' call counts this process holds.
Each sweep is safe to run in several processes at once, so every server runs the loop (issue 6
moves it to job workers)."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from myna.lib.clock import utcnow

log = logging.getLogger(__name__)

Sweep = Callable[[datetime], Awaitable[int]]


def every(seconds: float, sweep: Sweep) -> Sweep:
    """`sweep`, run at most once per `seconds` of the clock it is given (the first call runs
    it). Each process keeps its own last run."""
    last: list[datetime] = []

    async def run(now: datetime) -> int:
        if last and (now - last[0]).total_seconds() < seconds:
            return 0
        last[:] = [now]
        return await sweep(now)

    return run


class Housekeeping:
    def __init__(self, sweeps: Sequence[tuple[str, Sweep]]) -> None:
        self.sweeps = list(sweeps)

    async def run_once(self, now: datetime | None = None) -> dict[str, int]:
        """Every sweep once; how much each did. One failing does not stop the others."""
        now = now or utcnow()
        done: dict[str, int] = {}
        for name, sweep in self.sweeps:
            try:
                done[name] = await sweep(now)
            except Exception:
                log.exception("housekeeping: %s failed", name)
                done[name] = 0
        return done

    async def run_forever(self, interval: float) -> None:
        while True:
            await self.run_once()
            await asyncio.sleep(interval)
