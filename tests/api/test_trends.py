"""Hot topics (issue 9): trending tags and topics, statuses and links, scored against each
target's own baseline and counted by distinct accounts. Posts are made with the real actions
at scripted times (time-machine moves the machine's clock, which is outside our stack); the
ranking is computed with an explicit `now`."""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import time_machine

from myna.actions.accounts import Registration
from myna.actions.groups import NewGroup
from myna.actions.lists import ListChange
from myna.actions.statuses import NewStatus
from myna.config import Settings
from myna.container import Container
from myna.models import Visibility
from tests.conftest import MakeUser, User

# A fixed hour in the recent past: every post and read in a test happens at scripted times.
NOW = datetime.now(UTC).replace(minute=30, second=0, microsecond=0) - timedelta(hours=3)


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    with time_machine.travel(moment, tick=True):
        yield


async def post(
    container: Container, user: User, text: str, visibility: Visibility | None = None, **kw: Any
) -> int:
    status = await container.status_actions.do_post(
        user.id, NewStatus(text=text, visibility=visibility, **kw)
    )
    return status.id


async def users(make_user: MakeUser, prefix: str, n: int) -> list[User]:
    return [await make_user(f"{prefix}{i}") for i in range(n)]


async def trending_tags(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/trends/tags", params=params)
    assert r.status_code == 200, r.text
    body: list[dict[str, Any]] = r.json()
    return body


async def refresh(container: Container, moment: datetime = NOW) -> None:
    await container.trend_actions.do_refresh(moment)


async def test_a_burst_from_many_accounts_trends_one_account_does_not(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    crowd = await users(make_user, "fan", 6)
    loner = await make_user("loner")
    with at(NOW):
        for user in crowd:
            await post(container, user, "看烟花 #新年烟花#")
        for i in range(6):  # the same volume, one account
            await post(container, loner, f"#刷榜 第{i}次")
        await refresh(container, NOW + timedelta(minutes=5))
        found = await trending_tags(client)
    assert [t["name"] for t in found] == ["新年烟花"]
    today = int(NOW.replace(hour=0, minute=0).timestamp())
    assert found[0]["url"] == "http://testserver/tags/%E6%96%B0%E5%B9%B4%E7%83%9F%E8%8A%B1"
    assert found[0]["history"][0] == {"day": str(today), "uses": "6", "accounts": "6"}
    assert len(found[0]["history"]) == 7
    assert all(
        d == {"day": d["day"], "uses": "0", "accounts": "0"} for d in found[0]["history"][1:]
    )
    assert "following" not in found[0]  # nobody asked
    # The /trends alias answers the same.
    with at(NOW + timedelta(minutes=5)):
        r = await client.get("/api/v1/trends")
        assert r.json() == found
        # With a token, each tag says whether its reader follows it.
        fan = crowd[0]
        await client.post("/api/v1/tags/新年烟花/follow", headers=fan.headers)
        r = await client.get("/api/v1/trends/tags", headers=fan.headers)
        assert r.json()[0]["following"] is True
        r = await client.get("/api/v1/trends/tags", headers=loner.headers)
        assert r.json()[0]["following"] is False


async def test_a_steady_everyday_tag_does_not_outrank_a_sudden_one(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    regulars = await users(make_user, "regular", 6)
    newcomers = await users(make_user, "new", 5)
    hour = NOW.replace(minute=10)
    # #daily: two accounts every hour for the window and the seven days before it.
    for back in range(7 * 24 + 6, 0, -1):
        with at(hour - timedelta(hours=back)):
            for j in range(2):
                await post(container, regulars[(back + j) % 6], f"#daily {back}")
    with at(hour):
        for user in regulars[:3]:  # a little busier than usual this hour
            await post(container, user, "#daily now")
        for user in newcomers:  # fewer uses in all, but sudden
            await post(container, user, "出事了 #突发#")
        await refresh(container, NOW)
        found = await trending_tags(client)
        daily = await client.get("/api/v1/tags/daily")
    assert [t["name"] for t in found][:1] == ["突发"]
    names = [t["name"] for t in found]
    assert "daily" not in names or names.index("daily") > names.index("突发")
    used = sum(int(d["uses"]) for d in daily.json()["history"])
    assert used > 5  # the steady tag has many more uses
    # Seven days of exact history, newest first: the current day's posts are all counted.
    history = daily.json()["history"]
    days = [int(d["day"]) for d in history]
    assert days == sorted(days, reverse=True) and days[0] % 86400 == 0


async def test_only_public_posts_count(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    crowd = await users(make_user, "p", 6)
    owner = crowd[0]
    group_id = await container.group_actions.do_create(owner.id, NewGroup("club", "俱乐部"))
    circle = await container.list_actions.do_create(owner.id, ListChange(title="圈子"))
    for user in crowd[1:]:
        await container.group_actions.do_join(user.id, group_id)
    with at(NOW):
        for user in crowd:
            text = "#秘密# https://example.com/secret"
            await post(container, user, text, Visibility.UNLISTED)
            await post(container, user, text, Visibility.FOLLOWERS)
            await post(container, user, f"@{owner.username} {text}", Visibility.DIRECT)
            await post(container, user, text, Visibility.GROUP, group_id=group_id)
        await post(container, owner, "#秘密#", Visibility.FOLLOWERS, list_id=circle.id)
        await refresh(container, NOW)
        assert await trending_tags(client) == []
        r = await client.get("/api/v1/trends/links")
        assert r.status_code == 200 and r.json() == []
        tag = (await client.get("/api/v1/tags/秘密")).json()
    assert all(d["uses"] == "0" and d["accounts"] == "0" for d in tag["history"])


async def test_trending_statuses_are_public_and_leave_out_blocked_and_muted(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    fans = await users(make_user, "fan", 6)
    blocker, muter = await make_user("blocker"), await make_user("muter")
    with at(NOW):
        public = await post(container, alice, "大新闻")
        private = await post(container, alice, "只给粉丝", Visibility.FOLLOWERS)
        for fan in fans:
            await container.relation_actions.do_follow(fan.id, alice.id)
            await container.status_actions.do_favourite(fan.id, private)
        for fan in fans[:3]:
            await container.status_actions.do_favourite(fan.id, public)
        for fan in fans[3:]:
            await container.status_actions.do_reblog(fan.id, public, None)
        for _ in range(3):  # the author's own likes add nothing
            await container.status_actions.do_favourite(alice.id, public)
        await container.relation_actions.do_block(blocker.id, alice.id)
        await container.relation_actions.do_mute(muter.id, alice.id)
        await refresh(container, NOW)

        async def trending(user: User | None) -> list[str]:
            headers = user.headers if user else {}
            r = await client.get("/api/v1/trends/statuses", headers=headers)
            assert r.status_code == 200, r.text
            return [s["id"] for s in r.json()]

        assert await trending(None) == [str(public)]
        assert await trending(fans[0]) == [str(public)]
        assert await trending(blocker) == []
        assert await trending(muter) == []
        assert str(private) not in await trending(fans[1])
        # Undoing engagement takes it back: two fewer accounts than the threshold needs.
        await container.status_actions.do_unfavourite(fans[0].id, public)
        await container.status_actions.do_unreblog(fans[5].id, public)
        await refresh(container, NOW)
        assert await trending(None) == []


async def test_trending_links(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    crowd = await users(make_user, "reader", 5)
    with at(NOW):
        for user in crowd:
            await post(container, user, "读读这篇 https://news.example/2026/story#top")
        await post(container, crowd[0], "又一次 https://news.example/2026/story")
        await refresh(container, NOW)
        r = await client.get("/api/v1/trends/links")
    assert r.status_code == 200, r.text
    [link] = r.json()
    assert link["url"] == "https://news.example/2026/story"
    assert link["title"] == "news.example/2026/story"
    assert link["type"] == "link" and link["description"] == ""
    assert link["history"][0]["uses"] == "6" and link["history"][0]["accounts"] == "5"


async def test_deleting_a_post_takes_back_its_use(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    crowd = await users(make_user, "d", 5)
    with at(NOW):
        ids = [await post(container, user, "#删帖") for user in crowd]
        await refresh(container, NOW)
        assert [t["name"] for t in await trending_tags(client)] == ["删帖"]
        await container.status_actions.do_delete(crowd[0].id, ids[0])
        await refresh(container, NOW)
        assert await trending_tags(client) == []
        tag = (await client.get("/api/v1/tags/删帖")).json()
    assert tag["history"][0]["uses"] == "4" and tag["history"][0]["accounts"] == "4"


async def make_admin(container: Container) -> User:
    account = await container.account_actions.do_register(
        Registration(
            username="boss", email="boss@example.test", password="correct horse", role="admin"
        )
    )
    app = await container.app_actions.do_create_app(
        name="admin tool",
        redirect_uris="urn:ietf:wg:oauth:2.0:oob",
        scopes="read admin:read admin:write",
        website=None,
    )
    _token, raw = await container.app_actions.do_issue_token(
        app.app.id, account.id, "read admin:read admin:write"
    )
    return User(id=account.id, username="boss", token=raw, password="correct horse")


async def test_admins_hide_a_topic(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    crowd = await users(make_user, "h", 5)
    admin = await make_admin(container)
    with at(NOW):
        for user in crowd:
            await post(container, user, "#不该上榜")
        await refresh(container, NOW)
        [tag] = await trending_tags(client)
        # Not an admin: 403, whatever the token.
        r = await client.post(
            f"/api/v1/admin/trends/tags/{tag['id']}/reject", headers=crowd[0].headers
        )
        assert r.status_code == 403 and "error" in r.json()
        r = await client.get("/api/v1/admin/trends/tags", headers=crowd[0].headers)
        assert r.status_code == 403 and "error" in r.json()
        r = await client.post(
            f"/api/v1/admin/trends/tags/{tag['id']}/reject", headers=admin.headers
        )
        assert r.status_code == 200, r.text
        assert r.json()["trendable"] is False and r.json()["name"] == "不该上榜"
        assert await trending_tags(client) == []  # at once, before any refresh
        await refresh(container, NOW)
        assert await trending_tags(client) == []
        listed = (await client.get("/api/v1/admin/trends/tags", headers=admin.headers)).json()
        assert [(t["name"], t["trendable"]) for t in listed] == [("不该上榜", False)]
        # Its posts are still posts.
        r = await client.get("/api/v1/timelines/tag/不该上榜")
        assert len(r.json()) == 5
        r = await client.post(
            f"/api/v1/admin/trends/tags/{tag['id']}/approve", headers=admin.headers
        )
        assert r.status_code == 200 and r.json()["trendable"] is True
        assert [t["name"] for t in await trending_tags(client)] == ["不该上榜"]
        r = await client.post("/api/v1/admin/trends/tags/999/reject", headers=admin.headers)
        assert r.status_code == 404 and "error" in r.json()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/trends/tags?limit=abc",
        "/api/v1/trends/tags?limit=0",
        "/api/v1/trends/statuses?offset=-1",
        "/api/v1/trends/links?offset=x",
        "/api/v1/trends?limit=1.5",
    ],
)
async def test_bad_parameters_are_422(client: httpx.AsyncClient, url: str) -> None:
    r = await client.get(url)
    assert r.status_code == 422 and "error" in r.json()


async def test_paging_by_offset_and_limit(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    crowd = await users(make_user, "o", 5)
    with at(NOW):
        for user in crowd:
            await post(container, user, "#一号 #二号 #三号")
        await post(container, crowd[0], "#一号 again")
        await refresh(container, NOW)
        names = [t["name"] for t in await trending_tags(client)]
        assert sorted(names) == ["一号", "三号", "二号"]
        assert [t["name"] for t in await trending_tags(client, limit=1, offset=1)] == names[1:2]
        assert await trending_tags(client, offset=3) == []
        assert len(await trending_tags(client, limit=100)) == 3  # capped at 20, not refused


async def test_the_command_hides_and_unhides_a_topic(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser, settings: Settings
) -> None:
    crowd = await users(make_user, "c", 5)
    with at(NOW):
        for user in crowd:
            await post(container, user, "#命令行")
        await refresh(container, NOW)
    env = {**os.environ, "MYNA_DATABASE_URL": settings.database_url}

    def myna(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "myna.cli", "trends", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    done = myna("hide", "#命令行")
    assert done.returncode == 0, done.stderr
    with at(NOW):
        assert await trending_tags(client) == []
    assert myna("unhide", "命令行").returncode == 0
    with at(NOW):
        assert [t["name"] for t in await trending_tags(client)] == ["命令行"]
    missing = myna("hide", "nobody-used-this")
    assert missing.returncode == 1 and "no post" in missing.stderr
