"""The query planner's statistics: refreshed on demand and by housekeeping (SQLite keeps none
until ANALYZE runs, and then may read a whole table where an index would do)."""

from datetime import timedelta

from sqlalchemy import text

from myna.actions.housekeeping import every
from myna.container import Container
from myna.lib.clock import utcnow
from tests.conftest import MakeUser
from tests.web.forms import post_as


async def test_statistics_are_gathered(container: Container, make_user: MakeUser) -> None:
    alice = await make_user("alice")
    for i in range(3):
        await post_as(container, alice, f"post {i}")
    await container.db.refresh_statistics()
    async with container.db.session() as session:
        if container.db.is_sqlite:
            rows = await session.execute(text("SELECT tbl FROM sqlite_stat1"))
            assert "statuses" in {row[0] for row in rows}
            # Housekeeping keeps them on SQLite, gathering them first if there are none.
            assert "planner statistics" in {name for name, _ in container.housekeeping.sweeps}
            await session.execute(text("DROP TABLE sqlite_stat1"))
            await session.commit()
            await container.db.keep_statistics()
            rows = await session.execute(text("SELECT tbl FROM sqlite_stat1"))
            assert "statuses" in {row[0] for row in rows}
            await container.db.keep_statistics()  # then PRAGMA optimize: no error
        else:
            rows = await session.execute(
                text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'statuses'")
            )
            assert rows.scalar_one() is not None


async def test_every_runs_a_sweep_at_most_once_per_period() -> None:
    runs: list[int] = []

    async def sweep(_now: object) -> int:
        runs.append(1)
        return 1

    hourly = every(3600, sweep)
    start = utcnow()
    assert await hourly(start) == 1
    assert await hourly(start + timedelta(minutes=59)) == 0
    assert await hourly(start + timedelta(minutes=61)) == 1
    assert len(runs) == 2
