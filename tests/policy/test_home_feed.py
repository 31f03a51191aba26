"""`home_feed` and `list_feed` (what a feed rebuilt from the database holds) against the feeds
the fan-out really wrote: the embedded backend's tables, after a history that exercises every
rule of `home_recipients` and `lists_receiving`. The Redis backend rebuilds lost feeds with
these rules, so they must agree with fan-out."""

from typing import Any

import pytest
from sqlalchemy import ColumnElement, select

from myna.actions.groups import NewGroup
from myna.actions.lists import ListChange
from myna.actions.statuses import NewStatus
from myna.config import Settings
from myna.container import Container
from myna.models import AccountList, HomeTimelineEntry, ListTimelineEntry, Status, Visibility
from myna.policy.audience import home_feed
from myna.policy.lists import list_feed
from tests.conftest import MakeUser

THRESHOLD = 2


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The embedded backend (whatever the pass), and `heavy` authors above two followers."""
    return settings.model_copy(
        update={"timelines_backend": "sql", "fanout_pull_threshold": THRESHOLD}
    )


async def by_rule(container: Container, rule: ColumnElement[bool]) -> list[int]:
    """The statuses of `rule`, oldest first, less reposts of what is already shown (the repost
    rule, as a feed filled oldest first applies it)."""
    async with container.db.session() as session:
        rows = (
            await session.execute(
                select(Status.id, Status.reblog_of_id).where(rule).order_by(Status.id)
            )
        ).all()
    kept: list[int] = []
    shown: set[int] = set()
    for status_id, reblog_of_id in rows:
        original = reblog_of_id or status_id
        if reblog_of_id is not None and original in shown:
            continue
        shown.add(original)
        kept.append(status_id)
    return kept


async def fed(container: Container, column: Any, owner: int) -> list[int]:
    entry = column.class_
    async with container.db.session() as session:
        stmt = select(entry.status_id).where(column == owner).order_by(entry.status_id)
        return list(await session.scalars(stmt))


async def test_rebuild_rules_agree_with_fan_out(container: Container, make_user: MakeUser) -> None:
    names = [
        "viewer",
        "friend",
        "quiet",
        "other",
        "hidden",
        "stranger",
        "circle",
        "heavy",
        "fan1",
        "fan2",
    ]
    users = {name: await make_user(name) for name in names}
    uid = {name: user.id for name, user in users.items()}
    rel, lists, p = container.relation_actions, container.list_actions, container.status_actions

    async def say(who: str, text: str, **extra: Any) -> int:
        return (await p.do_post(uid[who], NewStatus(text=text, **extra))).id

    for followed in ("friend", "other", "hidden", "circle", "heavy"):
        await rel.do_follow(uid["viewer"], uid[followed])
    await rel.do_follow(uid["viewer"], uid["quiet"], reblogs=False)
    await rel.do_follow(uid["friend"], uid["other"])
    await rel.do_follow(uid["circle"], uid["viewer"])
    await rel.do_follow(uid["heavy"], uid["viewer"])
    for fan in ("fan1", "fan2"):
        await rel.do_follow(uid[fan], uid["heavy"])
    apart = await lists.do_create(uid["viewer"], ListChange(title="apart", exclusive=True))
    await lists.do_add_accounts(uid["viewer"], apart.id, [uid["hidden"]])
    watch = await lists.do_create(uid["friend"], ListChange(title="watch", replies_policy="list"))
    await lists.do_add_accounts(uid["friend"], watch.id, [uid["other"]])
    close = await lists.do_create(uid["circle"], ListChange(title="close"))
    await lists.do_add_accounts(uid["circle"], close.id, [uid["viewer"]])
    far = await lists.do_create(uid["circle"], ListChange(title="far"))
    inner = await lists.do_create(uid["heavy"], ListChange(title="inner"))
    await lists.do_add_accounts(uid["heavy"], inner.id, [uid["viewer"]])
    club = await container.group_actions.do_create(uid["friend"], NewGroup("club", "Club"))

    original = await say("stranger", "from a stranger")
    await p.do_reblog(uid["friend"], original, None)
    await p.do_reblog(uid["other"], original, None)  # the viewer's feed shows it already
    await p.do_reblog(uid["quiet"], original, None)  # the viewer turned quiet's reposts off
    await say("friend", "a reply to a stranger", in_reply_to_id=original)
    mine = await say("viewer", "my own")
    await p.do_reblog(uid["friend"], mine, None)  # the viewer's own status, shown already
    await say("friend", "a reply to the viewer", in_reply_to_id=mine)  # in: to the viewer
    spoken = await say("friend", "friend speaks")
    await say("other", "a reply to friend", in_reply_to_id=spoken)
    thread = await say("other", "a thread")
    await say("other", "talking to myself", in_reply_to_id=thread)
    await say("friend", "hi @viewer", visibility=Visibility.DIRECT)
    await say("friend", "hi @other", visibility=Visibility.DIRECT)
    await say("viewer", "hi @stranger", visibility=Visibility.DIRECT)
    await say("hidden", "kept in a list")
    await say("circle", "for close friends", visibility=Visibility.FOLLOWERS, list_id=close.id)
    await say("circle", "for others", visibility=Visibility.FOLLOWERS, list_id=far.id)
    await say("heavy", "pulled, not fanned out")
    await say("heavy", "for the inner circle", visibility=Visibility.FOLLOWERS, list_id=inner.id)
    await say("friend", "in the club", visibility=Visibility.GROUP, group_id=club)
    await say("quiet", "quiet speaks")

    for name in names:
        home = await fed(container, HomeTimelineEntry.account_id, uid[name])
        assert await by_rule(container, home_feed(uid[name], THRESHOLD)) == home, name
    # Fan-out left out what the rules leave out (the checks above would pass on empty feeds).
    assert len(await fed(container, HomeTimelineEntry.account_id, uid["viewer"])) == 12

    for list_id in (apart.id, watch.id, close.id, far.id, inner.id):
        async with container.db.session() as session:
            the_list = await session.get(AccountList, list_id)
        assert the_list is not None
        feed = await fed(container, ListTimelineEntry.list_id, list_id)
        assert await by_rule(container, list_feed(the_list)) == feed, the_list.title
    assert await fed(container, ListTimelineEntry.list_id, apart.id)
    assert await fed(container, ListTimelineEntry.list_id, watch.id)
