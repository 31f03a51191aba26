"""GET /api/v2/search: Chinese and English statuses, ranking, edits, deletes and paging, and
the accounts and hashtags parts. Who may find what is in tests/policy/test_search_matrix.py."""

from typing import Any

import httpx

from myna.container import Container
from tests.conftest import MakeUser, User

URL = "/api/v2/search"


async def post(client: httpx.AsyncClient, user: User, text: str, **extra: Any) -> str:
    r = await client.post("/api/v1/statuses", json={"status": text, **extra}, headers=user.headers)
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


async def found(
    client: httpx.AsyncClient, q: str, user: User | None = None, **params: Any
) -> list[str]:
    r = await client.get(
        URL,
        params={"q": q, "type": "statuses", **params},
        headers=user.headers if user else None,
    )
    assert r.status_code == 200, r.text
    return [s["id"] for s in r.json()["statuses"]]


async def test_a_word_in_the_middle_of_a_chinese_sentence(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    library = await post(client, alice, "我今天在北京大学图书馆看书")
    other = await post(client, alice, "上海的天气不错")
    for q in ("图书馆", "大学", "北京大学图书馆", "京大", "看书", "图书"):
        assert await found(client, q) == [library], q
    assert await found(client, "天气") == [other]  # a two-character query
    assert await found(client, "书") == [library]  # one character: at a run's end too
    assert await found(client, "在") == [library]  # one character inside the run
    assert await found(client, "南京") == []
    assert await found(client, "馆图") == []  # characters present, not in that order
    body = (await client.get(URL, params={"q": "图书馆"})).json()
    assert body["statuses"][0]["content"].startswith("<p>我今天")
    assert set(body) == {"accounts", "statuses", "hashtags"}


async def test_mixed_script_and_english(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    bob = await make_user("bob")
    tutorial = await post(client, bob, "最好的Python教程在这里")
    crawler = await post(client, bob, "用Python写爬虫")
    launch = await post(client, bob, "苹果iPhone 发布会今天举行")
    english = await post(client, bob, "Hello World, this is #Myna")
    assert set(await found(client, "python")) == {tutorial, crawler}
    assert await found(client, "Python教程") == [tutorial]
    assert await found(client, "PYTHON 爬虫") == [crawler]
    assert await found(client, "iPhone 发布会") == [launch]
    assert await found(client, "iphone发布会") == [launch]
    assert await found(client, "hello") == [english]
    assert await found(client, "WORLD hello") == [english]
    assert await found(client, "#myna") == [english]
    assert await found(client, "hel") == []  # words are whole words
    assert await found(client, "python 教程 爬虫") == []  # every part must match


async def test_content_warning_is_searched(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    carol = await make_user("carol")
    spoiled = await post(client, carol, "结局是他", spoiler_text="电影剧透")
    assert await found(client, "剧透") == [spoiled]


async def test_ranking_by_engagement_and_relevance(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    dan, fan1, fan2 = await make_user("dan"), await make_user("fan1"), await make_user("fan2")
    older = await post(client, dan, "咖啡 recipe")
    newer = await post(client, dan, "咖啡 notes")
    assert await found(client, "咖啡") == [newer, older]  # equal otherwise: newest first
    for fan in (fan1, fan2):
        r = await client.post(f"/api/v1/statuses/{older}/favourite", headers=fan.headers)
        assert r.status_code == 200
    assert await found(client, "咖啡") == [older, newer]  # liked above newer

    dense = await post(client, dan, "tea tea tea tea")
    sparse = await post(client, dan, "tea and a long sentence about many other things here")
    assert await found(client, "tea") == [dense, sparse]  # the better match first


async def test_edits_reindex_and_deletes_disappear(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    erin = await make_user("erin")
    status = await post(client, erin, "苹果 apple")
    r = await client.put(
        f"/api/v1/statuses/{status}", json={"status": "香蕉 banana"}, headers=erin.headers
    )
    assert r.status_code == 200, r.text
    assert await found(client, "apple") == []
    assert await found(client, "苹果") == []
    assert await found(client, "香蕉") == [status]
    quote = await post(client, erin, "香蕉 again", quoted_status_id=status)
    assert await found(client, "香蕉") == [quote, status]
    r = await client.post(f"/api/v1/statuses/{status}/reblog", headers=erin.headers)
    assert r.status_code == 200
    # The repost is not indexed (found once, through its original, now ranked up by it).
    assert await found(client, "香蕉") == [status, quote]
    async with container.db.session() as session:
        assert await container.search_index.count(session) == 2
    r = await client.delete(f"/api/v1/statuses/{status}", headers=erin.headers)
    assert r.status_code == 200
    assert await found(client, "香蕉") == [quote]
    async with container.db.session() as session:
        assert await container.search_index.count(session) == 1  # the row left with it


async def test_deleting_a_group_takes_its_posts_out_of_the_index(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    from myna.actions.groups import NewGroup
    from myna.actions.statuses import NewStatus
    from myna.models import Visibility

    owner = await make_user("owner")
    group_id = await container.group_actions.do_create(
        owner.id, NewGroup(handle="club", name="club", description="", privacy="public")
    )
    await container.status_actions.do_post(
        owner.id,
        NewStatus(text="俱乐部 news", visibility=Visibility.GROUP, group_id=group_id),
    )
    assert len(await found(client, "俱乐部")) == 1
    await container.group_actions.do_delete(owner.id, group_id)
    assert await found(client, "俱乐部") == []
    async with container.db.session() as session:
        assert await container.search_index.count(session) == 0


async def test_paging(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    fay = await make_user("fay")
    ids = [await post(client, fay, f"分页 number {i}") for i in range(5)]
    newest_first = list(reversed(ids))
    assert await found(client, "分页", fay) == newest_first
    assert await found(client, "分页", fay, limit=2) == newest_first[:2]
    assert await found(client, "分页", fay, limit=2, offset=2) == newest_first[2:4]
    assert await found(client, "分页", fay, offset=5) == []
    assert await found(client, "分页", fay, max_id=ids[2]) == [ids[1], ids[0]]
    assert await found(client, "分页", fay, min_id=ids[2]) == [ids[4], ids[3]]
    other = await make_user("other")
    theirs = await post(client, other, "分页 too")
    assert await found(client, "分页", account_id=other.id) == [theirs]


async def test_bad_input_is_a_4xx(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    gus = await make_user("gus")
    for params in (
        {},
        {"q": ""},
        {"q": "   "},
        {"q": "x", "type": "groups"},
        {"q": "x", "limit": "0"},
        {"q": "x", "limit": "many"},
        {"q": "x", "offset": "-1"},
        {"q": "x", "max_id": "abc"},
        {"q": "x" * 501},
    ):
        r = await client.get(URL, params=params, headers=gus.headers)
        assert r.status_code == 422, (params, r.text)
        assert "error" in r.json()
    # Mastodon: paging and resolving need a token.
    for params in ({"q": "x", "offset": "1"}, {"q": "x", "resolve": "true"}):
        r = await client.get(URL, params=params)
        assert r.status_code == 401, r.text
    r = await client.get(URL, params={"q": "x", "limit": "100"}, headers=gus.headers)
    assert r.status_code == 200  # clamped to 40, as on Mastodon
    r = await client.get(URL, params={"q": "!!!"}, headers=gus.headers)
    assert r.json() == {"accounts": [], "statuses": [], "hashtags": []}


async def test_scope(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    narrow = await make_user("narrow", scopes="read:accounts")
    r = await client.get(URL, params={"q": "x"}, headers=narrow.headers)
    assert r.status_code == 403
    searcher = await make_user("searcher", scopes="read:search")
    r = await client.get(URL, params={"q": "x"}, headers=searcher.headers)
    assert r.status_code == 200


async def test_accounts(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    viewer = await make_user("viewer")
    hank = await make_user("hank")
    hanna = await make_user("hanna")
    blocker = await make_user("hankblocker")
    r = await client.post(f"/api/v1/accounts/{viewer.id}/block", headers=blocker.headers)
    assert r.status_code == 200

    async def accounts(q: str, **params: Any) -> list[str]:
        r = await client.get(
            URL, params={"q": q, "type": "accounts", **params}, headers=viewer.headers
        )
        assert r.status_code == 200, r.text
        assert r.json()["statuses"] == [] and r.json()["hashtags"] == []
        return [a["username"] for a in r.json()["accounts"]]

    assert await accounts("han") == ["hank", "hanna"]  # not the account that blocked me
    assert await accounts("@HANNA") == ["hanna"]
    assert await accounts("hanna@testserver") == ["hanna"]
    r = await client.post(f"/api/v1/accounts/{hanna.id}/follow", headers=viewer.headers)
    assert r.status_code == 200
    assert await accounts("han", following="true") == ["hanna"]
    r = await client.post(f"/api/v1/accounts/{blocker.id}/follow", headers=hank.headers)
    assert r.status_code == 200

    async def anonymous(q: str) -> list[str]:
        r = await client.get(URL, params={"q": q, "type": "accounts"})
        return [a["username"] for a in r.json()["accounts"]]

    # The most followed first, an exact name before all.
    assert await anonymous("han") == ["hanna", "hankblocker", "hank"]  # ties: oldest first
    assert await anonymous("hank") == ["hank", "hankblocker"]


async def test_hashtags(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    ivy, stranger = await make_user("ivy"), await make_user("stranger")
    await post(client, ivy, "#周末去哪儿# 好天气 #Weekend")
    await post(client, ivy, "#weekendplans soon")
    await post(client, ivy, "#weeknotes hidden", visibility="private")

    async def hashtags(q: str, user: User | None) -> list[dict[str, Any]]:
        r = await client.get(
            URL,
            params={"q": q, "type": "hashtags"},
            headers=user.headers if user else None,
        )
        assert r.status_code == 200, r.text
        return list(r.json()["hashtags"])

    tags = await hashtags("#week", stranger)
    assert [t["name"] for t in tags] == ["weekendplans", "Weekend"]  # newest use first
    assert set(tags[0]) == {"id", "name", "url", "history", "following"}
    assert tags[0]["following"] is False
    assert tags[0]["url"] == "http://testserver/tags/weekendplans"
    assert [t["name"] for t in await hashtags("weekend", stranger)] == ["Weekend", "weekendplans"]
    # A tag used only where the searcher may not look is not told of.
    assert "weeknotes" not in {t["name"] for t in await hashtags("week", stranger)}
    assert "weeknotes" in {t["name"] for t in await hashtags("week", ivy)}
    anonymous = await hashtags("周末", None)
    assert [t["name"] for t in anonymous] == ["周末去哪儿"]
    assert "following" not in anonymous[0]


async def test_everything_at_once(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    jay = await make_user("jay")
    status = await post(client, jay, "jay was here #jaybird")
    r = await client.get(URL, params={"q": "jay"}, headers=jay.headers)
    body = r.json()
    assert [a["username"] for a in body["accounts"]] == ["jay"]
    assert [s["id"] for s in body["statuses"]] == [status]
    assert [t["name"] for t in body["hashtags"]] == ["jaybird"]
