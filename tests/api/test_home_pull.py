"""The hybrid model: authors above MYNA_FANOUT_PULL_THRESHOLD are not fanned out on write;
their followers' home timelines pull and merge their statuses at read time."""

import pytest

from myna.config import Settings
from tests.api.test_timelines import post
from tests.conftest import MakeUser


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Everyone with more than one follower is "huge": their posts are pulled at read time.
    return settings.model_copy(update={"fanout_pull_threshold": 1})


async def test_accounts_above_the_pull_threshold_are_merged_at_read_time(
    client, make_user: MakeUser, container
) -> None:
    star, fan1, fan2, friend = [await make_user(n) for n in ("star", "fan1", "fan2", "friend")]
    for fan in (fan1, fan2):
        await client.post(f"/api/v1/accounts/{star.id}/follow", headers=fan.headers)
    await client.post(f"/api/v1/accounts/{friend.id}/follow", headers=fan1.headers)
    a = await post(client, star, "明星发帖 1")
    b = await post(client, friend, "friend post")
    c = await post(client, star, "明星发帖 2")
    private = await post(client, star, "followers only", visibility="private")

    # Nothing was fanned out for the star: only the author's own feed has it.
    async with container.db.session() as session:
        holders = set(await container.timelines.holders(session, int(a["id"])))
    assert holders == {star.id}

    r = await client.get("/api/v1/timelines/home", headers=fan1.headers)
    assert [s["id"] for s in r.json()] == [private["id"], c["id"], b["id"], a["id"]]
    r = await client.get("/api/v1/timelines/home?limit=2", headers=fan1.headers)
    assert [s["id"] for s in r.json()] == [private["id"], c["id"]]
    r = await client.get(f"/api/v1/timelines/home?max_id={c['id']}", headers=fan1.headers)
    assert [s["id"] for s in r.json()] == [b["id"], a["id"]]
    # A non-follower gets none of it.
    r = await client.get("/api/v1/timelines/home", headers=friend.headers)
    assert [s["id"] for s in r.json()] == [b["id"]]
