"""Polls: posting one with a status (form and JSON), the limits, voting, what each viewer
sees of the tallies, who may see a poll at all, editing, and the notices when a poll ends."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from myna.app import create_app
from myna.config import Settings
from myna.container import Container, build
from tests import pictures
from tests.conftest import BASE_URL, MakeUser, User, row_counts

LATER = timedelta(days=40)  # past any poll's end


async def post_poll(
    client: httpx.AsyncClient,
    user: User,
    options: list[str],
    *,
    expires_in: int = 3600,
    text: str = "which one?",
    **extra: Any,
) -> dict[str, Any]:
    poll: dict[str, Any] = {"options": options, "expires_in": expires_in}
    for key in ("multiple", "hide_totals"):
        if key in extra:
            poll[key] = extra.pop(key)
    r = await client.post(
        "/api/v1/statuses", json={"status": text, "poll": poll, **extra}, headers=user.headers
    )
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def vote(
    client: httpx.AsyncClient, user: User, poll_id: str, choices: list[int]
) -> httpx.Response:
    return await client.post(
        f"/api/v1/polls/{poll_id}/votes", json={"choices": choices}, headers=user.headers
    )


async def follow(client: httpx.AsyncClient, who: User, whom: User) -> None:
    r = await client.post(f"/api/v1/accounts/{whom.id}/follow", headers=who.headers)
    assert r.status_code == 200, r.text


async def poll_notifications(client: httpx.AsyncClient, user: User) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/notifications", headers=user.headers)
    assert r.status_code == 200, r.text
    return [n for n in r.json() if n["type"] == "poll"]


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def test_a_poll_posted_with_a_form(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    alice = await make_user("alice")
    before = datetime.now(UTC)
    r = await client.post(
        "/api/v1/statuses",
        data={
            "status": "tea or coffee?",
            "poll[options][]": ["tea", " coffee ", "water"],
            "poll[expires_in]": "600",
            "poll[multiple]": "true",
        },
        headers=alice.headers,
    )
    assert r.status_code == 200, r.text
    poll = r.json()["poll"]
    ends = parse_time(poll["expires_at"])
    assert before + timedelta(seconds=599) <= ends <= datetime.now(UTC) + timedelta(seconds=601)
    assert poll["id"].isdigit() and poll["expired"] is False and poll["multiple"] is True
    assert poll["options"] == [
        {"title": "tea", "votes_count": 0},
        {"title": "coffee", "votes_count": 0},
        {"title": "water", "votes_count": 0},
    ]
    assert (poll["votes_count"], poll["voters_count"]) == (0, 0)
    assert poll["emojis"] == []
    # The author cannot vote, so to them the poll reads as voted (as on Mastodon).
    assert (poll["voted"], poll["own_votes"]) == (True, [])


async def test_a_poll_posted_as_json(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    alice = await make_user("alice")
    status = await post_poll(client, alice, ["yes", "no"], expires_in=300, hide_totals=True)
    poll = status["poll"]
    assert poll["multiple"] is False and poll["voters_count"] is None
    assert [o["title"] for o in poll["options"]] == ["yes", "no"]
    assert [o["votes_count"] for o in poll["options"]] == [None, None]  # hidden until the end
    assert poll["votes_count"] == 0

    # The same poll through GET /api/v1/polls/:id and in the status, for anyone who sees it.
    r = await client.get(f"/api/v1/polls/{poll['id']}")
    assert r.status_code == 200, r.text
    anonymous = r.json()
    assert "voted" not in anonymous and "own_votes" not in anonymous  # no user token
    assert {k: v for k, v in anonymous.items()} == {
        k: v for k, v in poll.items() if k not in ("voted", "own_votes")
    }
    seen = (await client.get(f"/api/v1/statuses/{status['id']}")).json()
    assert seen["poll"]["id"] == poll["id"]


async def test_a_status_without_a_poll_has_none(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    r = await client.post("/api/v1/statuses", json={"status": "plain"}, headers=alice.headers)
    assert r.status_code == 200 and r.json()["poll"] is None
    r = await client.post(
        "/api/v1/statuses", json={"status": "empty", "poll": {}}, headers=alice.headers
    )
    assert r.status_code == 200 and r.json()["poll"] is None


@pytest.mark.parametrize(
    ("poll", "message"),
    [
        ({"options": ["only"], "expires_in": 600}, "more than one item"),
        ({"options": ["a", " ", ""], "expires_in": 600}, "more than one item"),
        ({"options": ["a", "b", "c", "d", "e"], "expires_in": 600}, "more than 4 items"),
        ({"options": ["a", "x" * 51], "expires_in": 600}, "longer than 50 characters"),
        ({"options": ["same", "same"], "expires_in": 600}, "duplicate"),
        ({"options": ["a", "b"], "expires_in": 299}, "at least 300 seconds"),
        ({"options": ["a", "b"], "expires_in": 2_629_747}, "at most 2629746 seconds"),
        ({"options": ["a", "b"]}, "expires_in] can't be blank"),
        ({"options": ["a", "b"], "expires_in": "soon"}, "must be an integer"),
        ({"options": ["a", 2], "expires_in": 600}, "must be a list of strings"),
        ({"options": ["a", "b"], "expires_in": 600, "multiple": "perhaps"}, "boolean"),
    ],
)
async def test_poll_limits(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    container: Container,
    poll: dict[str, Any],
    message: str,
) -> None:
    alice = await make_user("alice")
    before = await row_counts(container.db)
    r = await client.post(
        "/api/v1/statuses", json={"status": "bad poll", "poll": poll}, headers=alice.headers
    )
    assert r.status_code == 422, r.text
    assert message in r.json()["error"]
    assert await row_counts(container.db) == before


async def test_poll_limits_in_a_form_and_a_non_object(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice = await make_user("alice")
    before = await row_counts(container.db)
    r = await client.post(
        "/api/v1/statuses",
        data={"status": "x", "poll[options][]": ["one"], "poll[expires_in]": "600"},
        headers=alice.headers,
    )
    assert r.status_code == 422 and "more than one item" in r.json()["error"]
    r = await client.post(
        "/api/v1/statuses", json={"status": "x", "poll": "a, b"}, headers=alice.headers
    )
    assert r.status_code == 422 and "poll must be an object" in r.json()["error"]
    assert await row_counts(container.db) == before


async def test_a_poll_and_media_exclude_each_other(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice = await make_user("alice")
    before = await row_counts(container.db)
    r = await client.post(
        "/api/v1/statuses",
        json={
            "status": "both",
            "media_ids": ["123456"],
            "poll": {"options": ["a", "b"], "expires_in": 600},
        },
        headers=alice.headers,
    )
    assert r.status_code == 422, r.text
    assert "poll" in r.json()["error"]  # refused for having both, before any look-up
    assert await row_counts(container.db) == before


async def test_a_status_with_pictures_cannot_get_a_poll_by_editing(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice = await make_user("alice")
    r = await client.post(
        "/api/v2/media",
        files={"file": ("p.png", pictures.png(), "image/png")},
        headers=alice.headers,
    )
    assert r.status_code == 200, r.text
    r = await client.post(
        "/api/v1/statuses",
        json={"status": "a picture", "media_ids": [r.json()["id"]]},
        headers=alice.headers,
    )
    assert r.status_code == 200, r.text
    status = r.json()
    before = await row_counts(container.db)
    r = await client.put(
        f"/api/v1/statuses/{status['id']}",
        json={"status": "and a poll", "poll": {"options": ["a", "b"], "expires_in": 600}},
        headers=alice.headers,
    )
    assert r.status_code == 422 and "poll" in r.json()["error"]
    assert await row_counts(container.db) == before
    seen = (await client.get(f"/api/v1/statuses/{status['id']}")).json()
    assert seen["poll"] is None and "and a poll" not in seen["content"]


async def test_single_choice_vote_and_what_each_viewer_sees(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    status = await post_poll(client, alice, ["red", "green", "blue"])
    poll_id = status["poll"]["id"]

    r = await vote(client, bob, poll_id, [1])
    assert r.status_code == 200, r.text
    poll = r.json()
    assert (poll["voted"], poll["own_votes"]) == (True, [1])
    assert [o["votes_count"] for o in poll["options"]] == [0, 1, 0]
    assert (poll["votes_count"], poll["voters_count"]) == (1, None)

    # Form-encoded choices[] work too.
    r = await client.post(
        f"/api/v1/polls/{poll_id}/votes", data={"choices[]": "2"}, headers=carol.headers
    )
    assert r.status_code == 200, r.text
    assert [o["votes_count"] for o in r.json()["options"]] == [0, 1, 1]

    # The counts and the viewer's own votes in the Status entity, on every read path.
    dave = await make_user("dave")
    for viewer, voted, own in ((bob, True, [1]), (carol, True, [2]), (dave, False, [])):
        seen = (
            await client.get(f"/api/v1/statuses/{status['id']}", headers=viewer.headers)
        ).json()["poll"]
        assert (seen["voted"], seen["own_votes"]) == (voted, own)
        assert seen["votes_count"] == 2
        assert [o["votes_count"] for o in seen["options"]] == [0, 1, 1]
    timeline = (await client.get("/api/v1/timelines/public", headers=bob.headers)).json()
    assert [s["poll"]["own_votes"] for s in timeline if s["id"] == status["id"]] == [[1]]

    # Voting twice is refused and writes nothing.
    before = await row_counts(container.db)
    r = await vote(client, bob, poll_id, [0])
    assert r.status_code == 422 and "You have already voted" in r.json()["error"]
    r = await vote(client, bob, poll_id, [1])
    assert r.status_code == 422 and "You have already voted" in r.json()["error"]
    assert await row_counts(container.db) == before


async def test_multiple_choice_vote(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    status = await post_poll(client, alice, ["a", "b", "c", "d"], multiple=True)
    poll_id = status["poll"]["id"]
    r = await vote(client, bob, poll_id, [0, 2, 2])  # a repeated choice counts once
    assert r.status_code == 200, r.text
    assert r.json()["own_votes"] == [0, 2]
    r = await vote(client, carol, poll_id, [2])
    poll = r.json()
    assert [o["votes_count"] for o in poll["options"]] == [1, 0, 2, 0]
    assert (poll["votes_count"], poll["voters_count"]) == (3, 2)
    r = await vote(client, bob, poll_id, [3])
    assert r.status_code == 422 and "You have already voted" in r.json()["error"]


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ([3], "does not exist"),
        ([-1], "does not exist"),
        ([], "choices can't be blank"),
        ([0, 1], "one choice only"),
        (["first"], "must be a list of integers"),
        ([True], "must be a list of integers"),
    ],
)
async def test_invalid_choices(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    container: Container,
    choices: list[Any],
    message: str,
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    status = await post_poll(client, alice, ["a", "b", "c"])
    before = await row_counts(container.db)
    r = await vote(client, bob, status["poll"]["id"], choices)
    assert r.status_code == 422, r.text
    assert message in r.json()["error"]
    assert await row_counts(container.db) == before


async def test_the_author_cannot_vote_and_unknown_polls_are_missing(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice = await make_user("alice")
    status = await post_poll(client, alice, ["a", "b"])
    before = await row_counts(container.db)
    r = await vote(client, alice, status["poll"]["id"], [0])
    assert r.status_code == 422 and "your own polls" in r.json()["error"]
    for path in ("/api/v1/polls/12345", "/api/v1/polls/nope"):
        assert (await client.get(path, headers=alice.headers)).status_code == 404
        r = await client.post(f"{path}/votes", json={"choices": [0]}, headers=alice.headers)
        assert r.status_code == 404 and r.json()["error"] == "Record not found"
    assert await row_counts(container.db) == before
    r = await client.post(f"/api/v1/polls/{status['poll']['id']}/votes", json={"choices": [0]})
    assert r.status_code == 401


async def test_a_followers_only_poll_is_missing_to_strangers(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    await follow(client, bob, alice)
    status = await post_poll(client, alice, ["a", "b"], visibility="private")
    poll_id = status["poll"]["id"]

    assert (await client.get(f"/api/v1/polls/{poll_id}", headers=bob.headers)).status_code == 200
    r = await vote(client, bob, poll_id, [0])
    assert r.status_code == 200, r.text

    before = await row_counts(container.db)
    for headers in (carol.headers, {}):
        r = await client.get(f"/api/v1/polls/{poll_id}", headers=headers)
        assert r.status_code == 404 and r.json()["error"] == "Record not found"
    r = await vote(client, carol, poll_id, [1])
    assert r.status_code == 404 and r.json()["error"] == "Record not found"
    assert await row_counts(container.db) == before

    # Blocked by the author: missing too, even to a former follower.
    r = await client.post(f"/api/v1/accounts/{bob.id}/block", headers=alice.headers)
    assert r.status_code == 200, r.text
    assert (await client.get(f"/api/v1/polls/{poll_id}", headers=bob.headers)).status_code == 404


async def test_a_repost_shows_the_original_poll(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    status = await post_poll(client, alice, ["a", "b"])
    await vote(client, bob, status["poll"]["id"], [1])
    r = await client.post(f"/api/v1/statuses/{status['id']}/reblog", headers=bob.headers)
    assert r.status_code == 200, r.text
    repost = r.json()
    assert repost["poll"] is None
    assert repost["reblog"]["poll"]["own_votes"] == [1]


async def test_hide_totals_until_the_end_and_no_vote_after_it(
    quick_client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    status = await post_poll(quick_client, alice, ["a", "b"], expires_in=1, hide_totals=True)
    poll_id = status["poll"]["id"]
    r = await vote(quick_client, bob, poll_id, [1])
    assert r.status_code == 200, r.text
    hidden = r.json()
    assert [o["votes_count"] for o in hidden["options"]] == [None, None]
    assert hidden["votes_count"] == 1 and hidden["own_votes"] == [1]

    await asyncio.sleep(1.1)
    before = await row_counts(container.db)
    r = await vote(quick_client, carol, poll_id, [0])
    assert r.status_code == 422 and "already ended" in r.json()["error"]
    assert await row_counts(container.db) == before
    ended = (await quick_client.get(f"/api/v1/polls/{poll_id}", headers=carol.headers)).json()
    assert ended["expired"] is True
    assert [o["votes_count"] for o in ended["options"]] == [0, 1]  # shown once it ended


async def test_poll_notices_go_to_voters_and_author_once(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    dave = await make_user("dave")
    status = await post_poll(client, alice, ["a", "b"], multiple=True)
    other = await post_poll(client, dave, ["x", "y"], expires_in=7 * 24 * 3600)
    await vote(client, bob, status["poll"]["id"], [0, 1])
    await vote(client, carol, status["poll"]["id"], [1])
    await vote(client, bob, other["poll"]["id"], [0])

    assert await container.poll_actions.sweep(datetime.now(UTC)) == 0  # nothing ended yet
    soon = datetime.now(UTC) + timedelta(hours=2)
    assert await container.poll_actions.sweep(soon) == 1
    assert await container.poll_actions.sweep(soon) == 0  # announced once only

    for user in (alice, bob, carol):
        notices = await poll_notifications(client, user)
        assert len(notices) == 1, (user.username, notices)
        notice = notices[0]
        assert notice["account"]["id"] == str(alice.id)
        assert notice["status"]["id"] == status["id"]
        poll = notice["status"]["poll"]
        assert poll["id"] == status["poll"]["id"] and poll["votes_count"] == 3
    assert await poll_notifications(client, dave) == []

    # The type filters know "poll".
    r = await client.get("/api/v1/notifications?types[]=poll", headers=bob.headers)
    assert [n["type"] for n in r.json()] == ["poll"]
    r = await client.get("/api/v1/notifications?exclude_types[]=poll", headers=bob.headers)
    assert all(n["type"] != "poll" for n in r.json())

    # Dave's poll ends later: then its one voter hears of it, and Dave.
    assert await container.poll_actions.sweep(datetime.now(UTC) + LATER) == 1
    assert len(await poll_notifications(client, bob)) == 2
    assert len(await poll_notifications(client, dave)) == 1
    assert len(await poll_notifications(client, carol)) == 1


async def test_two_sweeps_at_once_announce_a_poll_once(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    for n in range(3):
        status = await post_poll(client, alice, ["a", "b"], text=f"poll {n}")
        await vote(client, bob, status["poll"]["id"], [0])
    later = datetime.now(UTC) + LATER
    other = build(container.settings)  # a second process, as with two servers
    try:
        done = await asyncio.gather(
            container.poll_actions.sweep(later), other.poll_actions.sweep(later)
        )
    finally:
        await other.close()
    assert sum(done) == 3
    assert len(await poll_notifications(client, bob)) == 3
    assert len(await poll_notifications(client, alice)) == 3


async def test_poll_notice_only_for_voters_who_still_see_the_status(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    await follow(client, bob, alice)
    await follow(client, carol, alice)
    status = await post_poll(client, alice, ["a", "b"], visibility="private")
    await vote(client, bob, status["poll"]["id"], [0])
    await vote(client, carol, status["poll"]["id"], [1])
    r = await client.post(f"/api/v1/accounts/{alice.id}/unfollow", headers=carol.headers)
    assert r.status_code == 200, r.text

    before = await row_counts(container.db)
    assert await container.poll_actions.sweep(datetime.now(UTC) + LATER) == 1
    after = await row_counts(container.db)
    assert after["notifications"] - before["notifications"] == 2  # alice and bob, not carol
    assert len(await poll_notifications(client, bob)) == 1
    assert len(await poll_notifications(client, alice)) == 1
    assert await poll_notifications(client, carol) == []


async def test_editing_keeps_or_resets_the_poll(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    status = await post_poll(client, alice, ["a", "b"])
    poll_id = status["poll"]["id"]
    await vote(client, bob, poll_id, [1])
    path = f"/api/v1/statuses/{status['id']}"

    # No poll in the edit: the poll stays as it was, votes included.
    r = await client.put(path, json={"status": "reworded"}, headers=alice.headers)
    assert r.status_code == 200, r.text
    assert r.json()["poll"]["id"] == poll_id and r.json()["poll"]["votes_count"] == 1

    # The same options with a new duration: the votes stand, the end moves.
    r = await client.put(
        path,
        json={"status": "longer", "poll": {"options": ["a", "b"], "expires_in": 86400}},
        headers=alice.headers,
    )
    assert r.status_code == 200, r.text
    poll = r.json()["poll"]
    assert poll["votes_count"] == 1
    assert parse_time(poll["expires_at"]) > datetime.now(UTC) + timedelta(hours=23)

    # Other options: every vote is void, and the voter may vote again.
    r = await client.put(
        path,
        data={"status": "changed", "poll[options][]": ["a", "c", "d"], "poll[expires_in]": "600"},
        headers=alice.headers,
    )
    assert r.status_code == 200, r.text
    poll = r.json()["poll"]
    assert [o["title"] for o in poll["options"]] == ["a", "c", "d"]
    assert poll["votes_count"] == 0
    mine = (await client.get(f"/api/v1/polls/{poll_id}", headers=bob.headers)).json()
    assert (mine["voted"], mine["own_votes"]) == (False, [])
    assert (await vote(client, bob, poll_id, [2])).status_code == 200

    # An invalid poll in an edit is refused like one in a post.
    r = await client.put(
        path,
        json={"status": "x", "poll": {"options": ["a"], "expires_in": 600}},
        headers=alice.headers,
    )
    assert r.status_code == 422 and "more than one item" in r.json()["error"]

    # A status without a poll can get one.
    plain = (
        await client.post("/api/v1/statuses", json={"status": "plain"}, headers=alice.headers)
    ).json()
    r = await client.put(
        f"/api/v1/statuses/{plain['id']}",
        json={"status": "now a poll", "poll": {"options": ["y", "n"], "expires_in": 600}},
        headers=alice.headers,
    )
    assert r.status_code == 200, r.text
    assert [o["title"] for o in r.json()["poll"]["options"]] == ["y", "n"]


async def test_instance_tells_the_poll_limits(client: httpx.AsyncClient) -> None:
    expected = {
        "max_options": 4,
        "max_characters_per_option": 50,
        "min_expiration": 300,
        "max_expiration": 2_629_746,
    }
    for path in ("/api/v1/instance", "/api/v2/instance"):
        body = (await client.get(path)).json()
        assert body["configuration"]["polls"] == expected


@pytest.fixture
async def quick_client(
    settings: Settings, container: Container
) -> AsyncIterator[httpx.AsyncClient]:
    """The same database behind an instance whose polls may last one second."""
    quick = settings.model_copy(update={"min_poll_expiration": 1})
    services = build(quick)
    transport = httpx.ASGITransport(app=create_app(quick, services))
    try:
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            yield http
    finally:
        await services.close()
