"""Filters v2 (issue 5): the /api/v2/filters API (and the v1 view of it), and filters applied
where Mastodon applies them: `hide` drops a status from the lists of the filter's contexts,
`warn` and `blur` annotate it (`filtered`), a status fetched on its own is never hidden.
The matching rule itself is tested in tests/policy/test_filters.py."""

import asyncio
from typing import Any
from urllib.parse import urlencode

import httpx

from myna.container import Container
from tests.api.test_timelines import links, post
from tests.conftest import MakeUser, User, row_counts


async def follow(client: httpx.AsyncClient, who: User, whom: User) -> None:
    r = await client.post(f"/api/v1/accounts/{whom.id}/follow", headers=who.headers)
    assert r.status_code == 200, r.text


async def make_filter(
    client: httpx.AsyncClient,
    owner: User,
    keywords: list[str] | None = None,
    *,
    context: tuple[str, ...] = ("home", "public", "thread", "account", "notifications"),
    action: str = "hide",
    whole_word: bool = False,
    title: str = "不想看",
    **extra: Any,
) -> dict[str, Any]:
    body = {
        "title": title,
        "context": list(context),
        "filter_action": action,
        "keywords_attributes": [{"keyword": k, "whole_word": whole_word} for k in keywords or []],
        **extra,
    }
    r = await client.post("/api/v2/filters", json=body, headers=owner.headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def texts(client: httpx.AsyncClient, url: str, user: User) -> list[str]:
    r = await client.get(url, headers=user.headers)
    assert r.status_code == 200, r.text
    return [s["reblog"]["content"] if s["reblog"] else s["content"] for s in r.json()]


async def by_text(client: httpx.AsyncClient, url: str, user: User) -> dict[str, dict[str, Any]]:
    r = await client.get(url, headers=user.headers)
    assert r.status_code == 200, r.text
    return {(s["reblog"] or s)["content"]: s for s in r.json()}


async def send_form(
    client: httpx.AsyncClient, method: str, url: str, pairs: list[tuple[str, str]], user: User
) -> httpx.Response:
    """A urlencoded form with repeated and ordered fields, as Rails clients send them."""
    headers = {**user.headers, "Content-Type": "application/x-www-form-urlencoded"}
    return await client.request(method, url, content=urlencode(pairs), headers=headers)


def filter_entity(created: dict[str, Any]) -> dict[str, Any]:
    """The Filter as it appears inside a FilterResult: without keywords and statuses."""
    return {k: v for k, v in created.items() if k not in ("keywords", "statuses")}


# The API


async def test_create_read_update_delete_with_rails_form_params(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    # As Mastodon's documentation sends it: a form, keywords_attributes[][field] in order.
    form = [
        ("title", " 剧透 "),
        ("context[]", "home"),
        ("context[]", "public"),
        ("filter_action", "warn"),
        ("keywords_attributes[][keyword]", "foo"),
        ("keywords_attributes[][whole_word]", "false"),
        ("keywords_attributes[][keyword]", "bar"),
        ("keywords_attributes[][keyword]", "巴兹"),
        ("keywords_attributes[][whole_word]", "false"),
    ]
    r = await send_form(client, "POST", "/api/v2/filters", form, alice)
    assert r.status_code == 200, r.text
    created = r.json()
    fid = created["id"]
    ids = [k["id"] for k in created["keywords"]]
    assert created == {
        "id": fid,
        "title": "剧透",
        "context": ["home", "public"],
        "expires_at": None,
        "filter_action": "warn",
        "keywords": [
            {"id": ids[0], "keyword": "foo", "whole_word": False},
            {"id": ids[1], "keyword": "bar", "whole_word": True},  # Mastodon's default
            {"id": ids[2], "keyword": "巴兹", "whole_word": False},
        ],
        "statuses": [],
    }
    r = await client.get(f"/api/v2/filters/{fid}", headers=alice.headers)
    assert r.json() == created
    r = await client.get("/api/v2/filters", headers=alice.headers)
    assert r.json() == [created]
    r = await client.get(f"/api/v2/filters/{fid}/keywords", headers=alice.headers)
    assert r.json() == created["keywords"]

    # Mastodon's update sample: remove one keyword, change another, add a third; other fields.
    form = [
        ("title", "renamed"),
        ("context[]", "thread"),
        ("filter_action", "blur"),
        ("expires_in", "3600"),
        ("keywords_attributes[][id]", ids[0]),
        ("keywords_attributes[][_destroy]", "true"),
        ("keywords_attributes[][id]", ids[1]),
        ("keywords_attributes[][keyword]", "baz"),
        ("keywords_attributes[][keyword]", "new one"),
    ]
    r = await send_form(client, "PUT", f"/api/v2/filters/{fid}", form, alice)
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated["title"] == "renamed" and updated["context"] == ["thread"]
    assert updated["filter_action"] == "blur" and updated["expires_at"] is not None
    assert [(k["id"], k["keyword"], k["whole_word"]) for k in updated["keywords"]] == [
        (ids[1], "baz", True),
        (ids[2], "巴兹", False),
        (updated["keywords"][2]["id"], "new one", True),
    ]
    # An empty expires_in takes the expiry away; fields not sent stay.
    r = await client.put(f"/api/v2/filters/{fid}", json={"expires_in": ""}, headers=alice.headers)
    assert r.json()["expires_at"] is None and r.json()["title"] == "renamed"

    r = await client.delete(f"/api/v2/filters/{fid}", headers=alice.headers)
    assert r.status_code == 200 and r.json() == {}
    for url in (f"/api/v2/filters/{fid}", f"/api/v2/filters/keywords/{ids[1]}"):
        r = await client.get(url, headers=alice.headers)
        assert r.status_code == 404 and r.json()["error"] == "Record not found"
    assert (await client.get("/api/v2/filters", headers=alice.headers)).json() == []


async def test_indexed_form_and_json_object_keywords(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    form = [
        ("title", "t"),
        ("context[]", "home"),
        ("keywords_attributes[0][keyword]", "one"),
        ("keywords_attributes[1][keyword]", "two"),
        ("keywords_attributes[0][whole_word]", "0"),
        ("keywords_attributes[1][whole_word]", "1"),
    ]
    r = await send_form(client, "POST", "/api/v2/filters", form, alice)
    assert r.status_code == 200, r.text
    assert [(k["keyword"], k["whole_word"]) for k in r.json()["keywords"]] == [
        ("one", False),
        ("two", True),
    ]
    body = {
        "title": "t",
        "context": ["home"],
        "keywords_attributes": {"1": {"keyword": "b"}, "0": {"keyword": "a"}},
    }
    r = await client.post("/api/v2/filters", json=body, headers=alice.headers)
    assert r.status_code == 200, r.text
    assert [k["keyword"] for k in r.json()["keywords"]] == ["a", "b"]
    # Empty entries are left out, as Rails' nested attributes do.
    body["keywords_attributes"] = [{"keyword": ""}, {"keyword": "c", "_destroy": True}]
    r = await client.post("/api/v2/filters", json=body, headers=alice.headers)
    assert r.status_code == 200 and r.json()["keywords"] == []


async def test_invalid_input_is_422_and_writes_nothing(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice = await make_user("alice")
    made = await make_filter(client, alice, ["keep"], context=("home",), action="warn")
    fid = made["id"]
    before = await row_counts(container.db)
    bad_creates: list[tuple[dict[str, Any], str]] = [
        ({"context": ["home"]}, "Title can't be blank"),
        ({"title": "t"}, "Context can't be blank"),
        ({"title": "", "context": []}, "Title can't be blank, Context can't be blank"),
        ({"title": "t", "context": ["home", "timeline"]}, "invalid context"),
        ({"title": "t", "context": ["home"], "filter_action": "delete"}, "filter_action"),
        ({"title": "t", "context": ["home"], "expires_in": -5}, "expires_in"),
        ({"title": "t", "context": ["home"], "expires_in": "soon"}, "expires_in"),
        ({"title": "x" * 201, "context": ["home"]}, "Title is too long"),
        (
            {"title": "t", "context": ["home"], "keywords_attributes": [{"keyword": "k" * 201}]},
            "Keyword is too long",
        ),
        ({"title": "t", "context": ["home"], "keywords_attributes": ["k"]}, "list of objects"),
        ({"title": "t", "context": ["home"], "keywords_attributes": "k"}, "list of objects"),
    ]
    for body, message in bad_creates:
        r = await client.post("/api/v2/filters", json=body, headers=alice.headers)
        assert r.status_code == 422, (body, r.text)
        assert message in r.json()["error"], (body, r.json())
    # A keyword id on create, or an id not of this filter on update, is not found.
    r = await client.post(
        "/api/v2/filters",
        json={"title": "t", "context": ["home"], "keywords_attributes": [{"id": "1"}]},
        headers=alice.headers,
    )
    assert r.status_code == 404
    bad_updates: list[tuple[dict[str, Any], int]] = [
        ({"title": " "}, 422),
        ({"context": []}, 422),
        ({"filter_action": "nope"}, 422),
        # A valid change alongside an invalid one: neither is written.
        ({"title": "changed", "keywords_attributes": [{"keyword": "new"}, {"id": "99"}]}, 404),
        (
            {
                "title": "changed",
                "keywords_attributes": [{"id": made["keywords"][0]["id"], "keyword": " "}],
            },
            422,
        ),
    ]
    for body, status in bad_updates:
        r = await client.put(f"/api/v2/filters/{fid}", json=body, headers=alice.headers)
        assert r.status_code == status, (body, r.text)
    for url, body in (
        (f"/api/v2/filters/{fid}/keywords", {"keyword": "  "}),
        (f"/api/v2/filters/{fid}/keywords", {}),
        (f"/api/v2/filters/{fid}/statuses", {}),
        (f"/api/v2/filters/{fid}/statuses", {"status_id": "not-an-id"}),
    ):
        r = await client.post(url, json=body, headers=alice.headers)
        assert r.status_code == 422, (url, body, r.text)
    r = await client.put(
        f"/api/v2/filters/keywords/{made['keywords'][0]['id']}",
        json={"keyword": ""},
        headers=alice.headers,
    )
    assert r.status_code == 422
    assert await row_counts(container.db) == before
    assert (await client.get(f"/api/v2/filters/{fid}", headers=alice.headers)).json() == made


async def test_someone_elses_filter_is_not_found_and_untouched(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    status = await post(client, alice, "public words")
    made = await make_filter(client, alice, ["secret"], context=("home",))
    fid, kid = made["id"], made["keywords"][0]["id"]
    r = await client.post(
        f"/api/v2/filters/{fid}/statuses", json={"status_id": status["id"]}, headers=alice.headers
    )
    sid = r.json()["id"]
    missing = "1234567890"
    attempts = [
        ("GET", f"/api/v2/filters/{fid}", None),
        ("PUT", f"/api/v2/filters/{fid}", {"title": "mine now"}),
        ("DELETE", f"/api/v2/filters/{fid}", None),
        ("GET", f"/api/v2/filters/{fid}/keywords", None),
        ("POST", f"/api/v2/filters/{fid}/keywords", {"keyword": "x"}),
        ("GET", f"/api/v2/filters/{fid}/statuses", None),
        ("POST", f"/api/v2/filters/{fid}/statuses", {"status_id": status["id"]}),
        ("GET", f"/api/v2/filters/keywords/{kid}", None),
        ("GET", f"/api/v2/filter_keywords/{kid}", None),
        ("PUT", f"/api/v2/filters/keywords/{kid}", {"keyword": "x"}),
        ("DELETE", f"/api/v2/filters/keywords/{kid}", None),
        ("GET", f"/api/v2/filters/statuses/{sid}", None),
        ("DELETE", f"/api/v2/filter_statuses/{sid}", None),
        ("GET", f"/api/v1/filters/{kid}", None),
        ("PUT", f"/api/v1/filters/{kid}", {"phrase": "x"}),
        ("DELETE", f"/api/v1/filters/{kid}", None),
    ]
    for method, url, body in attempts:
        theirs = await client.request(method, url, json=body, headers=bob.headers)
        gone = await client.request(
            method,
            url.replace(fid, missing).replace(kid, missing).replace(sid, missing),
            json=body,
            headers=alice.headers,
        )
        assert theirs.status_code == gone.status_code == 404, (method, url, theirs.text)
        assert theirs.json() == gone.json()
    assert (await client.get("/api/v2/filters", headers=bob.headers)).json() == []
    assert (await client.get("/api/v1/filters", headers=bob.headers)).json() == []
    r = await client.get(f"/api/v2/filters/{fid}", headers=alice.headers)
    assert r.json()["title"] == made["title"] and len(r.json()["statuses"]) == 1


async def test_scopes(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    reader = await make_user("reader", scopes="read:filters")
    writer = await make_user("writer", scopes="write:filters")
    other = await make_user("other", scopes="read:statuses write:statuses")
    body = {"title": "t", "context": ["home"]}
    assert (
        await client.post("/api/v2/filters", json=body, headers=reader.headers)
    ).status_code == 403
    assert (await client.get("/api/v2/filters", headers=reader.headers)).status_code == 200
    assert (await client.get("/api/v1/filters", headers=reader.headers)).status_code == 200
    assert (
        await client.post("/api/v2/filters", json=body, headers=writer.headers)
    ).status_code == 200
    assert (await client.get("/api/v2/filters", headers=writer.headers)).status_code == 403
    assert (await client.get("/api/v2/filters", headers=other.headers)).status_code == 403
    assert (await client.get("/api/v2/filters")).status_code == 401


async def test_keywords_and_statuses_endpoints(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    made = await make_filter(client, alice, [], context=("home",))
    fid = made["id"]
    r = await client.post(
        f"/api/v2/filters/{fid}/keywords",
        data={"keyword": " 榴莲 ", "whole_word": "false"},
        headers=alice.headers,
    )
    assert r.status_code == 200, r.text
    keyword = r.json()
    assert keyword == {"id": keyword["id"], "keyword": "榴莲", "whole_word": False}
    for path in ("filters/keywords", "filter_keywords"):
        r = await client.get(f"/api/v2/{path}/{keyword['id']}", headers=alice.headers)
        assert r.json() == keyword
    r = await client.put(
        f"/api/v2/filter_keywords/{keyword['id']}", json={"whole_word": True}, headers=alice.headers
    )
    assert r.json() == {**keyword, "whole_word": True}

    visible = await post(client, bob, "public post")
    hidden = await post(client, bob, "followers only", visibility="private")
    r = await client.post(
        f"/api/v2/filters/{fid}/statuses", json={"status_id": visible["id"]}, headers=alice.headers
    )
    assert r.status_code == 200, r.text
    entry = r.json()
    assert entry == {"id": entry["id"], "status_id": visible["id"]}
    again = await client.post(
        f"/api/v2/filters/{fid}/statuses", json={"status_id": visible["id"]}, headers=alice.headers
    )
    assert again.status_code == 422
    # A status Alice may not see is not found, exactly like one that does not exist.
    secret = await client.post(
        f"/api/v2/filters/{fid}/statuses", json={"status_id": hidden["id"]}, headers=alice.headers
    )
    missing = await client.post(
        f"/api/v2/filters/{fid}/statuses", json={"status_id": "1234567"}, headers=alice.headers
    )
    assert secret.status_code == missing.status_code == 404 and secret.json() == missing.json()
    r = await client.get(f"/api/v2/filters/{fid}/statuses", headers=alice.headers)
    assert r.json() == [entry]
    for path in ("filters/statuses", "filter_statuses"):
        r = await client.get(f"/api/v2/{path}/{entry['id']}", headers=alice.headers)
        assert r.json() == entry
    r = await client.get(f"/api/v2/filters/{fid}", headers=alice.headers)
    assert r.json()["keywords"] == [{**keyword, "whole_word": True}]
    assert r.json()["statuses"] == [entry]

    assert (
        await client.delete(f"/api/v2/filters/statuses/{entry['id']}", headers=alice.headers)
    ).json() == {}
    assert (
        await client.delete(f"/api/v2/filters/keywords/{keyword['id']}", headers=alice.headers)
    ).json() == {}
    r = await client.get(f"/api/v2/filters/{fid}", headers=alice.headers)
    assert r.json()["keywords"] == [] and r.json()["statuses"] == []


async def test_a_filtered_status_alice_can_no_longer_see_is_not_shown(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await follow(client, alice, bob)
    status = await post(client, bob, "for followers", visibility="private")
    made = await make_filter(client, alice, [], context=("home",))
    r = await client.post(
        f"/api/v2/filters/{made['id']}/statuses",
        json={"status_id": status["id"]},
        headers=alice.headers,
    )
    entry = r.json()
    # Bob blocks Alice: the filter keeps its row, but reading it shows nothing of the status.
    await client.post(f"/api/v1/accounts/{alice.id}/block", headers=bob.headers)
    assert (
        await client.get(f"/api/v2/filters/{made['id']}/statuses", headers=alice.headers)
    ).json() == []
    assert (await client.get(f"/api/v2/filters/{made['id']}", headers=alice.headers)).json()[
        "statuses"
    ] == []
    r = await client.get(f"/api/v2/filters/statuses/{entry['id']}", headers=alice.headers)
    assert r.status_code == 404
    # Removing it still works: it is hers.
    r = await client.delete(f"/api/v2/filters/statuses/{entry['id']}", headers=alice.headers)
    assert r.status_code == 200


# Applying filters


async def test_hide_drops_from_home_and_warn_annotates(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await follow(client, alice, bob)
    await post(client, bob, "I had durian today")
    await post(client, bob, "nice weather")
    hide = await make_filter(client, alice, ["durian"], context=("home",), action="hide")
    assert await texts(client, "/api/v1/timelines/home", alice) == ["<p>nice weather</p>"]
    # Bob's own view is his own business.
    assert len(await texts(client, "/api/v1/timelines/home", bob)) == 2

    r = await client.put(
        f"/api/v2/filters/{hide['id']}", json={"filter_action": "warn"}, headers=alice.headers
    )
    warn = r.json()
    shown = await by_text(client, "/api/v1/timelines/home", alice)
    assert shown["<p>nice weather</p>"]["filtered"] == []
    assert shown["<p>I had durian today</p>"]["filtered"] == [
        {"filter": filter_entity(warn), "keyword_matches": ["durian"], "status_matches": None}
    ]
    await client.put(
        f"/api/v2/filters/{hide['id']}", json={"filter_action": "blur"}, headers=alice.headers
    )
    shown = await by_text(client, "/api/v1/timelines/home", alice)
    assert shown["<p>I had durian today</p>"]["filtered"][0]["filter"]["filter_action"] == "blur"


async def test_a_page_emptied_by_filters_still_leads_on(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await follow(client, alice, bob)
    old = await post(client, bob, "older, fine")
    for i in range(3):
        await post(client, bob, f"spoiler {i}")
    await make_filter(client, alice, ["spoiler"], context=("home",))
    r = await client.get("/api/v1/timelines/home?limit=3", headers=alice.headers)
    assert r.json() == []
    next_url = links(r)["next"].removeprefix("http://testserver")
    assert [s["id"] for s in (await client.get(next_url, headers=alice.headers)).json()] == [
        old["id"]
    ]


async def test_each_context_applies_where_named(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await follow(client, alice, bob)
    root = await post(client, bob, "a thread about #fruit")
    reply = await post(client, bob, "durian is #fruit", in_reply_to_id=root["id"])
    r = await client.post("/api/v1/lists", json={"title": "friends"}, headers=alice.headers)
    list_id = r.json()["id"]
    await client.post(
        f"/api/v1/lists/{list_id}/accounts",
        json={"account_ids": [str(bob.id)]},
        headers=alice.headers,
    )
    await post(client, bob, "durian in the list #fruit")
    urls = {
        "home": ["/api/v1/timelines/home", f"/api/v1/timelines/list/{list_id}"],
        "public": ["/api/v1/timelines/public", "/api/v1/timelines/tag/fruit"],
        "account": [f"/api/v1/accounts/{bob.id}/statuses"],
    }
    unfiltered = {url: await texts(client, url, alice) for group in urls.values() for url in group}
    assert all(any("durian" in t for t in found) for found in unfiltered.values())
    context_url = f"/api/v1/statuses/{root['id']}/context"
    assert [
        s["id"]
        for s in (await client.get(context_url, headers=alice.headers)).json()["descendants"]
    ] == [reply["id"]]

    for context in ("home", "public", "account", "thread"):
        made = await make_filter(client, alice, ["durian"], context=(context,))
        for group, group_urls in urls.items():
            for url in group_urls:
                found = await texts(client, url, alice)
                if group == context:
                    assert not any("durian" in t for t in found), (context, url)
                    assert found == [t for t in unfiltered[url] if "durian" not in t]
                else:
                    assert found == unfiltered[url], (context, url)
        descendants = (await client.get(context_url, headers=alice.headers)).json()["descendants"]
        assert [s["id"] for s in descendants] == ([] if context == "thread" else [reply["id"]])
        await client.delete(f"/api/v2/filters/{made['id']}", headers=alice.headers)


async def test_a_status_fetched_on_its_own_is_annotated_never_hidden(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    status = await post(client, bob, "durian for everyone")
    made = await make_filter(client, alice, ["durian"], context=("public",), action="hide")
    r = await client.get(f"/api/v1/statuses/{status['id']}", headers=alice.headers)
    assert r.status_code == 200
    assert r.json()["filtered"] == [
        {"filter": filter_entity(made), "keyword_matches": ["durian"], "status_matches": None}
    ]
    r = await client.get(f"/api/v1/statuses?id[]={status['id']}", headers=alice.headers)
    assert [s["filtered"][0]["filter"]["id"] for s in r.json()] == [made["id"]]
    # An action's answer carries it too, so a client's copy keeps its warning.
    r = await client.post(f"/api/v1/statuses/{status['id']}/favourite", headers=alice.headers)
    assert r.json()["filtered"][0]["filter"]["id"] == made["id"]
    # Anonymous readers and other accounts see no trace of Alice's filters.
    assert (await client.get(f"/api/v1/statuses/{status['id']}")).json()["filtered"] == []
    r = await client.get(f"/api/v1/statuses/{status['id']}", headers=bob.headers)
    assert r.json()["filtered"] == []


async def test_notifications_hide_drops_and_warn_annotates(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    first = await post(client, bob, "@alice hello")
    await post(client, bob, "@alice want some durian?")
    last = await post(client, bob, "@alice bye")
    made = await make_filter(client, alice, ["durian"], context=("notifications",))
    r = await client.get("/api/v1/notifications?limit=2", headers=alice.headers)
    assert [n["status"]["id"] for n in r.json()] == [last["id"]]
    # The Link header pages from the notifications read, hidden ones included.
    r = await client.get(links(r)["next"].removeprefix("http://testserver"), headers=alice.headers)
    assert [n["status"]["id"] for n in r.json()] == [first["id"]]
    # The home timeline is another context: the mention shows there.
    assert any("durian" in t for t in await texts(client, "/api/v1/timelines/home", bob))

    await client.put(
        f"/api/v2/filters/{made['id']}", json={"filter_action": "warn"}, headers=alice.headers
    )
    r = await client.get("/api/v1/notifications", headers=alice.headers)
    filtered = {n["status"]["content"]: n["status"]["filtered"] for n in r.json()}
    assert len(filtered) == 3
    assert [
        f["keyword_matches"] for f in filtered.pop(next(k for k in filtered if "durian" in k))
    ] == [["durian"]]
    assert all(f == [] for f in filtered.values())


async def test_a_repost_is_filtered_by_what_it_reposts(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    await follow(client, alice, bob)
    original = await post(client, carol, "durian season")
    plain = await post(client, carol, "apples")
    r = await client.post(f"/api/v1/statuses/{original['id']}/reblog", headers=bob.headers)
    repost = r.json()
    await client.post(f"/api/v1/statuses/{plain['id']}/reblog", headers=bob.headers)
    made = await make_filter(client, alice, ["durian"], context=("home",))
    assert await texts(client, "/api/v1/timelines/home", alice) == ["<p>apples</p>"]

    # warn: the repost and the reposted status inside it both show the result.
    await client.put(
        f"/api/v2/filters/{made['id']}", json={"filter_action": "warn"}, headers=alice.headers
    )
    shown = (await by_text(client, "/api/v1/timelines/home", alice))["<p>durian season</p>"]
    assert shown["id"] == repost["id"]
    assert shown["filtered"][0]["keyword_matches"] == ["durian"]
    assert shown["reblog"]["filtered"] == shown["filtered"]

    # A filtered status matches its reposts too (status_matches names the original).
    other = await make_filter(client, alice, [], context=("home",), action="warn", title="by id")
    r = await client.post(
        f"/api/v2/filters/{other['id']}/statuses",
        json={"status_id": plain["id"]},
        headers=alice.headers,
    )
    shown = (await by_text(client, "/api/v1/timelines/home", alice))["<p>apples</p>"]
    assert shown["filtered"] == [
        {"filter": filter_entity(other), "keyword_matches": None, "status_matches": [plain["id"]]}
    ]


async def test_whole_word_case_and_cjk(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await follow(client, alice, bob)
    for text in (
        "my CAT sleeps",  # whole word, any case
        "a catalog of things",  # cat inside a word
        "我喜欢cat",  # a Latin word next to Chinese
        "我最爱吃榴莲了",  # a Chinese word inside a sentence without spaces
        "ＤＵＲＩＡＮ time",  # full-width letters
        "猫の写真",  # Japanese
        "nothing here",
    ):
        await post(client, bob, text)
    await post(client, bob, "behind a warning", spoiler_text="about spoilers")
    cases = [
        (["cat"], True, {"my CAT sleeps", "我喜欢cat"}),
        (["cat"], False, {"my CAT sleeps", "a catalog of things", "我喜欢cat"}),
        (["榴莲"], True, {"我最爱吃榴莲了"}),
        (["猫"], True, {"猫の写真"}),
        (["durian"], True, {"ＤＵＲＩＡＮ time"}),
        (["spoilers"], True, {"behind a warning"}),
    ]
    for keywords, whole_word, expected in cases:
        made = await make_filter(
            client, alice, keywords, context=("home",), action="warn", whole_word=whole_word
        )
        r = await client.get("/api/v1/timelines/home", headers=alice.headers)
        matched = {
            s["content"].removeprefix("<p>").removesuffix("</p>") for s in r.json() if s["filtered"]
        }
        assert matched == expected, (keywords, whole_word, matched)
        await client.delete(f"/api/v2/filters/{made['id']}", headers=alice.headers)


async def test_an_expired_filter_no_longer_applies(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await follow(client, alice, bob)
    await post(client, bob, "durian again")
    made = await make_filter(client, alice, ["durian"], context=("home",), expires_in=1)
    assert made["expires_at"] is not None
    assert await texts(client, "/api/v1/timelines/home", alice) == []
    await asyncio.sleep(1.2)
    assert await texts(client, "/api/v1/timelines/home", alice) == ["<p>durian again</p>"]
    # Still listed, with its expiry, until its owner deletes it.
    assert (await client.get("/api/v2/filters", headers=alice.headers)).json() == [made]


async def test_ones_own_statuses_are_never_filtered(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await follow(client, bob, alice)
    mine = await post(client, alice, "my durian recipe")
    await client.post(f"/api/v1/statuses/{mine['id']}/reblog", headers=bob.headers)
    await client.post(f"/api/v1/statuses/{mine['id']}/favourite", headers=bob.headers)
    await make_filter(client, alice, ["durian"])
    home = await client.get("/api/v1/timelines/home", headers=alice.headers)
    assert [s["id"] for s in home.json()] == [mine["id"]] and home.json()[0]["filtered"] == []
    kinds = [
        n["type"] for n in (await client.get("/api/v1/notifications", headers=alice.headers)).json()
    ]
    assert sorted(kinds) == ["favourite", "follow", "reblog"]


# The v1 view


async def test_v1_filters_are_v2_keywords(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    alice = await make_user("alice")
    two = await make_filter(
        client, alice, ["one", "two"], context=("home", "public"), action="hide", whole_word=True
    )
    r = await client.get("/api/v1/filters", headers=alice.headers)
    assert r.json() == [
        {
            "id": k["id"],
            "phrase": k["keyword"],
            "context": ["home", "public"],
            "whole_word": True,
            "expires_at": None,
            "irreversible": True,
        }
        for k in two["keywords"]
    ]
    r = await client.post(
        "/api/v1/filters",
        data={"phrase": "lone", "context[]": "thread", "expires_in": "600"},
        headers=alice.headers,
    )
    assert r.status_code == 200, r.text
    lone = r.json()
    assert lone["phrase"] == "lone" and lone["whole_word"] is False
    assert lone["irreversible"] is False and lone["expires_at"] is not None
    v2 = (await client.get("/api/v2/filters", headers=alice.headers)).json()
    assert [f["title"] for f in v2] == [two["title"], "lone"]
    assert v2[1]["keywords"][0]["id"] == lone["id"]
    assert (await client.get(f"/api/v1/filters/{lone['id']}", headers=alice.headers)).json() == lone

    r = await client.put(
        f"/api/v1/filters/{lone['id']}",
        json={"phrase": "alone", "irreversible": True, "context": ["public"]},
        headers=alice.headers,
    )
    assert r.json()["phrase"] == "alone" and r.json()["irreversible"] is True
    # A keyword sharing its filter: the phrase may change, the filter's settings may not.
    kid = two["keywords"][0]["id"]
    r = await client.put(
        f"/api/v1/filters/{kid}", json={"context": ["thread"]}, headers=alice.headers
    )
    assert r.status_code == 422
    r = await client.put(f"/api/v1/filters/{kid}", json={"phrase": "uno"}, headers=alice.headers)
    assert r.status_code == 200 and r.json()["phrase"] == "uno"
    assert (await client.delete(f"/api/v1/filters/{kid}", headers=alice.headers)).json() == {}
    r = await client.get(f"/api/v2/filters/{two['id']}", headers=alice.headers)
    assert [k["keyword"] for k in r.json()["keywords"]] == ["two"]
    r = await client.post("/api/v1/filters", json={"context": ["home"]}, headers=alice.headers)
    assert r.status_code == 422 and "Keyword can't be blank" in r.json()["error"]
