"""Scheduled statuses: posting with `scheduled_at`, listing, moving and cancelling them, and
the housekeeping sweep that posts them when their time comes."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from myna.container import Container
from tests.conftest import MakeUser, User, row_counts


def later(minutes: float) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


async def schedule(
    client: httpx.AsyncClient, user: User, text: str, minutes: float = 60, **extra: Any
) -> httpx.Response:
    body = {"status": text, "scheduled_at": later(minutes), **extra}
    return await client.post("/api/v1/statuses", json=body, headers=user.headers)


async def public_texts(client: httpx.AsyncClient, user: User) -> list[str]:
    r = await client.get(f"/api/v1/accounts/{user.id}/statuses", headers=user.headers)
    assert r.status_code == 200, r.text
    return [s["content"] for s in r.json()]


async def test_scheduling_answers_a_scheduled_status_and_posts_nothing_yet(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    r = await schedule(client, alice, "明天见 see you", visibility="private", language="zh")
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) >= {"id", "scheduled_at", "params", "media_attachments"}
    assert body["params"]["text"] == "明天见 see you"
    assert body["params"]["visibility"] == "private"
    assert body["params"]["language"] == "zh"
    assert body["media_attachments"] == []
    assert await public_texts(client, alice) == []

    listed = await client.get("/api/v1/scheduled_statuses", headers=alice.headers)
    assert [s["id"] for s in listed.json()] == [body["id"]]
    one = await client.get(f"/api/v1/scheduled_statuses/{body['id']}", headers=alice.headers)
    assert one.json() == body


async def test_sweep_posts_what_is_due_once(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice = await make_user("alice")
    soon = (await schedule(client, alice, "first", minutes=10)).json()
    await schedule(client, alice, "second", minutes=120)

    assert await container.scheduled_actions.sweep(datetime.now(UTC)) == 0
    at_eleven = datetime.now(UTC) + timedelta(minutes=11)
    # Two sweeps racing (two servers): the status is posted exactly once.
    posted = await asyncio.gather(
        container.scheduled_actions.sweep(at_eleven),
        container.scheduled_actions.sweep(at_eleven),
    )
    assert sum(posted) == 1
    assert await public_texts(client, alice) == ["<p>first</p>"]
    gone = await client.get(f"/api/v1/scheduled_statuses/{soon['id']}", headers=alice.headers)
    assert gone.status_code == 404
    remaining = await client.get("/api/v1/scheduled_statuses", headers=alice.headers)
    assert [s["params"]["text"] for s in remaining.json()] == ["second"]


async def test_posted_schedule_keeps_its_parameters_and_reaches_followers(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    await schedule(
        client, alice, "for followers", visibility="private", spoiler_text="cw", sensitive=True
    )
    await container.scheduled_actions.sweep(datetime.now(UTC) + timedelta(hours=2))
    home = (await client.get("/api/v1/timelines/home", headers=bob.headers)).json()
    assert [s["content"] for s in home] == ["<p>for followers</p>"]
    assert home[0]["visibility"] == "private"
    assert home[0]["spoiler_text"] == "cw"
    assert home[0]["sensitive"] is True
    assert home[0]["application"]["name"] == "tests"


async def test_reschedule_and_cancel(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice = await make_user("alice")
    row = (await schedule(client, alice, "move me", minutes=10)).json()
    moved = await client.put(
        f"/api/v1/scheduled_statuses/{row['id']}",
        json={"scheduled_at": later(300)},
        headers=alice.headers,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["scheduled_at"] > row["scheduled_at"]
    assert await container.scheduled_actions.sweep(datetime.now(UTC) + timedelta(hours=1)) == 0

    r = await client.delete(f"/api/v1/scheduled_statuses/{row['id']}", headers=alice.headers)
    assert r.status_code == 200
    assert await container.scheduled_actions.sweep(datetime.now(UTC) + timedelta(days=1)) == 0
    assert await public_texts(client, alice) == []


async def test_others_scheduled_statuses_are_not_found(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice, mallory = await make_user("alice"), await make_user("mallory")
    row = (await schedule(client, alice, "mine")).json()
    url = f"/api/v1/scheduled_statuses/{row['id']}"
    assert (await client.get(url, headers=mallory.headers)).status_code == 404
    put = await client.put(url, json={"scheduled_at": later(90)}, headers=mallory.headers)
    assert put.status_code == 404
    assert (await client.delete(url, headers=mallory.headers)).status_code == 404
    listed = await client.get("/api/v1/scheduled_statuses", headers=mallory.headers)
    assert listed.json() == []
    assert (await client.get(url, headers=alice.headers)).status_code == 200


async def test_bad_schedules_are_refused_and_write_nothing(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice = await make_user("alice")
    before = await row_counts(container.db)
    for minutes, text in [(1, "too soon"), (-60, "in the past"), (60, "")]:
        r = await schedule(client, alice, text, minutes=minutes)
        assert r.status_code == 422, r.text
        assert "error" in r.json()
    r = await client.post(
        "/api/v1/statuses",
        json={"status": "x", "scheduled_at": "next tuesday"},
        headers=alice.headers,
    )
    assert r.status_code == 422
    assert await row_counts(container.db) == before


async def test_at_most_25_on_one_day(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice = await make_user("alice")
    day = (datetime.now(UTC) + timedelta(days=3)).replace(hour=12, minute=0)
    for i in range(25):
        at = (day + timedelta(minutes=i)).isoformat()
        r = await client.post(
            "/api/v1/statuses", json={"status": f"n{i}", "scheduled_at": at}, headers=alice.headers
        )
        assert r.status_code == 200, r.text
    over = await client.post(
        "/api/v1/statuses",
        json={"status": "one too many", "scheduled_at": day.isoformat()},
        headers=alice.headers,
    )
    assert over.status_code == 422
    next_day = (day + timedelta(days=1)).isoformat()
    fine = await client.post(
        "/api/v1/statuses", json={"status": "ok", "scheduled_at": next_day}, headers=alice.headers
    )
    assert fine.status_code == 200


async def test_a_schedule_that_became_impossible_is_dropped(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice = await make_user("alice")
    parent = await client.post("/api/v1/statuses", json={"status": "p"}, headers=alice.headers)
    pid = parent.json()["id"]
    await schedule(client, alice, "a reply", in_reply_to_id=pid)
    await client.delete(f"/api/v1/statuses/{pid}", headers=alice.headers)
    assert await container.scheduled_actions.sweep(datetime.now(UTC) + timedelta(hours=2)) == 0
    assert (await client.get("/api/v1/scheduled_statuses", headers=alice.headers)).json() == []
    assert await public_texts(client, alice) == []


async def test_housekeeping_runs_every_sweep(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice = await make_user("alice")
    await schedule(client, alice, "via housekeeping", minutes=6)
    done = await container.housekeeping.run_once(datetime.now(UTC) + timedelta(minutes=7))
    assert done["scheduled statuses"] == 1
    assert await public_texts(client, alice) == ["<p>via housekeeping</p>"]


async def test_a_scheduled_status_keeps_its_poll(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice = await make_user("alice")
    poll = {"options": ["茶 tea", "咖啡 coffee"], "expires_in": 3600, "multiple": True}
    row = (await schedule(client, alice, "which?", poll=poll)).json()
    assert row["params"]["poll"]["options"] == ["茶 tea", "咖啡 coffee"]
    assert row["params"]["poll"]["multiple"] is True
    posted_at = datetime.now(UTC) + timedelta(hours=2)
    assert await container.scheduled_actions.sweep(posted_at) == 1
    status = (
        await client.get(f"/api/v1/accounts/{alice.id}/statuses", headers=alice.headers)
    ).json()[0]
    assert [o["title"] for o in status["poll"]["options"]] == ["茶 tea", "咖啡 coffee"]
    assert status["poll"]["multiple"] is True
    ends = datetime.fromisoformat(status["poll"]["expires_at"].replace("Z", "+00:00"))
    assert timedelta(minutes=59) < ends - datetime.now(UTC) <= timedelta(hours=1)


async def test_scheduled_pictures_wait_with_it_and_are_posted_with_it(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    from tests.api.test_media import uploaded
    from tests.pictures import jpeg_with_gps

    alice, mallory = await make_user("alice"), await make_user("mallory")
    first = await uploaded(client, alice, jpeg_with_gps(), description="一")
    second = await uploaded(client, alice, jpeg_with_gps(), description="二")
    row = (
        await schedule(client, alice, "two pictures", media_ids=[second["id"], first["id"]])
    ).json()
    assert [m["id"] for m in row["media_attachments"]] == [second["id"], first["id"]]
    assert row["params"]["media_ids"] == [second["id"], first["id"]]

    # Waiting with a scheduled status, they are neither free to post again nor cleaned up.
    again = await client.post(
        "/api/v1/statuses",
        json={"status": "reuse", "media_ids": [first["id"]]},
        headers=alice.headers,
    )
    assert again.status_code == 422
    assert await container.media_actions.sweep(datetime.now(UTC) + timedelta(days=3)) == 0
    # Someone else's uploads cannot be scheduled.
    theirs = await schedule(client, mallory, "not mine", media_ids=[first["id"]])
    assert theirs.status_code == 422

    await container.scheduled_actions.sweep(datetime.now(UTC) + timedelta(hours=2))
    status = (
        await client.get(f"/api/v1/accounts/{alice.id}/statuses", headers=alice.headers)
    ).json()[0]
    assert [m["description"] for m in status["media_attachments"]] == ["二", "一"]


async def test_cancelling_frees_the_pictures(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    from tests.api.test_media import uploaded
    from tests.pictures import jpeg_with_gps

    alice = await make_user("alice")
    picture = await uploaded(client, alice, jpeg_with_gps())
    row = (await schedule(client, alice, "later", media_ids=[picture["id"]])).json()
    await client.delete(f"/api/v1/scheduled_statuses/{row['id']}", headers=alice.headers)
    now = await client.post(
        "/api/v1/statuses",
        json={"status": "now", "media_ids": [picture["id"]]},
        headers=alice.headers,
    )
    assert now.status_code == 200, now.text
    assert [m["id"] for m in now.json()["media_attachments"]] == [picture["id"]]
