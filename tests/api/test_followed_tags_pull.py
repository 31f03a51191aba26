"""A followed tag's public posts reach its followers even from authors above the pull
threshold, whose followers otherwise pull them at read time."""

import httpx
import pytest

from myna.config import Settings
from myna.container import Container
from tests.api.test_followed_tags import follow_tag, holders, home
from tests.api.test_timelines import post
from tests.conftest import MakeUser


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Everyone with a follower is "huge": their followers pull their posts at read time.
    return settings.model_copy(update={"fanout_pull_threshold": 0})


async def test_authors_above_the_pull_threshold_still_reach_tag_followers(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    star, fan, follower = await make_user("star"), await make_user("fan"), await make_user("f")
    await follow_tag(client, fan, "news")
    await follow_tag(client, follower, "news")
    await client.post(f"/api/v1/accounts/{star.id}/follow", headers=follower.headers)
    plain = await post(client, star, "no tag")
    news = await post(client, star, "#news flash")
    assert await holders(container, plain["id"]) == {star.id}
    # The follower pulls the star's posts anyway (and hears them on the star's channel): the
    # tag's fan-out leaves them to the pull, so they come once.
    assert await holders(container, news["id"]) == {star.id, fan.id}
    assert await home(client, fan) == [news["id"]]
    assert await home(client, follower) == [news["id"], plain["id"]]
    # A rebuilt feed holds the tag's post for the follower too; the page is the same.
    if container.derived_feeds is not None:
        async with container.db.session() as session:
            await container.derived_feeds.rebuild_home(session, follower.id)
        assert await home(client, follower) == [news["id"], plain["id"]]
