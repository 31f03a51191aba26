"""GET /api/v1/tags/:name: Mastodon's Tag entity, with seven days of public use."""

from datetime import timedelta

import httpx

from myna.container import Container
from myna.models import Visibility
from tests.api.test_trends import NOW, at, post
from tests.conftest import MakeUser


async def test_a_tag_with_its_history(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    with at(NOW - timedelta(days=2)):
        await post(container, alice, "#Myna 前天")
    with at(NOW):
        await post(container, alice, "#myna 今天")
        await post(container, alice, "#ＭＹＮＡ 又一次")  # full-width: the same tag
        await post(container, bob, "#myna 我也是")
        await post(container, bob, "#myna 不公开", Visibility.UNLISTED)
        r = await client.get("/api/v1/tags/MYNA")
    assert r.status_code == 200, r.text
    tag = r.json()
    assert tag["name"] == "Myna"  # as first written
    assert tag["url"] == "http://testserver/tags/Myna"
    assert "following" not in tag  # no viewer: left out
    today = int(NOW.replace(hour=0, minute=0).timestamp())
    assert tag["history"] == [
        {"day": str(today - day * 86400), **counts}
        for day, counts in enumerate(
            [
                {"uses": "3", "accounts": "2"},
                {"uses": "0", "accounts": "0"},
                {"uses": "1", "accounts": "1"},
                *[{"uses": "0", "accounts": "0"}] * 4,
            ]
        )
    ]
    # `#myna#` as a topic and the path with a leading # name the same tag.
    with at(NOW):
        r = await client.get("/api/v1/tags/%23myna", headers=alice.headers)
    assert r.status_code == 200 and r.json()["id"] == tag["id"]


async def test_an_unknown_tag_is_404(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/tags/nobody-used-this")
    assert r.status_code == 404 and "error" in r.json()


async def test_a_token_without_read_is_refused(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    writer = await make_user("writer", scopes="write")
    await post(container, writer, "#myna")
    r = await client.get("/api/v1/tags/myna", headers=writer.headers)
    assert r.status_code == 403 and "error" in r.json()
