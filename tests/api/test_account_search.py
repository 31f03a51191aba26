"""GET /api/v2/search?type=accounts: people found by their display name, in Chinese and English,
besides their username's prefix; re-indexed on a new name, rebuilt by reindexing."""

from typing import Any

import httpx
from sqlalchemy import text

from myna.actions.accounts import Registration
from myna.container import Container
from tests.conftest import MakeUser, User

URL = "/api/v2/search"


async def named(client: httpx.AsyncClient, user: User, display_name: str) -> None:
    r = await client.patch(
        "/api/v1/accounts/update_credentials",
        data={"display_name": display_name},
        headers=user.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["display_name"] == display_name


async def accounts(
    client: httpx.AsyncClient, q: str, user: User | None = None, **params: Any
) -> list[str]:
    r = await client.get(
        URL,
        params={"q": q, "type": "accounts", **params},
        headers=user.headers if user else None,
    )
    assert r.status_code == 200, r.text
    assert r.json()["statuses"] == [] and r.json()["hashtags"] == []
    return [a["username"] for a in r.json()["accounts"]]


async def test_chinese_and_english_display_names(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    wang, ming, alice = await make_user("wangwei"), await make_user("xm"), await make_user("ali")
    coder = await make_user("coder")
    await named(client, wang, "王伟")
    await named(client, ming, "小明爱吃面")
    await named(client, alice, "Alice 爱丽丝")
    await named(client, coder, "Python小王子")

    assert await accounts(client, "王伟") == ["wangwei"]
    assert await accounts(client, "爱吃") == ["xm"]  # a word inside the name
    assert await accounts(client, "小明爱吃面") == ["xm"]
    assert await accounts(client, "吃面") == ["xm"]
    assert await accounts(client, "明小") == []  # the characters, not in that order
    assert await accounts(client, "Alice") == ["ali"]
    assert await accounts(client, "alice 爱丽丝") == ["ali"]
    assert await accounts(client, "爱丽丝") == ["ali"]
    assert await accounts(client, "爱") == ["xm", "ali"]  # one character; ties: oldest first
    assert await accounts(client, "python") == ["coder"]  # mixed script
    assert await accounts(client, "小王") == ["coder"]
    assert await accounts(client, "Python小王子") == ["coder"]
    assert await accounts(client, "王") == ["wangwei", "coder"]
    assert await accounts(client, "李") == []
    # The username prefix works as before, the display name is not a prefix search.
    assert await accounts(client, "wang") == ["wangwei"]
    assert await accounts(client, "@CODER") == ["coder"]
    assert await accounts(client, "alic") == []


async def test_a_new_display_name_is_reindexed(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    fay = await make_user("fay")
    await named(client, fay, "旧名字 Oldname")
    assert await accounts(client, "名字") == ["fay"]
    await named(client, fay, "新昵称 Newname")
    assert await accounts(client, "名字") == []
    assert await accounts(client, "oldname") == []
    assert await accounts(client, "昵称") == ["fay"]
    assert await accounts(client, "newname") == ["fay"]
    # Changing something else leaves the name found.
    r = await client.patch(
        "/api/v1/accounts/update_credentials", data={"note": "你好"}, headers=fay.headers
    )
    assert r.status_code == 200, r.text
    assert await accounts(client, "昵称") == ["fay"]
    async with container.db.session() as session:
        assert await container.search_index.count_accounts(session) == 1


async def test_a_name_given_at_sign_up_is_found(container: Container) -> None:
    from myna.reads.search import SearchQuery

    await container.account_actions.do_register(
        Registration(
            username="zhang",
            email="zhang@example.test",
            password="long enough",
            display_name="张三",
        )
    )
    found = await container.search_reads.search(None, SearchQuery(q="张三", type="accounts"))
    assert [a.username for a in found.accounts] == ["zhang"]


async def test_ranking_exact_then_prefix_then_names_by_followers(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    exact, longer, longest = (
        await make_user("lee"),
        await make_user("leex"),
        await make_user("leey"),
    )
    fan_of_lee, li_fans = await make_user("sam"), await make_user("sue")
    await named(client, fan_of_lee, "Lee 的粉丝")
    await named(client, li_fans, "Lee 李")
    for follower in (fan_of_lee, li_fans, longer):
        r = await client.post(f"/api/v1/accounts/{longest.id}/follow", headers=follower.headers)
        assert r.status_code == 200
    r = await client.post(f"/api/v1/accounts/{li_fans.id}/follow", headers=exact.headers)
    assert r.status_code == 200

    # The exact username, the prefixes by followers, then the names by followers.
    assert await accounts(client, "lee") == ["lee", "leey", "leex", "sue", "sam"]
    viewer = await make_user("viewer")
    assert await accounts(client, "lee", viewer, limit=2) == ["lee", "leey"]
    assert await accounts(client, "lee", viewer, limit=2, offset=2) == ["leex", "sue"]
    assert await accounts(client, "lee", viewer, limit=2, offset=4) == ["sam"]
    assert await accounts(client, "lee", viewer, offset=5) == []


async def test_blocks_either_way_and_following(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    viewer = await make_user("viewer")
    blocked, blocker, friend, stranger = (
        await make_user("one"),
        await make_user("two"),
        await make_user("three"),
        await make_user("four"),
    )
    for user in (blocked, blocker, friend, stranger):
        await named(client, user, f"熊猫 {user.username}")
    r = await client.post(f"/api/v1/accounts/{blocked.id}/block", headers=viewer.headers)
    assert r.status_code == 200
    r = await client.post(f"/api/v1/accounts/{viewer.id}/block", headers=blocker.headers)
    assert r.status_code == 200
    r = await client.post(f"/api/v1/accounts/{friend.id}/follow", headers=viewer.headers)
    assert r.status_code == 200

    assert await accounts(client, "熊猫", viewer) == ["three", "four"]
    assert await accounts(client, "熊猫 one", viewer) == []
    assert await accounts(client, "熊猫 two", viewer) == []
    assert await accounts(client, "熊猫", viewer, following="true") == ["three"]
    assert set(await accounts(client, "熊猫")) == {"one", "two", "three", "four"}


async def test_reindex_restores_a_wiped_index(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    gus = await make_user("gus")
    await named(client, gus, "古斯塔夫")
    async with container.db.transaction() as session:
        await session.execute(text("DELETE FROM account_search"))
    assert await accounts(client, "斯塔") == []
    assert await accounts(client, "gus") == ["gus"]  # the username prefix needs no index
    done = await container.search_actions.do_reindex(batch=1)
    assert done.accounts == 1
    assert await accounts(client, "斯塔") == ["gus"]
    async with container.db.session() as session:
        assert await container.search_index.count_accounts(session) == 1


async def test_the_v1_account_search_finds_the_same_people(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    """GET /api/v1/accounts/search (what many clients' mention pickers call) answers as the v2
    search does: names too, nobody across a block."""
    wang, viewer, blocker = await make_user("wangwei"), await make_user("v"), await make_user("wb")
    await named(client, wang, "王伟")
    await named(client, blocker, "王伟的朋友")
    r = await client.post(f"/api/v1/accounts/{viewer.id}/block", headers=blocker.headers)
    assert r.status_code == 200

    async def v1(q: str, **params: Any) -> list[str]:
        r = await client.get(
            "/api/v1/accounts/search", params={"q": q, **params}, headers=viewer.headers
        )
        assert r.status_code == 200, r.text
        return [a["username"] for a in r.json()]

    assert await v1("王伟") == ["wangwei"]  # not the account that blocked the viewer
    assert await v1("wang") == ["wangwei"]
    assert await v1("wangwei", following="true") == []
    assert await v1("   ") == []
    r = await client.get(
        "/api/v1/accounts/search", params={"q": "x", "limit": "0"}, headers=viewer.headers
    )
    assert r.status_code == 422
    r = await client.get("/api/v1/accounts/search", params={"q": "wang"})
    assert r.status_code == 401
