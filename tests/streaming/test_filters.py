"""Filters on the streams (issue 5): a status matching a viewer's `hide` filter in the stream's
context (user -> home, public and hashtag -> public, notifications) never reaches that viewer;
one matching `warn` arrives with `filtered`; viewers without filters get the shared payload;
a change to the filters applies to streams already open.

Each test ends with a positive control that must arrive; delivery is in order per connection,
so anything forbidden published before it would have arrived first."""

from typing import Any

import httpx

from tests.conftest import MakeUser, User
from tests.streaming.conftest import Post, Received, Streams


async def make_filter(
    http: httpx.AsyncClient, owner: User, keyword: str, context: list[str], action: str
) -> dict[str, Any]:
    body = {
        "title": "t",
        "context": context,
        "filter_action": action,
        "keywords_attributes": [{"keyword": keyword}],
    }
    r = await http.post("/api/v2/filters", json=body, headers=owner.headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def update_with(status_id: str) -> Any:
    def match(e: Received) -> bool:
        return e.event == "update" and e.payload["id"] == status_id

    return match


def updates(events: list[Received]) -> dict[str, dict[str, Any]]:
    return {e.payload["id"]: e.payload for e in events if e.event == "update"}


async def test_hide_never_arrives_and_warn_arrives_annotated(
    http: httpx.AsyncClient, streams: Streams, make_user: MakeUser, post: Post
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    for follower in (alice, carol):
        r = await http.post(f"/api/v1/accounts/{bob.id}/follow", headers=follower.headers)
        assert r.status_code == 200, r.text
    await make_filter(http, alice, "durian", ["home"], "hide")
    warn = await make_filter(http, alice, "spoiler", ["home", "public"], "warn")
    filtered = await streams.socket(alice, "user", "public", name="alice")
    plain = await streams.socket(carol, "user", name="carol")

    hidden = await post(bob, "fresh durian here")
    warned = await post(bob, "a spoiler ahead")
    control = await post(bob, "the control")
    for sock in (filtered, plain):
        await sock.listener.event(update_with(control["id"]), what="the control")

    on_user = updates([e for e in filtered.listener.events if e.stream == ["user"]])
    on_public = updates([e for e in filtered.listener.events if e.stream == ["public"]])
    assert hidden["id"] not in on_user  # hidden from home: the user stream
    assert on_public[hidden["id"]]["filtered"] == []  # not a public-context filter
    for payload in (on_user[warned["id"]], on_public[warned["id"]]):
        assert payload["filtered"] == [
            {
                "filter": {k: v for k, v in warn.items() if k not in ("keywords", "statuses")},
                "keyword_matches": ["spoiler"],
                "status_matches": None,
            }
        ]
    assert on_user[control["id"]]["filtered"] == []
    # Carol, without filters, gets every status with nothing of Alice's filters in it.
    seen = updates(plain.listener.events)
    assert {hidden["id"], warned["id"], control["id"]} <= set(seen)
    assert all(payload["filtered"] == [] for payload in seen.values())


async def test_a_repost_is_filtered_by_its_original_on_the_stream(
    http: httpx.AsyncClient, streams: Streams, make_user: MakeUser, post: Post
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    r = await http.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers)
    assert r.status_code == 200
    await make_filter(http, alice, "durian", ["home"], "hide")
    sock = await streams.socket(alice, "user")
    original = await post(carol, "durian from carol")
    r = await http.post(f"/api/v1/statuses/{original['id']}/reblog", headers=bob.headers)
    repost = r.json()
    control = await post(bob, "the control")
    await sock.listener.event(update_with(control["id"]), what="the control")
    assert repost["id"] not in updates(sock.listener.events)


async def test_editing_filters_applies_to_an_open_stream(
    http: httpx.AsyncClient, streams: Streams, make_user: MakeUser, post: Post
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    r = await http.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers)
    assert r.status_code == 200
    sock = await streams.socket(alice, "user")
    sse = await streams.sse(alice, "user")

    before = await post(bob, "durian, unfiltered")
    got = await sock.listener.event(update_with(before["id"]), what="the unfiltered status")
    assert got.payload["filtered"] == []

    made = await make_filter(http, alice, "durian", ["home"], "warn")
    for listener in (sock.listener, sse.listener):
        await listener.event(lambda e: e.event == "filters_changed", what="filters_changed")
    assert [e.payload for e in sock.listener.events if e.event == "filters_changed"] == [None]
    assert [e.payload for e in sse.listener.events if e.event == "filters_changed"] == ["undefined"]
    warned = await post(bob, "durian, warned")
    for listener in (sock.listener, sse.listener):
        got = await listener.event(update_with(warned["id"]), what="the warned status")
        assert got.payload["filtered"][0]["filter"]["id"] == made["id"]

    r = await http.put(
        f"/api/v2/filters/{made['id']}", json={"filter_action": "hide"}, headers=alice.headers
    )
    assert r.status_code == 200
    hidden = await post(bob, "durian, hidden")
    # A keyword added to the filter applies at once too.
    r = await http.post(
        f"/api/v2/filters/{made['id']}/keywords", json={"keyword": "榴莲"}, headers=alice.headers
    )
    assert r.status_code == 200
    hidden_cjk = await post(bob, "今天吃榴莲")
    control = await post(bob, "the control")
    for listener in (sock.listener, sse.listener):
        await listener.event(update_with(control["id"]), what="the control")
        assert not {hidden["id"], hidden_cjk["id"]} & set(updates(listener.events))

    # Deleting the filter lets everything through again.
    r = await http.delete(f"/api/v2/filters/{made['id']}", headers=alice.headers)
    assert r.status_code == 200
    after = await post(bob, "durian, free again")
    got = await sock.listener.event(update_with(after["id"]), what="the status after deleting")
    assert got.payload["filtered"] == []


async def test_notifications_hidden_by_a_notifications_filter(
    http: httpx.AsyncClient, streams: Streams, make_user: MakeUser, post: Post
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await make_filter(http, alice, "durian", ["notifications"], "hide")
    warn = await make_filter(http, alice, "spoiler", ["notifications"], "warn")
    sock = await streams.socket(alice, "user:notification", "user")

    hidden = await post(bob, "@alice durian?")
    warned = await post(bob, "@alice spoiler!")
    control = await post(bob, "@alice the control")

    def notification_about(status_id: str) -> Any:
        def match(e: Received) -> bool:
            return e.event == "notification" and e.payload["status"]["id"] == status_id

        return match

    await sock.listener.event(notification_about(control["id"]), what="the control")
    notified = {
        (tuple(e.stream), e.payload["status"]["id"]): e.payload
        for e in sock.listener.events
        if e.event == "notification"
    }
    for stream in (("user",), ("user:notification",)):
        assert (stream, hidden["id"]) not in notified
        payload = notified[(stream, warned["id"])]
        assert [r["filter"]["id"] for r in payload["status"]["filtered"]] == [warn["id"]]
