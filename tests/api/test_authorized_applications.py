"""GET and DELETE /oauth/authorized_applications: the apps an account authorized, through the
API, with a user's token."""

import httpx

from myna.container import Container
from tests.conftest import MakeUser

OOB = "urn:ietf:wg:oauth:2.0:oob"


async def test_list_and_revoke_authorized_applications(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    other = await container.app_actions.do_create_app(
        name="Birdwatch", redirect_uris=OOB, scopes="read write", website="https://bw.example"
    )
    first, first_raw = await container.app_actions.do_issue_token(other.app.id, alice.id, "read")
    _second, second_raw = await container.app_actions.do_issue_token(
        other.app.id, alice.id, "write:statuses"
    )
    _bobs, bobs_raw = await container.app_actions.do_issue_token(other.app.id, bob.id, "read")

    r = await client.get("/oauth/authorized_applications", headers=alice.headers)
    assert r.status_code == 200, r.text
    listed = {entry["name"]: entry for entry in r.json()}
    assert set(listed) == {"tests", "Birdwatch"}
    bird = listed["Birdwatch"]
    assert bird["id"] == str(other.app.id)
    assert bird["website"] == "https://bw.example"
    assert bird["scopes"] == ["read", "write:statuses"]
    assert bird["authorized_at"].startswith(first.created_at.strftime("%Y-%m-%dT%H:%M"))

    r = await client.delete(f"/oauth/authorized_applications/{other.app.id}", headers=alice.headers)
    assert r.status_code == 200 and r.json() == {}
    for raw in (first_raw, second_raw):
        me = await client.get(
            "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {raw}"}
        )
        assert me.status_code == 401
    # Bob's token of the same app, and Alice's token that made the call, are untouched.
    for raw in (bobs_raw, alice.token):
        me = await client.get(
            "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {raw}"}
        )
        assert me.status_code == 200
    names = [
        e["name"]
        for e in (await client.get("/oauth/authorized_applications", headers=alice.headers)).json()
    ]
    assert names == ["tests"]
    # Nothing left to revoke, or never authorized, or not an id: 404.
    for target in (str(other.app.id), "123", "x"):
        r = await client.delete(f"/oauth/authorized_applications/{target}", headers=alice.headers)
        assert r.status_code == 404 and r.json()["error"]


async def test_authorized_applications_need_a_user_token_with_the_scope(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice", scopes="read:statuses")
    r = await client.get("/oauth/authorized_applications")
    assert r.status_code == 401 and r.json()["error"]
    r = await client.get("/oauth/authorized_applications", headers=alice.headers)
    assert r.status_code == 403
    reader = await make_user("reader", scopes="read")
    r = await client.delete("/oauth/authorized_applications/1", headers=reader.headers)
    assert r.status_code == 403
    app_only = await container.app_actions.do_create_app(
        name="Bot", redirect_uris=OOB, scopes="read", website=None
    )
    _token, raw = await container.app_actions.do_issue_token(app_only.app.id, None, "read")
    r = await client.get(
        "/oauth/authorized_applications", headers={"Authorization": f"Bearer {raw}"}
    )
    assert r.status_code == 422
