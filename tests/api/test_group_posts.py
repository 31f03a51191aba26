"""Posts to a group (微群): who may post, where they appear and where they never do."""

import httpx

from tests.api.test_timelines import post
from tests.conftest import MakeUser, User


async def make_group(client: httpx.AsyncClient, owner: User, privacy: str, handle: str) -> str:
    r = await client.post(
        "/api/v1/groups",
        json={"handle": handle, "name": f"小组 {handle}", "privacy": privacy},
        headers=owner.headers,
    )
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


async def join(client: httpx.AsyncClient, user: User, group_id: str) -> None:
    r = await client.post(f"/api/v1/groups/{group_id}/join", headers=user.headers)
    assert r.status_code == 200, r.text


async def ids(client: httpx.AsyncClient, url: str, user: User | None = None) -> list[str]:
    r = await client.get(url, headers=user.headers if user else {})
    assert r.status_code == 200, r.text
    return [s["id"] for s in r.json()]


async def test_members_post_and_read_and_nobody_else_sees(client, make_user: MakeUser) -> None:
    owner, member, follower, stranger = [
        await make_user(n) for n in ("owner", "member", "follower", "stranger")
    ]
    gid = await make_group(client, owner, "restricted", "club")
    # Restricted: joining is a request until an admin approves it.
    await join(client, member, gid)
    r = await client.post(
        f"/api/v1/groups/{gid}/requests/{member.id}/authorize", headers=owner.headers
    )
    assert r.status_code == 200, r.text
    await client.post(f"/api/v1/accounts/{owner.id}/follow", headers=follower.headers)

    hello = await post(client, owner, "大家好 #话题# @stranger", visibility="group", group_id=gid)
    assert hello["visibility"] == "group" and hello["group_id"] == gid
    reply = await post(client, member, "回复", in_reply_to_id=hello["id"])
    # A reply stays in the group even though the client did not say so.
    assert reply["visibility"] == "group" and reply["group_id"] == gid

    assert await ids(client, f"/api/v1/timelines/group/{gid}", member) == [reply["id"], hello["id"]]
    assert await ids(client, "/api/v1/timelines/home", member) == [reply["id"], hello["id"]]
    assert hello["id"] in await ids(client, "/api/v1/timelines/home", owner)
    for outsider in (follower, stranger, None):
        who = outsider.username if outsider else "anonymous"
        headers = outsider.headers if outsider else {}
        assert await ids(client, f"/api/v1/timelines/group/{gid}", outsider) == [], who
        r = await client.get(f"/api/v1/statuses/{hello['id']}", headers=headers)
        assert r.status_code == 404, who
        assert await ids(client, "/api/v1/timelines/public", outsider) == [], who
        assert await ids(client, "/api/v1/timelines/tag/话题", outsider) == [], who
        assert await ids(client, f"/api/v1/accounts/{owner.id}/statuses", outsider) == [], who
    assert await ids(client, "/api/v1/timelines/home", follower) == []
    # The mentioned stranger is not a member: no notification, no access.
    assert (await client.get("/api/v1/notifications", headers=stranger.headers)).json() == []
    # Group posts do not count in a profile, where they would tell of the group.
    assert (await client.get(f"/api/v1/accounts/{owner.id}")).json()["statuses_count"] == 0


async def test_only_members_post_and_group_posts_cannot_be_shared(
    client, make_user: MakeUser
) -> None:
    owner, member, outsider = [await make_user(n) for n in ("owner", "member", "outsider")]
    public_gid = await make_group(client, owner, "public", "open")
    secret_gid = await make_group(client, owner, "secret", "hidden")
    await join(client, member, public_gid)
    body = {"status": "hi", "visibility": "group"}
    r = await client.post(
        "/api/v1/statuses", json={**body, "group_id": public_gid}, headers=outsider.headers
    )
    assert r.status_code == 403 and "error" in r.json()
    r = await client.post(
        "/api/v1/statuses", json={**body, "group_id": secret_gid}, headers=outsider.headers
    )
    assert r.status_code == 404
    r = await client.post("/api/v1/statuses", json=body, headers=member.headers)
    assert r.status_code == 422  # no group_id
    r = await client.post(
        "/api/v1/statuses", json={"status": "hi", "group_id": public_gid}, headers=member.headers
    )
    assert r.status_code == 422  # group_id without visibility group

    shared = await post(client, member, "公开小组的帖子", visibility="group", group_id=public_gid)
    # A public group's posts are readable by anyone, but stay out of public timelines.
    assert (await client.get(f"/api/v1/statuses/{shared['id']}")).status_code == 200
    assert await ids(client, f"/api/v1/timelines/group/{public_gid}") == [shared["id"]]
    assert await ids(client, "/api/v1/timelines/public") == []
    # They can be neither reposted nor quoted, even by a member.
    r = await client.post(f"/api/v1/statuses/{shared['id']}/reblog", headers=owner.headers)
    assert r.status_code == 422
    r = await client.post(
        "/api/v1/statuses",
        json={"status": "q", "quoted_status_id": shared["id"]},
        headers=owner.headers,
    )
    assert r.status_code == 422
    # A reply cannot leave the group.
    r = await client.post(
        "/api/v1/statuses",
        json={"status": "out", "in_reply_to_id": shared["id"], "visibility": "public"},
        headers=owner.headers,
    )
    assert r.status_code == 422
    # A non-member may not reply into a group, even a public one.
    r = await client.post(
        "/api/v1/statuses",
        json={"status": "me too", "in_reply_to_id": shared["id"]},
        headers=outsider.headers,
    )
    assert r.status_code == 403


async def test_a_removed_member_sees_nothing_and_home_can_be_turned_off(
    client, make_user: MakeUser
) -> None:
    owner, member = await make_user("owner"), await make_user("member")
    gid = await make_group(client, owner, "public", "talk")
    await join(client, member, gid)
    first = await post(client, owner, "第一条", visibility="group", group_id=gid)
    r = await client.post(
        f"/api/v1/groups/{gid}/home", json={"in_home": False}, headers=member.headers
    )
    assert r.status_code == 200, r.text
    assert await ids(client, "/api/v1/timelines/home", member) == []
    assert await ids(client, f"/api/v1/timelines/group/{gid}", member) == [first["id"]]

    secret = await make_group(client, owner, "secret", "inner")
    r = await client.post(
        f"/api/v1/groups/{secret}/invites",
        json={"account_id": str(member.id)},
        headers=owner.headers,
    )
    assert r.status_code == 200, r.text
    await join(client, member, secret)
    mine = await post(client, member, "我的帖子", visibility="group", group_id=secret)
    r = await client.delete(f"/api/v1/groups/{secret}/members/{member.id}", headers=owner.headers)
    assert r.status_code == 200, r.text
    # Removed: nothing of the secret group, not even their own post.
    r = await client.get(f"/api/v1/statuses/{mine['id']}", headers=member.headers)
    assert r.status_code == 404
    r = await client.get(f"/api/v1/timelines/group/{secret}", headers=member.headers)
    assert r.status_code == 404


async def test_group_statuses_count_is_exact(client, make_user: MakeUser) -> None:
    owner = await make_user("owner")
    gid = await make_group(client, owner, "public", "counted")
    first = await post(client, owner, "一", visibility="group", group_id=gid)
    await post(client, owner, "二", visibility="group", group_id=gid)
    await client.delete(f"/api/v1/statuses/{first['id']}", headers=owner.headers)
    group = (await client.get(f"/api/v1/groups/{gid}", headers=owner.headers)).json()
    assert group["statuses_count"] == 1


async def test_owners_and_admins_delete_any_post_in_their_group(
    client, make_user: MakeUser
) -> None:
    owner, admin, member, other = [
        await make_user(n) for n in ("owner", "moderator", "member", "other")
    ]
    gid = await make_group(client, owner, "public", "moderated")
    for user in (admin, member, other):
        await join(client, user, gid)
    r = await client.post(
        f"/api/v1/groups/{gid}/members/{admin.id}/role",
        json={"role": "admin"},
        headers=owner.headers,
    )
    assert r.status_code == 200, r.text
    first = await post(client, member, "spam 1", visibility="group", group_id=gid)
    second = await post(client, member, "spam 2", visibility="group", group_id=gid)
    # Another plain member may not delete it; its author, an admin and the owner may.
    r = await client.delete(f"/api/v1/statuses/{first['id']}", headers=other.headers)
    assert r.status_code == 404
    r = await client.delete(f"/api/v1/statuses/{first['id']}", headers=admin.headers)
    assert r.status_code == 200
    r = await client.delete(f"/api/v1/statuses/{second['id']}", headers=owner.headers)
    assert r.status_code == 200
    assert await ids(client, f"/api/v1/timelines/group/{gid}", member) == []
    # Outside the group, an admin's role gives nothing.
    theirs = await post(client, member, "my own public post")
    r = await client.delete(f"/api/v1/statuses/{theirs['id']}", headers=admin.headers)
    assert r.status_code == 404
