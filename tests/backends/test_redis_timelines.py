"""The Redis timeline backend (scale-out mode) on the Redis named by MYNA_TEST_REDIS_URL, each
test under its own key prefix, with the test database (SQLite or PostgreSQL) as the truth.
Everything is made through the real actions and read through the real reads."""

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from redis import asyncio as redis
from sqlalchemy import event

from myna.actions.lists import ListChange
from myna.actions.statuses import NewStatus
from myna.backends.redis_timelines import COMPLETE, FIRST_ID, RedisTimelines, member
from myna.config import Settings
from myna.container import Container
from myna.lib.paging import Page
from myna.models import Visibility
from tests.conftest import REDIS_URL, MakeUser, drop_redis_keys

pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="MYNA_TEST_REDIS_URL is not set (CI sets it to a Redis to test against)"
)


@pytest.fixture
def settings(settings: Settings) -> Iterator[Settings]:
    """Redis timelines whatever the pass (in scale mode the suite's own prefix is kept)."""
    own = not settings.redis_url
    prefix = f"myna-test-{uuid.uuid4().hex[:12]}:" if own else settings.redis_prefix
    yield settings.model_copy(
        update={"redis_url": REDIS_URL, "redis_prefix": prefix, "timelines_backend": "redis"}
    )
    if own:
        drop_redis_keys(prefix)


@pytest.fixture
async def raw(settings: Settings) -> AsyncIterator[Any]:
    """A Redis client of the test's own, to look at the keys."""
    client = redis.from_url(REDIS_URL or "", decode_responses=True)
    yield client
    await client.aclose()


def backend(container: Container) -> RedisTimelines:
    assert isinstance(container.timelines, RedisTimelines)
    return container.timelines


async def held(raw: Any, key: str) -> list[int]:
    """The ids a feed holds, oldest first (markers left out)."""
    return [int(m) for m in await raw.zrange(key, FIRST_ID, "+", bylex=True)]


async def home(container: Container, viewer: int, **paging: Any) -> list[int]:
    bundle = await container.status_reads.home(viewer, Page(**paging))
    return [s.id for s in bundle.statuses]


async def list_ids(container: Container, owner: int, list_id: int, **paging: Any) -> list[int]:
    bundle = await container.list_reads.timeline(owner, list_id, Page(**paging))
    return [s.id for s in bundle.statuses]


async def say(container: Container, author: int, text: str, **extra: Any) -> int:
    return (await container.status_actions.do_post(author, NewStatus(text=text, **extra))).id


async def drop_feeds(raw: Any, settings: Settings) -> None:
    """Lose Redis (as a restart without persistence would): every key of this instance."""
    keys = [k async for k in raw.scan_iter(match=f"{settings.redis_prefix}feed:*")]
    assert keys
    await raw.delete(*keys)


def test_members_keep_numeric_order_that_doubles_would_lose() -> None:
    # Two ids of one millisecond, as lib/ids.py makes them: a double cannot tell them apart.
    first = (1_790_000_000_000 << 16) | 7
    assert float(first) == float(first + 1)
    assert member(first) < member(first + 1) < member(first + 10) < member(2**63 - 1)
    assert len(member(1)) == len(member(2**63 - 1)) == len(COMPLETE)
    assert member(1) > COMPLETE


async def test_the_container_picks_redis_and_writes_after_commit_only(
    container: Container, make_user: MakeUser, raw: Any
) -> None:
    timelines = backend(container)
    alice, bob = await make_user("alice"), await make_user("bob")
    await container.relation_actions.do_follow(bob.id, alice.id)
    assert await home(container, bob.id) == []  # warms bob's (empty) feed
    key = timelines.home_key(bob.id)

    # A post whose transaction rolls back never reaches Redis.
    with pytest.raises(RuntimeError):
        async with container.db.transaction() as session:
            status = await container.status_actions.post_in(session, alice.id, NewStatus("x"))
            assert await held(raw, key) == []  # nothing is written before commit
            raise RuntimeError("rolled back")
    assert await held(raw, key) == []
    assert await home(container, bob.id) == []

    # One that commits is in the feed by the time the action returns.
    async with container.db.transaction() as session:
        status = await container.status_actions.post_in(session, alice.id, NewStatus("y"))
        assert await held(raw, key) == []
    assert await held(raw, key) == [status.id]
    assert await home(container, bob.id) == [status.id]


async def test_feeds_keep_the_newest_800(
    container: Container, make_user: MakeUser, raw: Any
) -> None:
    timelines = backend(container)
    assert timelines.cap == 800
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    await container.relation_actions.do_follow(bob.id, alice.id)
    await container.relation_actions.do_follow(bob.id, carol.id)
    assert await home(container, bob.id) == []
    early = await say(container, carol.id, "something to repost")
    await container.status_actions.do_reblog(alice.id, early, None)
    posted = [await say(container, alice.id, f"post {i}") for i in range(805)]
    key = timelines.home_key(bob.id)
    ids = await held(raw, key)
    assert ids == posted[-800:]  # the oldest entries went: the early post, the repost, 3 more
    assert await raw.zcard(key) == 801  # and the COMPLETE marker stayed
    assert await raw.hlen(key + ":reposts") == 0  # the repost's memory went with it
    # Paging runs through the 800 and stops.
    seen: list[int] = []
    max_id = None
    while page := await home(container, bob.id, max_id=max_id, limit=40):
        seen += page
        max_id = page[-1]
    assert seen == list(reversed(posted[-800:]))


async def test_a_post_seen_once_whoever_reposts_it(
    container: Container, make_user: MakeUser, raw: Any
) -> None:
    timelines = backend(container)
    viewer, b, c, d, stranger = [await make_user(n) for n in ("viewer", "b", "c", "d", "stranger")]
    for followed in (b, c, d):
        await container.relation_actions.do_follow(viewer.id, followed.id)
    assert await home(container, viewer.id) == []
    key = timelines.home_key(viewer.id)
    reblog = container.status_actions.do_reblog

    x = await say(container, stranger.id, "worth sharing")
    by_b = (await reblog(b.id, x, None)).id
    by_c = (await reblog(c.id, x, None)).id  # skipped: the feed shows x through b's repost
    assert await held(raw, key) == [by_b]
    # A repost of a status the feed holds itself is skipped too.
    y = await say(container, d.id, "my own words")
    await reblog(b.id, y, None)
    assert await held(raw, key) == [by_b, y]
    assert await home(container, viewer.id) == [y, by_b]

    # b takes the repost back: the next repost of x reaches the feed.
    await container.status_actions.do_unreblog(b.id, x)
    assert await home(container, viewer.id) == [y]
    await container.status_actions.do_unreblog(c.id, x)
    by_d = (await reblog(d.id, x, None)).id
    assert await home(container, viewer.id) == [by_d, y]
    assert await raw.hgetall(key + ":reposts") == {
        f"o:{member(x)}": member(by_d),
        f"r:{member(by_d)}": member(x),
    }
    # Rebuilt from the database, the feed makes the same choice.
    await drop_feeds(raw, container.settings)
    assert await home(container, viewer.id) == [by_d, y]
    assert by_c not in await held(raw, key)


async def test_an_original_delivered_after_its_repost_replaces_it(
    container: Container, make_user: MakeUser, raw: Any
) -> None:
    """Two delivery jobs may run in either order (two workers, a backlog): when a status is
    delivered to a feed that already shows a repost of it, the feed ends as if they had run in
    order (and as a rebuild makes it), showing the status once, as the original."""
    timelines = backend(container)
    viewer, author, sharer = [await make_user(n) for n in ("viewer", "author", "sharer")]
    for followed in (author, sharer):
        await container.relation_actions.do_follow(viewer.id, followed.id)
    assert await home(container, viewer.id) == []  # the feed is warm from here on
    key = timelines.home_key(viewer.id)
    original = await say(container, author.id, "first words")
    repost = (await container.status_actions.do_reblog(sharer.id, original, None)).id
    assert await held(raw, key) == [original]  # delivered in order: the repost was skipped

    # The same two deliveries, the other way round.
    await raw.zrem(key, member(original))
    await timelines.push([key], repost, original)
    assert await held(raw, key) == [repost]
    await timelines.push([key], original)
    assert await held(raw, key) == [original]
    assert await raw.hgetall(key + ":reposts") == {}
    await drop_feeds(raw, container.settings)
    assert await home(container, viewer.id) == [original]


async def test_a_lost_feed_is_rebuilt_as_it_was(
    container: Container, make_user: MakeUser, raw: Any
) -> None:
    """Every rule of the fan-out, then Redis loses everything: the pages read afterwards, rebuilt
    from the database, are the pages read before."""
    names = ("viewer", "friend", "quiet", "other", "hidden", "muted", "stranger", "circle")
    viewer, friend, quiet, other, hidden, muted, stranger, circle = [
        await make_user(n) for n in names
    ]
    rel, lists = container.relation_actions, container.list_actions
    for followed in (friend, other, hidden, muted, circle):
        await rel.do_follow(viewer.id, followed.id)
    await rel.do_follow(viewer.id, quiet.id, reblogs=False)
    await rel.do_follow(circle.id, viewer.id)
    exclusive = await lists.do_create(viewer.id, ListChange(title="apart", exclusive=True))
    await lists.do_add_accounts(viewer.id, exclusive.id, [hidden.id])
    audience = await lists.do_create(circle.id, ListChange(title="close"))
    await lists.do_add_accounts(circle.id, audience.id, [viewer.id])
    elsewhere = await lists.do_create(circle.id, ListChange(title="far"))
    for account in (viewer, friend, muted, hidden):
        assert await home(container, account.id) == []  # warm: the posts below are fanned out

    p = container.status_actions
    original = await say(container, stranger.id, "from a stranger")
    await p.do_reblog(friend.id, original, None)
    await p.do_reblog(quiet.id, original, None)  # reposts of `quiet` are turned off
    await say(container, friend.id, "a reply", in_reply_to_id=original)  # to a stranger
    mine = await say(container, viewer.id, "my own")
    await say(container, friend.id, "a reply to me", in_reply_to_id=mine)
    friendly = await say(container, friend.id, "friend speaks")
    await say(container, other.id, "a reply to friend", in_reply_to_id=friendly)
    await say(container, friend.id, "hi @viewer", visibility=Visibility.DIRECT)
    await say(container, friend.id, "hi @other", visibility=Visibility.DIRECT)
    await say(container, hidden.id, "kept in a list")
    await say(
        container,
        circle.id,
        "for close friends",
        visibility=Visibility.FOLLOWERS,
        list_id=audience.id,
    )
    await say(
        container, circle.id, "for others", visibility=Visibility.FOLLOWERS, list_id=elsewhere.id
    )
    for i in range(12):
        await say(container, friend.id if i % 2 else muted.id, f"chatter {i}")
    await rel.do_mute(viewer.id, muted.id)
    await say(container, quiet.id, "quiet speaks")

    async def pages(account: int) -> list[list[int]]:
        found = [await home(container, account, limit=4)]
        while found[-1]:
            found.append(await home(container, account, limit=4, max_id=found[-1][-1]))
        found.append(await home(container, account, min_id=found[0][-1], limit=3))
        found.append(await home(container, account, since_id=found[0][-1]))
        return found

    before = {a.id: await pages(a.id) for a in (viewer, friend, muted, hidden)}
    feeds = {a.id: await held(raw, backend(container).home_key(a.id)) for a in (viewer, friend)}
    list_before = await list_ids(container, viewer.id, exclusive.id)
    assert list_before  # hidden's post is in the exclusive list's feed
    assert len(before[viewer.id]) > 4  # several pages

    await drop_feeds(raw, container.settings)
    assert {a.id: await pages(a.id) for a in (viewer, friend, muted, hidden)} == before
    assert {
        a.id: await held(raw, backend(container).home_key(a.id)) for a in (viewer, friend)
    } == feeds
    assert await list_ids(container, viewer.id, exclusive.id) == list_before
    # The explicit rebuild (the CLI's) gives the same feed again.
    async with container.db.session() as session:
        count = await backend(container).rebuild_home(session, viewer.id)
    assert count == len(feeds[viewer.id])
    assert await held(raw, backend(container).home_key(viewer.id)) == feeds[viewer.id]


async def test_an_empty_feed_is_built_once(
    container: Container, make_user: MakeUser, raw: Any
) -> None:
    loner = await make_user("loner")
    key = backend(container).home_key(loner.id)
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        statements.append(sql)

    engine = container.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert await home(container, loner.id) == []
        cold = len(statements)
        statements.clear()
        assert await home(container, loner.id) == []
        warm = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert warm == cold - 1  # the second read did not read the database to rebuild
    assert await raw.zrange(key, 0, -1) == [COMPLETE]  # empty, and marked complete


async def test_pages_read_past_what_filters_hide(
    container: Container, make_user: MakeUser, raw: Any
) -> None:
    viewer, talker, noisy = [await make_user(n) for n in ("viewer", "talker", "noisy")]
    await container.relation_actions.do_follow(viewer.id, talker.id)
    await container.relation_actions.do_follow(viewer.id, noisy.id)
    assert await home(container, viewer.id) == []
    wanted = []
    for round_ in range(4):
        wanted.append(await say(container, talker.id, f"worth reading {round_}"))
        for i in range(7):
            await say(container, noisy.id, f"noise {round_}.{i}")
    gone = await say(container, talker.id, "deleted soon")
    await container.status_actions.do_delete(talker.id, gone)
    # Muting keeps noisy's statuses in the feed; reads drop them (and the deleted one).
    await container.relation_actions.do_mute(viewer.id, noisy.id)
    assert len(await held(raw, backend(container).home_key(viewer.id))) == 4 + 28 + 1

    newest_first = list(reversed(wanted))
    assert await home(container, viewer.id, limit=2) == newest_first[:2]
    assert await home(container, viewer.id, limit=2, max_id=newest_first[1]) == newest_first[2:]
    assert await home(container, viewer.id, limit=3, max_id=newest_first[3]) == []
    assert await home(container, viewer.id, limit=2, min_id=wanted[0]) == [wanted[2], wanted[1]]
    assert await home(container, viewer.id, since_id=wanted[1]) == [wanted[3], wanted[2]]
    assert await home(container, viewer.id, limit=1, since_id=wanted[1]) == [wanted[3]]


async def test_follows_and_list_members_fill_and_empty_feeds(
    container: Container, make_user: MakeUser, raw: Any
) -> None:
    timelines = backend(container)
    viewer, author = await make_user("viewer"), await make_user("author")
    before = [await say(container, author.id, f"before {i}") for i in range(3)]
    assert await home(container, viewer.id) == []
    the_list = await container.list_actions.do_create(viewer.id, ListChange(title="people"))
    assert await list_ids(container, viewer.id, the_list.id) == []

    await container.relation_actions.do_follow(viewer.id, author.id)  # backfills
    assert await held(raw, timelines.home_key(viewer.id)) == before
    await container.list_actions.do_add_accounts(viewer.id, the_list.id, [author.id])
    assert await held(raw, timelines.list_key(the_list.id)) == before
    after = await say(container, author.id, "after")
    assert await list_ids(container, viewer.id, the_list.id) == [after, *reversed(before)]

    await container.list_actions.do_remove_accounts(viewer.id, the_list.id, [author.id])
    assert await held(raw, timelines.list_key(the_list.id)) == []
    await container.relation_actions.do_unfollow(viewer.id, author.id)
    assert await held(raw, timelines.home_key(viewer.id)) == []
    assert await home(container, viewer.id) == []


async def test_holders_are_the_recipients_from_the_database(
    container: Container, make_user: MakeUser
) -> None:
    author, fan, other, stranger = [await make_user(n) for n in ("author", "fan", "other", "x")]
    await container.relation_actions.do_follow(fan.id, author.id)
    await container.relation_actions.do_follow(other.id, author.id)
    shared = await say(container, author.id, "for followers", visibility=Visibility.FOLLOWERS)
    direct = await say(container, author.id, "hi @fan", visibility=Visibility.DIRECT)
    async with container.db.session() as session:
        assert set(await container.timelines.holders(session, shared)) == {
            author.id,
            fan.id,
            other.id,
        }
        assert set(await container.timelines.holders(session, direct)) == {author.id, fan.id}
        assert stranger.id not in await container.timelines.holders(session, shared)
