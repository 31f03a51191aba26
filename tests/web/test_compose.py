"""The compose box, posted like a browser without JavaScript: audiences, pictures, polls,
quotes and replies, and every refusal showing the draft again with nothing written."""

from pathlib import Path
from typing import Any

import httpx
import pytest

from myna.actions.groups import NewGroup
from myna.actions.lists import ListChange
from myna.actions.statuses import NewStatus
from myna.container import Container
from myna.models import Visibility
from myna.web import i18n
from tests import pictures
from tests.conftest import MakeUser, row_counts
from tests.web.forms import sign_in, submit

COMPOSE_JS = Path(__file__).parents[2] / "src/myna/web/static/compose.js"
Files = list[tuple[str, tuple[str, bytes, str]]]


async def post(
    client: httpx.AsyncClient,
    text: str,
    files: Files | None = None,
    extra: dict[str, str | list[str]] | None = None,
) -> httpx.Response:
    data: dict[str, str | list[str]] = {"status": text, **(extra or {})}
    return await submit(client, "/web/statuses", data, files=files)  # type: ignore[arg-type]


def png(name: str = "a.png") -> tuple[str, tuple[str, bytes, str]]:
    return ("media", (name, pictures.png(120, 80), "image/png"))


async def home_api(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/timelines/home", headers=headers)
    assert r.status_code == 200
    found: list[dict[str, Any]] = r.json()
    return found


async def test_followers_only_and_content_warning(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    r = await post(client, "只给粉丝看", extra={"visibility": "followers", "spoiler_text": "剧透"})
    assert r.status_code == 303
    [status] = await home_api(client, alice.headers)
    assert status["visibility"] == "private"
    assert status["spoiler_text"] == "剧透"
    page = (await client.get("/")).text
    assert "<summary>剧透</summary>" in page
    assert "Followers only" in page


async def test_pictures_with_descriptions_in_order(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    r = await post(
        client,
        "两张图",
        files=[png("one.png"), png("two.png")],
        extra={"media_description": ["第一张", "the second"]},
    )
    assert r.status_code == 303, r.text
    [status] = await home_api(client, alice.headers)
    described = [m["description"] for m in status["media_attachments"]]
    assert described == ["第一张", "the second"]
    page = (await client.get("/")).text
    assert 'class="pictures pictures-2"' in page
    assert 'alt="第一张"' in page and 'alt="the second"' in page
    full = status["media_attachments"][0]["url"]
    assert f'href="{full}"' in page  # without JavaScript the link opens the picture
    assert (await client.get(full)).status_code == 200


async def test_pictures_without_text_are_a_post(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    r = await post(client, "", files=[png()])
    assert r.status_code == 303
    assert len(await home_api(client, alice.headers)) == 1


@pytest.mark.parametrize(
    ("files", "message"),
    [
        pytest.param([png(f"{n}.png") for n in range(10)], "at most 9 pictures", id="ten"),
        pytest.param(
            [png(), ("media", ("notes.txt", pictures.TEXT, "text/plain"))],
            "“notes.txt” is not a picture.",
            id="not-a-picture",
        ),
        pytest.param(
            [png(), ("media", ("fake.png", pictures.TEXT, "image/png"))],
            "“fake.png” could not be read as a picture.",
            id="undecodable",
        ),
    ],
)
async def test_bad_pictures_are_refused_and_nothing_is_kept(
    client: httpx.AsyncClient,
    container: Container,
    make_user: MakeUser,
    files: Files,
    message: str,
) -> None:
    await make_user("alice")
    await sign_in(client, "alice")
    before = await row_counts(container.db)
    r = await post(client, "有图", files=files)
    assert r.status_code == 422
    assert message in r.text
    assert "Please choose the pictures again." in r.text
    assert ">有图</textarea>" in r.text
    assert await row_counts(container.db) == before
    assert not list(Path(container.settings.media_dir).rglob("*.*"))  # no file left either


async def test_a_refusal_after_the_upload_deletes_the_uploads(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    mine = await container.status_actions.do_post(
        alice.id, NewStatus(text="粉丝可见", visibility=Visibility.FOLLOWERS)
    )
    await sign_in(client, "alice")
    before = await row_counts(container.db)
    # Only public posts can be quoted: the action says so once the pictures are uploaded.
    r = await post(client, "引用", files=[png()], extra={"quoted_status_id": str(mine.id)})
    assert r.status_code == 422
    assert "cannot be quoted" in r.text
    assert await row_counts(container.db) == before


async def test_a_poll(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    r = await post(
        client,
        "午饭吃什么？",
        extra={
            "poll_options": ["米饭", "面条", "饺子", ""],
            "poll_expires_in": "3600",
            "poll_multiple": "1",
        },
    )
    assert r.status_code == 303
    [status] = await home_api(client, alice.headers)
    assert [o["title"] for o in status["poll"]["options"]] == ["米饭", "面条", "饺子"]
    assert status["poll"]["multiple"] is True
    page = (await client.get("/")).text
    assert 'class="poll-results"' in page  # the author sees results, never a vote form
    assert "/vote" not in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"poll_options": ["只有一个", ""]}, "at least two options"),
        ({"poll_options": ["一", "二", "三", "四", "五"]}, "at most 4 options"),
        ({"poll_options": ["同", "同"]}, "Two poll options are the same."),
        ({"poll_options": ["x" * 51, "y"]}, "at most 50 characters"),
        ({"poll_options": ["一", "二"], "poll_expires_in": "7"}, "how long the poll runs"),
    ],
)
async def test_bad_polls_are_refused(
    client: httpx.AsyncClient,
    container: Container,
    make_user: MakeUser,
    fields: dict[str, str | list[str]],
    message: str,
) -> None:
    await make_user("alice")
    await sign_in(client, "alice")
    before = await row_counts(container.db)
    r = await post(client, "投票", extra=fields)
    assert r.status_code == 422
    assert message in r.text
    assert await row_counts(container.db) == before


async def test_a_poll_and_pictures_are_not_both_allowed(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    await make_user("alice")
    await sign_in(client, "alice")
    before = await row_counts(container.db)
    r = await post(client, "都要", files=[png()], extra={"poll_options": ["a", "b"]})
    assert r.status_code == 422
    assert "pictures or a poll, not both" in r.text
    assert await row_counts(container.db) == before


async def test_to_one_of_my_lists(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    bob = await make_user("bob")
    carol = await make_user("carol")
    for follower in (bob, carol):
        await container.relation_actions.do_follow(follower.id, alice.id)
    await container.relation_actions.do_follow(alice.id, bob.id)
    close = await container.list_actions.do_create(alice.id, ListChange(title="密友"))
    await container.list_actions.do_add_accounts(alice.id, close.id, [bob.id])
    await sign_in(client, "alice")
    page = (await client.get("/")).text
    assert f'<option value="list:{close.id}">密友</option>' in page
    r = await post(client, "只给密友", extra={"visibility": f"list:{close.id}"})
    assert r.status_code == 303
    assert [s["content"] for s in await home_api(client, bob.headers)] == ["<p>只给密友</p>"]
    assert await home_api(client, carol.headers) == []  # a follower outside the list


async def test_another_persons_list_or_group_is_refused(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    await make_user("alice")
    bob = await make_user("bob")
    bobs_list = await container.list_actions.do_create(bob.id, ListChange(title="bob's"))
    bobs_group = await container.group_actions.do_create(
        bob.id, NewGroup(handle="bobs", name="Bob 的群")
    )
    await sign_in(client, "alice")
    before = await row_counts(container.db)
    r = await post(client, "hi", extra={"visibility": f"list:{bobs_list.id}"})
    assert r.status_code == 422
    assert "That list is not one of yours." in r.text
    r = await post(client, "hi", extra={"visibility": f"group:{bobs_group}"})
    assert r.status_code == 422
    assert "You are not a member of that group." in r.text
    for bad in ("list:999", "group:abc", "everyone", "group"):
        r = await post(client, "hi", extra={"visibility": bad})
        assert r.status_code == 422, bad
    assert await row_counts(container.db) == before


async def test_in_one_of_my_groups(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    group_id = await container.group_actions.do_create(
        alice.id, NewGroup(handle="birders", name="观鸟群")
    )
    await sign_in(client, "alice")
    page = (await client.get("/")).text
    assert f'<option value="group:{group_id}">观鸟群</option>' in page
    r = await post(client, "群里见", extra={"visibility": f"group:{group_id}"})
    assert r.status_code == 303
    r = await client.get(f"/api/v1/timelines/group/{group_id}", headers=alice.headers)
    if r.status_code == 404:  # the group feed's path in the Myna API
        r = await client.get(f"/api/v1/myna/groups/{group_id}/timeline", headers=alice.headers)
    assert r.status_code == 200, r.text
    assert [s["visibility"] for s in r.json()] == ["group"]


async def test_direct(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    alice = await make_user("alice")
    bob = await make_user("bob")
    await sign_in(client, "alice")
    r = await post(client, "@bob 悄悄话", extra={"visibility": "direct"})
    assert r.status_code == 303
    [status] = await home_api(client, alice.headers)
    assert status["visibility"] == "direct"
    r = await client.get(f"/api/v1/statuses/{status['id']}", headers=bob.headers)
    assert r.status_code == 200


async def test_quote_from_the_card_link(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    bob = await make_user("bob")
    original = await container.status_actions.do_post(bob.id, NewStatus(text="原微博"))
    await sign_in(client, "alice")
    page = (await client.get(f"/?quote={original.id}")).text
    assert f'name="quoted_status_id" value="{original.id}"' in page
    assert "原微博" in page
    r = await post(client, "转发理由", extra={"quoted_status_id": str(original.id)})
    assert r.status_code == 303
    [status] = await home_api(client, alice.headers)
    assert status["quote"]["quoted_status"]["id"] == str(original.id)
    page = (await client.get("/")).text
    assert '<blockquote class="quote">' in page
    assert f'href="/@bob/{original.id}"' in page


async def test_quoting_or_replying_to_what_i_cannot_see_is_refused(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    await make_user("alice")
    bob = await make_user("bob")
    hidden = await container.status_actions.do_post(
        bob.id, NewStatus(text="秘密", visibility=Visibility.FOLLOWERS)
    )
    await sign_in(client, "alice")
    page = (await client.get(f"/?quote={hidden.id}")).text
    assert "秘密" not in page and "quoted_status_id" not in page
    before = await row_counts(container.db)
    r = await post(client, "引用", extra={"quoted_status_id": str(hidden.id)})
    assert r.status_code == 422
    assert "The post you are quoting is not available." in r.text
    assert "秘密" not in r.text
    r = await post(client, "回复", extra={"in_reply_to_id": str(hidden.id)})
    assert r.status_code == 422
    assert "The post you are replying to is not available." in r.text
    assert "秘密" not in r.text
    r = await post(client, "回复", extra={"in_reply_to_id": "123456789"})
    assert r.status_code == 422
    assert await row_counts(container.db) == before


@pytest.mark.parametrize(
    ("text", "fields", "message"),
    [
        ("", {}, "the post is empty"),
        ("   \n ", {}, "the post is empty"),
        ("短", {"spoiler_text": "长" * 140}, "the limit is 140 units"),
        ("a", {"media_description": "x" * 1501}, "at most 1500 characters"),
    ],
)
async def test_bad_text_is_refused_with_the_draft_kept(
    client: httpx.AsyncClient,
    container: Container,
    make_user: MakeUser,
    text: str,
    fields: dict[str, str | list[str]],
    message: str,
) -> None:
    await make_user("alice")
    await sign_in(client, "alice")
    before = await row_counts(container.db)
    r = await post(client, text, extra=fields)
    assert r.status_code == 422
    assert message in r.text
    assert 'aria-invalid="true"' in r.text
    assert await row_counts(container.db) == before


async def test_refusals_are_in_chinese_for_chinese_readers(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    await make_user("alice")
    await sign_in(client, "alice")
    client.cookies.set(i18n.LANG_COOKIE, "zh_CN")
    before = await row_counts(container.db)
    r = await post(client, "")
    assert r.status_code == 422
    assert "先写点什么" in r.text
    r = await post(client, "长" * 141)
    assert "共 141 字，超过了 140 字的上限" in r.text
    assert await row_counts(container.db) == before


async def test_signed_out_or_forged_compose_writes_nothing(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    await make_user("alice")
    before = await row_counts(container.db)
    r = await client.post("/web/statuses", files=[png()], data={"status": "x", "csrf": ""})
    assert r.status_code == 303
    assert r.headers["location"].startswith("/auth/sign_in")
    assert await row_counts(container.db) == before
    await sign_in(client, "alice")
    before = await row_counts(container.db)
    r = await client.post("/web/statuses", files=[png()], data={"status": "x", "csrf": "f" * 40})
    assert r.status_code == 403
    assert await row_counts(container.db) == before


async def test_the_page_counter_starts_from_the_servers_count(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    await make_user("alice")
    await sign_in(client, "alice")
    r = await post(client, "长" * 150)
    assert '<output id="counter" for="status" data-limit="140"' in r.text
    assert ">-10</output>" in r.text
