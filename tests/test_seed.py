"""`myna seed` on a tiny graph: what it wrote must be what the real actions would have written.
Counters equal the rows, every home feed holds exactly what fanning out each status when it
was posted would have put there (checked against `policy.audience.home_recipients` and the
repost rule, status by status), pulled authors appear at read time, and the text, tags and
topics read back through the API."""

import re
from collections import defaultdict

import httpx
import pytest
from sqlalchemy import func, select, true

from myna.actions.seed import SeedPlan, SeedReport, do_seed, issue_tokens
from myna.config import Settings
from myna.container import Container
from myna.lib.paging import Page
from myna.models import Account, Follow, Status, StatusTag, Tag, Visibility
from myna.policy.audience import home_recipients
from myna.policy.bulk_feeds import counted_sql
from myna.policy.visibility import counted_in_profile
from tests.conftest import BASE_URL

THRESHOLD = 200  # the first star (0.9 of 300 accounts) is pulled, everyone else fanned out
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"fanout_pull_threshold": THRESHOLD, "home_timeline_size": 5_000}
    )


@pytest.fixture
async def seeded(container: Container) -> SeedReport:
    plan = SeedPlan(
        accounts=300,
        statuses=2_000,
        seed=7,
        base_url=BASE_URL,
        pull_threshold=THRESHOLD,
        home_cap=5_000,
        batch=500,
    )
    return await do_seed(container.db, container.derived_feeds, plan)


async def headers_for(container: Container, account_id: int) -> dict[str, str]:
    [(_id, _name, token)] = await issue_tokens(
        container.db, container.app_actions, account_ids=[account_id]
    )
    return {"Authorization": f"Bearer {token}"}


def test_the_bulk_statuses_count_rule_is_counted_in_profile() -> None:
    from sqlalchemy.dialects import sqlite

    compiled = str(counted_sql().compile(dialect=sqlite.dialect()))
    assert "visibility NOT IN" in compiled and "list_id IS NULL" in compiled
    for visibility in Visibility:
        left_out = visibility in (Visibility.DIRECT, Visibility.GROUP)
        assert counted_in_profile(visibility) is not left_out
    assert not counted_in_profile(Visibility.FOLLOWERS, list_id=1)


async def test_counters_equal_the_rows(
    seeded: SeedReport, container: Container, client: httpx.AsyncClient
) -> None:
    counts = seeded.counts
    assert counts["accounts"] == 300
    assert counts["statuses"] == 2_000
    assert counts["originals"] + counts["replies"] + counts["reposts"] == 2_000
    assert counts["replies"] > 200 and counts["reposts"] > 100
    assert counts["mentions"] > 0 and counts["status tags"] > 0
    async with container.db.session() as session:
        follows = await session.scalar(select(func.count()).select_from(Follow))
        assert follows == counts["follows"]
        assert 50 < counts["follows"] / 300 < 100  # mean followings, on a graph this small
        sample = list(await session.scalars(select(Account).order_by(Account.id)))[::15]
        stars = [star_id for star_id, _name, _followers in seeded.stars]
        sample += [a for a in await session.scalars(select(Account).where(Account.id.in_(stars)))]
        expected = {}
        for account in sample:
            statuses = select(Status).where(Status.account_id == account.id, counted_sql())
            expected[account.id] = {
                "followers_count": await session.scalar(
                    select(func.count()).where(Follow.target_account_id == account.id)
                ),
                "following_count": await session.scalar(
                    select(func.count()).where(Follow.account_id == account.id)
                ),
                "statuses_count": await session.scalar(
                    select(func.count()).select_from(statuses.subquery())
                ),
                "last": await session.scalar(
                    select(func.max(Status.created_at)).where(
                        Status.account_id == account.id, counted_sql()
                    )
                ),
            }
    headers = await headers_for(container, sample[0].id)
    for account_id, want in expected.items():
        got = (await client.get(f"/api/v1/accounts/{account_id}", headers=headers)).json()
        assert got["followers_count"] == want["followers_count"]
        assert got["following_count"] == want["following_count"]
        assert got["statuses_count"] == want["statuses_count"]
        last = want["last"].date().isoformat() if want["last"] else None
        assert (got["last_status_at"] or None) == last
    # The stars: a few accounts followed by a set share of everyone, the first above the
    # pull threshold.
    followers = sorted((f for _i, _n, f in seeded.stars), reverse=True)
    assert followers[0] > THRESHOLD >= followers[1] > 100


async def test_home_feeds_hold_what_fan_out_would_have_written(
    seeded: SeedReport, container: Container
) -> None:
    """Replay the fan-out of every status in the order they were posted, with the real rule
    (`home_recipients`) and the repost rule, and compare every account's feed."""
    expected: dict[int, set[int]] = defaultdict(set)
    shown: dict[int, set[int]] = defaultdict(set)  # account -> originals it shows
    async with container.db.session() as session:
        rows = await session.execute(select(Account.id, Account.followers_count))
        followers = {account_id: count for account_id, count in rows}
        for status in await session.scalars(select(Status).order_by(Status.id)):
            rule = home_recipients(status, followers[status.account_id], THRESHOLD)
            family = status.reblog_of_id or status.id
            for account_id in await session.scalars(rule):
                if status.reblog_of_id is not None and family in shown[account_id]:
                    continue  # one post, seen once
                expected[account_id].add(status.id)
                shown[account_id].add(family)
        for account_id in followers:
            page = Page(limit=10_000)
            held = await container.timelines.home_page(session, account_id, page, true())
            assert {s.id for s in held} == expected[account_id], account_id
    assert sum(len(ids) for ids in expected.values()) > 10_000


async def test_pulled_authors_tags_and_text_through_the_api(
    seeded: SeedReport, container: Container, client: httpx.AsyncClient
) -> None:
    star_id = seeded.stars[0][0]
    async with container.db.session() as session:
        fan = await session.scalar(
            select(Follow.account_id).where(Follow.target_account_id == star_id).limit(1)
        )
        assert fan is not None
        followed = set(
            await session.scalars(select(Follow.target_account_id).where(Follow.account_id == fan))
        )
        fed = await container.timelines.home_page(session, fan, Page(limit=5_000), true())
        pulled = [
            s.id
            for s in await session.scalars(select(Status).where(Status.account_id == star_id))
            if s.in_reply_to_account_id in (None, star_id) or s.in_reply_to_account_id in followed
        ]
    # The star's statuses were not fanned out, yet the fan's home timeline shows them.
    assert pulled and not {s.id for s in fed} & set(pulled)
    newest = sorted({s.id for s in fed} | set(pulled), reverse=True)[:40]
    headers = await headers_for(container, fan)
    home = (await client.get("/api/v1/timelines/home?limit=40", headers=headers)).json()
    assert [int(s["id"]) for s in home] == newest
    # Paging down to the star's newest status finds it there, merged in at read time.
    top = max(pulled)
    older = await client.get(f"/api/v1/timelines/home?limit=1&max_id={top + 1}", headers=headers)
    assert [(int(s["id"]), int(s["account"]["id"])) for s in older.json()] == [(top, star_id)]

    # Chinese and English, side by side.
    public = (await client.get("/api/v1/timelines/public?limit=40")).json()
    texts = [s["content"] for s in public]
    assert any(CJK.search(t) for t in texts) and any(not CJK.search(t) for t in texts)

    # A #tag and a #话题# topic (the most used of each) resolve on the tag timeline.
    async with container.db.session() as session:
        uses = func.count(StatusTag.status_id)
        tags = list(
            await session.scalars(
                select(Tag).join(StatusTag).group_by(Tag.id).order_by(uses.desc(), Tag.name)
            )
        )
        ascii_tag = next(t for t in tags if t.name.isascii())
        topic = next(t for t in tags if CJK.search(t.name))
        for tag in (ascii_tag, topic):
            tagged = select(StatusTag.status_id).where(StatusTag.tag_id == tag.id)
            want = list(
                await session.scalars(
                    select(Status.id)
                    .where(
                        Status.id.in_(tagged),
                        Status.visibility == Visibility.PUBLIC,
                        Status.reblog_of_id.is_(None),
                    )
                    .order_by(Status.id.desc())
                    .limit(20)
                )
            )
            got = (await client.get(f"/api/v1/timelines/tag/{tag.name}")).json()
            assert want and [int(s["id"]) for s in got] == want, tag.name
            assert all(f"#{tag.name}" in s["content"] for s in got)


async def test_seeded_accounts_are_found_by_name(
    seeded: SeedReport, container: Container, client: httpx.AsyncClient
) -> None:
    assert seeded.counts["account search rows"] == 300
    async with container.db.session() as session:
        named = list(await session.scalars(select(Account).order_by(Account.id)))
    chinese = next(a for a in named if CJK.search(a.display_name))
    english = next(a for a in named if a.display_name.isascii() and a.display_name)
    for account in (chinese, english):
        r = await client.get(
            "/api/v2/search", params={"q": account.display_name, "type": "accounts", "limit": 40}
        )
        assert r.status_code == 200, r.text
        assert account.username in {a["username"] for a in r.json()["accounts"]}, account
