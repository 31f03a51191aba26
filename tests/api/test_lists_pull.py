"""Statuses addressed to a list are fanned out to the list's audience even for authors above
the pull threshold (never pulled through the author's channel), and the pulled read path
still shows them to nobody else."""

import pytest

from myna.config import Settings
from myna.container import Container
from tests.api.test_lists import add, follow, ids, make_list
from tests.api.test_timelines import post
from tests.conftest import MakeUser


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"fanout_pull_threshold": 1})


async def test_a_heavy_authors_list_post_reaches_its_audience_only(
    client, make_user: MakeUser, container: Container
) -> None:
    star, inner, outer = [await make_user(n) for n in ("star", "inner", "outer")]
    for fan in (inner, outer):
        await follow(client, fan, star)
    await follow(client, star, inner)
    lid = await make_list(client, star)
    await add(client, star, lid, inner)
    circle = await post(client, star, "for the circle", visibility="private", list_id=lid)
    opened = await post(client, star, "for everyone")
    async with container.db.session() as session:
        holders = set(await container.timelines.holders(session, int(circle["id"])))
    assert holders == {star.id, inner.id}
    inner_home = await ids(client, "/api/v1/timelines/home", inner)
    outer_home = await ids(client, "/api/v1/timelines/home", outer)
    assert circle["id"] in inner_home and opened["id"] in inner_home
    assert circle["id"] not in outer_home and opened["id"] in outer_home
