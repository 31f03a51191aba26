"""A status addressed to a list (a circle) streams to its audience only: the author and the
list's members who follow the author. A follower outside the list, a member who does not
follow, a mentioned outsider and the public streams hear nothing of it."""

import httpx

from tests.conftest import MakeUser
from tests.streaming.conftest import Act, Post, Streams


async def test_a_list_post_streams_to_its_audience_only(
    streams: Streams, http: httpx.AsyncClient, post: Post, act: Act, make_user: MakeUser
) -> None:
    names = ("author", "inner", "outer", "nofollow", "mentioned", "stranger")
    users = {name: await make_user(name) for name in names}
    author = users["author"]
    for name in ("inner", "outer"):
        await act(users[name], f"/api/v1/accounts/{author.id}/follow")
    for name in ("inner", "nofollow"):
        await act(author, f"/api/v1/accounts/{users[name].id}/follow")
    r = await http.post("/api/v1/lists", json={"title": "圈子"}, headers=author.headers)
    lid = r.json()["id"]
    r = await http.post(
        f"/api/v1/lists/{lid}/accounts",
        json={"account_ids": [str(users["inner"].id), str(users["nofollow"].id)]},
        headers=author.headers,
    )
    assert r.status_code == 200, r.text

    sockets = {name: await streams.socket(users[name], "user", "public") for name in names}
    anonymous = await streams.socket(None, "public")
    circle = await post(author, "circle @mentioned @outer", visibility="private", list_id=lid)
    # Entities are rendered when delivered: wait for it before deleting the status.
    await sockets["inner"].listener.event(
        lambda e: e.event == "update" and e.payload["id"] == circle["id"], "the circle post"
    )
    r = await http.delete(f"/api/v1/statuses/{circle['id']}", headers=author.headers)
    assert r.status_code == 200
    # The positive control, after: a public post everyone hears on the public stream.
    control = await post(users["stranger"], "control")
    for sock in [*sockets.values(), anonymous]:
        await sock.listener.event(
            lambda e: e.event == "update" and e.payload["id"] == control["id"], "the control"
        )
    heard = {
        name: [
            e.event
            for e in sock.listener.events
            if circle["id"] in (e.payload if e.event == "delete" else str(e.payload))
        ]
        for name, sock in sockets.items()
    }
    assert heard == {
        "author": ["update", "delete"],
        "inner": ["update", "delete"],
        "outer": [],
        "nofollow": [],
        "mentioned": [],
        "stranger": [],
    }
    assert not [e for e in anonymous.listener.events if circle["id"] in str(e.payload)]
