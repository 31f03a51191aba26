"""Scale mode: a post to an audience larger than MYNA_FANOUT_INLINE_LIMIT is delivered to the
feeds by a job that `myna worker` runs, not by the request; delivering it again changes
nothing."""

from collections.abc import AsyncIterator

import pytest

from myna.actions.accounts import Registration
from myna.actions.statuses import NewStatus
from myna.config import Settings
from myna.container import Container, build
from myna.lib.paging import Page
from myna.worker import worker_for
from tests.conftest import POSTGRES_URL, truncate_all


@pytest.fixture
async def scale(settings: Settings) -> AsyncIterator[Container]:
    if not settings.redis_url:
        pytest.skip("scale mode only (PostgreSQL and MYNA_TEST_REDIS_URL)")
    services = build(settings.model_copy(update={"fanout_inline_limit": 2}))
    if POSTGRES_URL:
        await truncate_all(services.db)
    yield services
    await services.close()


async def home_ids(container: Container, viewer_id: int) -> list[int]:
    bundle = await container.status_reads.home(viewer_id, Page(limit=40))
    return [s.id for s in bundle.statuses]


async def test_a_large_audience_is_delivered_by_the_worker(scale: Container) -> None:
    accounts = scale.account_actions
    author = await accounts.do_register(Registration("writer", "w@example.test", "pw-pw-pw-pw"))
    readers = [
        await accounts.do_register(Registration(f"reader{i}", f"r{i}@example.test", "pw-pw-pw-pw"))
        for i in range(4)
    ]
    for reader in readers:
        await scale.relation_actions.do_follow(reader.id, author.id)
        await home_ids(scale, reader.id)  # warm feeds: a cold one is rebuilt on read anyway

    await home_ids(scale, author.id)

    small = await scale.status_actions.do_post(readers[0].id, NewStatus(text="just me"))
    assert small.id in await home_ids(scale, readers[0].id)  # one feed: delivered inline

    big = await scale.status_actions.do_post(author.id, NewStatus(text="to five feeds"))
    for reader in readers:
        assert big.id not in await home_ids(scale, reader.id)  # waiting for the worker
    # ...but not for the author, who sees the post at home at once.
    assert big.id in await home_ids(scale, author.id)

    worker = worker_for(scale.settings, scale, burst=True)
    try:
        await worker.main()
    finally:
        await worker.close()
    for reader in [*readers, author]:
        assert (await home_ids(scale, reader.id)).count(big.id) == 1

    # At least once: the same delivery again leaves each feed as it was.
    timelines = scale.timelines
    keys = [timelines.home_key(r.id) for r in readers]  # type: ignore[attr-defined]
    await timelines.push(keys, big.id)  # type: ignore[attr-defined]
    for reader in readers:
        assert (await home_ids(scale, reader.id)).count(big.id) == 1
