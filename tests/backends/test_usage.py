"""Counting API calls per app and day: in memory per request, added to the database by a
flush, whatever the number of processes, with rate limits on or off."""

from datetime import UTC, date, datetime

import httpx
import pytest

from myna.app import create_app
from myna.backends.usage import UsageCounter
from myna.config import Settings
from myna.container import Container, build
from myna.reads.apps import AppReads
from tests.conftest import BASE_URL, MakeUser

DAY = date(2026, 3, 1)


async def _owned_app(container: Container, make_user: MakeUser) -> tuple[int, int, str]:
    """(owner id, app id, a token of the app)."""
    owner = await make_user("dev")
    made = await container.app_actions.do_create_app(
        name="Counted",
        redirect_uris="urn:ietf:wg:oauth:2.0:oob",
        scopes="read",
        website=None,
        owner_id=owner.id,
    )
    _token, raw = await container.app_actions.do_issue_token(made.app.id, owner.id, "read")
    return owner.id, made.app.id, raw


async def test_flushes_add_up_across_processes_and_days(
    container: Container, make_user: MakeUser
) -> None:
    owner, app_id, _raw = await _owned_app(container, make_user)
    moment = {"now": datetime(2026, 3, 1, 23, 59, tzinfo=UTC)}
    first, second = (UsageCounter(container.db, lambda: moment["now"]) for _ in range(2))
    for _ in range(3):
        first.count(app_id, error=False)
    first.count(app_id, error=True)
    second.count(app_id, error=True)
    moment["now"] = datetime(2026, 3, 2, 0, 1, tzinfo=UTC)  # past midnight UTC: the next day
    second.count(app_id, error=False)
    assert first.pending(app_id) == {DAY: (4, 1)}

    assert await first.flush() == 1
    assert await second.flush() == 2
    assert await second.flush() == 0  # nothing new
    first.count(app_id, error=False)  # the next day too
    await first.flush()
    assert first.pending(app_id) == {}

    reads = AppReads(container.db)
    days = await reads.usage(owner, app_id, days=3, today=date(2026, 3, 2))
    assert [(d.day, d.calls, d.errors) for d in days] == [
        (date(2026, 2, 28), 0, 0),
        (DAY, 5, 2),
        (date(2026, 3, 2), 2, 0),
    ]


async def test_counts_of_a_deleted_app_are_dropped(
    container: Container, make_user: MakeUser
) -> None:
    owner, app_id, _raw = await _owned_app(container, make_user)
    counter = UsageCounter(container.db)
    counter.count(app_id, error=False)
    await container.app_actions.do_delete_app(owner, app_id)
    assert await counter.flush() == 1  # no error: the counts have nowhere to go
    assert counter.counts == {}


@pytest.mark.parametrize("limits_on", [True, False])
async def test_api_calls_count_for_the_token_s_app_with_or_without_rate_limits(
    settings: Settings, make_user: MakeUser, container: Container, limits_on: bool
) -> None:
    owner, app_id, raw = await _owned_app(container, make_user)
    services = build(settings.model_copy(update={"rate_limits_enabled": limits_on}))
    try:
        app = create_app(services.settings, services)
        transport = httpx.ASGITransport(app=app)
        bearer = {"Authorization": f"Bearer {raw}"}
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            assert (await http.get("/api/v1/timelines/home", headers=bearer)).status_code == 200
            assert (await http.get("/api/v1/statuses/1", headers=bearer)).status_code == 404
            # Not counted: anonymous calls, invalid tokens, web pages.
            assert (await http.get("/api/v1/timelines/public")).status_code == 200
            bad = {"Authorization": "Bearer nope"}
            assert (await http.get("/api/v1/timelines/home", headers=bad)).status_code == 401
            assert (await http.get("/", headers=bearer)).status_code == 200
        today = services.app_usage.clock().date()
        assert services.app_usage.counts == {(app_id, today): (2, 1)}
    finally:
        await services.close()  # flushes
    days = await container.app_reads.usage(owner, app_id, days=1)
    assert [(d.calls, d.errors) for d in days] == [(2, 1)]
