"""Editing a status: the edit itself, its history and source, who may do what, and how
mentions, tags and notifications follow the new text."""

import httpx

from myna.container import Container
from tests.api.test_timelines import post
from tests.conftest import MakeUser, User, row_counts


async def edit(client: httpx.AsyncClient, user: User, status_id: str, **body: object) -> dict:  # type: ignore[type-arg]
    r = await client.put(f"/api/v1/statuses/{status_id}", json=body, headers=user.headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_edit_answers_the_status_and_keeps_every_version(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    original = await post(client, alice, "first words", language="en")
    await client.post(f"/api/v1/statuses/{original['id']}/favourite", headers=bob.headers)
    await post(client, bob, "a reply", in_reply_to_id=original["id"])
    assert original["edited_at"] is None

    first = await edit(client, alice, original["id"], status="second words")
    assert first["id"] == original["id"] and "second words" in first["content"]
    assert first["edited_at"] is not None and first["edited_at"] >= first["created_at"]
    assert first["created_at"] == original["created_at"]
    assert first["language"] == "en" and first["visibility"] == "public"
    assert (first["favourites_count"], first["replies_count"]) == (1, 1)
    third = await edit(
        client, alice, original["id"], status="third words", spoiler_text="cw", language="fr"
    )
    assert third["spoiler_text"] == "cw" and third["sensitive"] is True
    assert third["language"] == "fr"

    r = await client.get(f"/api/v1/statuses/{original['id']}/history", headers=bob.headers)
    assert r.status_code == 200, r.text
    versions = r.json()
    assert ["first words" in v["content"] for v in versions] == [True, False, False]
    assert "second words" in versions[1]["content"] and "third words" in versions[2]["content"]
    assert [v["spoiler_text"] for v in versions] == ["", "", "cw"]
    assert [v["sensitive"] for v in versions] == [False, False, True]
    assert versions[0]["created_at"] == original["created_at"]
    assert versions[1]["created_at"] == first["edited_at"]
    assert versions[2]["created_at"] == third["edited_at"]
    assert {v["account"]["id"] for v in versions} == {str(alice.id)}
    assert all(v["media_attachments"] == [] and v["emojis"] == [] for v in versions)

    seen = (await client.get(f"/api/v1/statuses/{original['id']}")).json()
    assert "third words" in seen["content"] and seen["edited_at"] == third["edited_at"]


async def test_an_unedited_status_has_one_version(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    status = await post(client, alice, "never edited")
    versions = (await client.get(f"/api/v1/statuses/{status['id']}/history")).json()
    assert len(versions) == 1 and "never edited" in versions[0]["content"]
    assert versions[0]["created_at"] == status["created_at"]


async def test_source_is_for_the_author_and_others_get_404(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    status = await post(client, alice, "hello #there @bob", spoiler_text="s")
    r = await client.get(f"/api/v1/statuses/{status['id']}/source", headers=alice.headers)
    assert r.json() == {"id": status["id"], "text": "hello #there @bob", "spoiler_text": "s"}

    before = await row_counts(container.db)
    path = f"/api/v1/statuses/{status['id']}"
    r = await client.get(f"{path}/source", headers=bob.headers)
    assert r.status_code == 404 and r.json()["error"] == "Record not found"
    r = await client.put(path, json={"status": "hijacked"}, headers=bob.headers)
    assert r.status_code == 404 and r.json()["error"] == "Record not found"
    r = await client.put("/api/v1/statuses/12345", json={"status": "x"}, headers=bob.headers)
    assert r.status_code == 404 and r.json()["error"] == "Record not found"
    assert await row_counts(container.db) == before
    assert "hijacked" not in (await client.get(path)).json()["content"]


async def test_history_follows_visibility(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    private = await post(client, alice, "for followers", visibility="private")
    await edit(client, alice, private["id"], status="still for followers")
    path = f"/api/v1/statuses/{private['id']}/history"
    r = await client.get(path, headers=bob.headers)
    assert r.status_code == 200 and len(r.json()) == 2
    for headers in (carol.headers, {}):
        r = await client.get(path, headers=headers)
        assert r.status_code == 404 and r.json()["error"] == "Record not found"


async def test_overlong_or_blank_edit_is_422_and_writes_nothing(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice = await make_user("alice")
    status = await post(client, alice, "short")
    before = await row_counts(container.db)
    path = f"/api/v1/statuses/{status['id']}"
    too_long = "长" * 141
    r_post = await client.post("/api/v1/statuses", json={"status": too_long}, headers=alice.headers)
    r = await client.put(path, json={"status": too_long}, headers=alice.headers)
    assert r.status_code == 422 and r.json() == r_post.json()
    assert "141 units long; the limit is 140" in r.json()["error"]
    r = await client.put(path, json={"status": "  "}, headers=alice.headers)
    assert r.status_code == 422 and r.json()["error"] == "Validation failed: Text can't be blank"
    r = await client.put(path, json={"status": "ok", "language": "no way"}, headers=alice.headers)
    assert r.status_code == 422
    assert await row_counts(container.db) == before
    seen = (await client.get(path)).json()
    assert seen["edited_at"] is None and "short" in seen["content"]


async def test_what_cannot_be_edited(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    status = await post(client, alice, "hello", visibility="unlisted")
    edited = await edit(client, alice, status["id"], status="hi", visibility="public")
    assert edited["visibility"] == "unlisted"
    repost = (
        await client.post(f"/api/v1/statuses/{status['id']}/reblog", headers=bob.headers)
    ).json()
    r = await client.put(
        f"/api/v1/statuses/{repost['id']}", json={"status": "x"}, headers=bob.headers
    )
    assert r.status_code == 422
    direct = await post(client, alice, "@bob psst", visibility="direct")
    r = await client.put(
        f"/api/v1/statuses/{direct['id']}", json={"status": "psst, no one"}, headers=alice.headers
    )
    assert r.status_code == 422
    assert r.json()["error"] == "Validation failed: A direct status keeps its recipients"
    kept = await edit(client, alice, direct["id"], status="@bob psst again")
    assert kept["visibility"] == "direct" and "again" in kept["content"]


async def test_mentions_tags_and_notifications_follow_the_edit(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    status = await post(client, alice, "hi @bob #before")
    assert [m["username"] for m in status["mentions"]] == ["bob"]

    edited = await edit(client, alice, status["id"], status="hi @bob and @carol #after")
    assert sorted(m["username"] for m in edited["mentions"]) == ["bob", "carol"]
    assert [t["name"] for t in edited["tags"]] == ["after"]
    assert "/@carol" in edited["content"]

    before = (await client.get("/api/v1/timelines/tag/before")).json()
    after = (await client.get("/api/v1/timelines/tag/after")).json()
    assert before == [] and [s["id"] for s in after] == [status["id"]]

    # Bob was mentioned before: one mention notification; Carol is newly mentioned: one too.
    for user in (bob, carol):
        got = (await client.get("/api/v1/notifications", headers=user.headers)).json()
        assert [(n["type"], n["status"]["id"]) for n in got] == [("mention", status["id"])]

    edited = await edit(client, alice, status["id"], status="just @carol now")
    assert [m["username"] for m in edited["mentions"]] == ["carol"]
    assert edited["tags"] == []
    carols = (await client.get("/api/v1/notifications", headers=carol.headers)).json()
    assert len(carols) == 1


async def test_reposters_and_quoters_hear_of_the_edit(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    status = await post(client, alice, "worth sharing")
    await client.post(f"/api/v1/statuses/{status['id']}/reblog", headers=bob.headers)
    await post(client, carol, "look", quoted_status_id=status["id"])
    await edit(client, alice, status["id"], status="worth sharing, fixed")
    for user in (bob, carol):
        got = (
            await client.get("/api/v1/notifications?types[]=update", headers=user.headers)
        ).json()
        assert [(n["type"], n["account"]["id"], n["status"]["id"]) for n in got] == [
            ("update", str(alice.id), status["id"])
        ]
        assert "fixed" in got[0]["status"]["content"]
    own = (await client.get("/api/v1/notifications?types[]=update", headers=alice.headers)).json()
    assert own == []
