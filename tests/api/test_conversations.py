"""Direct messages as conversations: one per set of participants, read and hidden per member,
never shown to anyone outside them."""

import httpx

from myna.container import Container
from tests.api.test_timelines import links, post
from tests.conftest import MakeUser, User, row_counts


async def dm(client: httpx.AsyncClient, user: User, text: str, **extra: object) -> dict:  # type: ignore[type-arg]
    return await post(client, user, text, visibility="direct", **extra)


async def listing(client: httpx.AsyncClient, user: User, query: str = "") -> list[dict]:  # type: ignore[type-arg]
    r = await client.get(f"/api/v1/conversations{query}", headers=user.headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def others(conversation: dict) -> list[str]:  # type: ignore[type-arg]
    return sorted(a["username"] for a in conversation["accounts"])


async def test_one_to_one_conversation_for_both_sides(client, make_user: MakeUser) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    first = await dm(client, alice, "@bob hi")
    reply = await dm(client, bob, "@alice hello back", in_reply_to_id=first["id"])

    [mine] = await listing(client, alice)
    [theirs] = await listing(client, bob)
    assert mine["id"] == theirs["id"]
    assert others(mine) == ["bob"] and others(theirs) == ["alice"]
    assert mine["last_status"]["id"] == theirs["last_status"]["id"] == reply["id"]
    assert mine["last_status"]["visibility"] == "direct"
    # The last message is bob's: unread for alice, read for bob who wrote it.
    assert mine["unread"] is True and theirs["unread"] is False
    assert set(mine) == {"id", "unread", "accounts", "last_status"}
    assert await listing(client, carol) == []

    # Mastodon.py asks for the list with a trailing slash.
    r = await client.get("/api/v1/conversations/", headers=alice.headers)
    assert r.status_code == 200 and [c["id"] for c in r.json()] == [mine["id"]]


async def test_the_same_people_always_share_one_conversation(client, make_user: MakeUser) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    await dm(client, alice, "@bob @carol plans?")
    await dm(client, carol, "@alice @bob saturday")  # the same three, whoever writes
    last = await dm(client, bob, "@carol @alice ok")
    await dm(client, alice, "@bob just us")  # a different set: its own conversation

    for user in (alice, bob, carol):
        group = [c for c in await listing(client, user) if len(c["accounts"]) == 2]
        assert len(group) == 1
        assert group[0]["last_status"]["id"] == last["id"]
    assert [others(c) for c in await listing(client, carol)] == [["alice", "bob"]]
    assert [others(c) for c in await listing(client, alice)] == [["bob"], ["bob", "carol"]]
    assert [others(c) for c in await listing(client, bob)] == [["alice"], ["alice", "carol"]]


async def test_read_marks_only_mine(client, make_user: MakeUser) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    await dm(client, alice, "@bob @carol news")
    [for_bob] = await listing(client, bob)
    assert for_bob["unread"] is True

    r = await client.post(f"/api/v1/conversations/{for_bob['id']}/read", headers=bob.headers)
    assert r.status_code == 200, r.text
    assert r.json()["unread"] is False and r.json()["id"] == for_bob["id"]
    assert (await listing(client, bob))[0]["unread"] is False
    assert (await listing(client, carol))[0]["unread"] is True

    await dm(client, carol, "@alice @bob more news")
    assert (await listing(client, bob))[0]["unread"] is True
    assert (await listing(client, carol))[0]["unread"] is False


async def test_delete_hides_it_for_me_and_a_new_message_brings_it_back(
    client, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await dm(client, alice, "@bob first")
    [conversation] = await listing(client, bob)

    r = await client.delete(f"/api/v1/conversations/{conversation['id']}", headers=bob.headers)
    assert r.status_code == 200 and r.json() == {}
    assert await listing(client, bob) == []
    assert [c["id"] for c in await listing(client, alice)] == [conversation["id"]]
    # Hidden: gone for bob's reads and writes, as if it never existed.
    for method, path in (
        ("POST", f"/api/v1/conversations/{conversation['id']}/read"),
        ("DELETE", f"/api/v1/conversations/{conversation['id']}"),
    ):
        r = await client.request(method, path, headers=bob.headers)
        assert r.status_code == 404 and "error" in r.json()

    again = await dm(client, alice, "@bob are you there?")
    [back] = await listing(client, bob)
    assert back["id"] == conversation["id"]
    assert back["last_status"]["id"] == again["id"] and back["unread"] is True


async def test_strangers_get_404_and_learn_nothing(
    client, container: Container, make_user: MakeUser
) -> None:
    alice, bob, eve = await make_user("alice"), await make_user("bob"), await make_user("eve")
    await dm(client, alice, "@bob secret")
    [conversation] = await listing(client, alice)
    before = await row_counts(container.db)
    for path in (
        f"/api/v1/conversations/{conversation['id']}/read",
        "/api/v1/conversations/99999999/read",
        "/api/v1/conversations/not-an-id/read",
    ):
        r = await client.post(path, headers=eve.headers)
        assert r.status_code == 404 and r.json() == {"error": "Record not found"}
    r = await client.delete(f"/api/v1/conversations/{conversation['id']}", headers=eve.headers)
    assert r.status_code == 404 and r.json() == {"error": "Record not found"}
    assert await row_counts(container.db) == before
    assert await listing(client, eve) == []
    # Nothing changed for the participants either.
    [still] = await listing(client, bob)
    assert still["unread"] is True

    r = await client.get("/api/v1/conversations")
    assert r.status_code == 401 and "error" in r.json()
    readonly = await make_user("reader", scopes="read")
    r = await client.post(
        f"/api/v1/conversations/{conversation['id']}/read", headers=readonly.headers
    )
    assert r.status_code == 403


async def test_blocked_accounts_are_not_participants(client, make_user: MakeUser) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    r = await client.post(f"/api/v1/accounts/{alice.id}/block", headers=carol.headers)
    assert r.status_code == 200
    await dm(client, alice, "@bob @carol party")

    assert [others(c) for c in await listing(client, alice)] == [["bob"]]
    assert [others(c) for c in await listing(client, bob)] == [["alice"]]
    assert await listing(client, carol) == []


async def test_a_later_block_hides_their_messages_and_them(client, make_user: MakeUser) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await dm(client, alice, "@bob one")
    mine = await dm(client, bob, "@alice two")
    last = await dm(client, alice, "@bob three")
    r = await client.post(f"/api/v1/accounts/{alice.id}/block", headers=bob.headers)
    assert r.status_code == 200

    # Alice's newest message is no longer bob's to see: his own is his last one, and nobody
    # across the block is listed.
    [conversation] = await listing(client, bob)
    assert conversation["last_status"]["id"] == mine["id"]
    assert conversation["accounts"] == []
    [hers] = await listing(client, alice)
    assert hers["last_status"]["id"] == last["id"] and hers["accounts"] == []


async def test_deleting_the_last_message_falls_back_then_the_conversation_goes(
    client, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    first = await dm(client, alice, "@bob one")
    second = await dm(client, bob, "@alice two")

    r = await client.delete(f"/api/v1/statuses/{second['id']}", headers=bob.headers)
    assert r.status_code == 200
    for user in (alice, bob):
        [conversation] = await listing(client, user)
        assert conversation["last_status"]["id"] == first["id"]

    r = await client.delete(f"/api/v1/statuses/{first['id']}", headers=alice.headers)
    assert r.status_code == 200
    assert await listing(client, alice) == [] and await listing(client, bob) == []

    # The same people write again: a conversation again.
    await dm(client, alice, "@bob again")
    assert len(await listing(client, bob)) == 1


async def test_paging_newest_activity_first(client, make_user: MakeUser) -> None:
    me = await make_user("me")
    friends = [await make_user(f"friend{i}") for i in range(5)]
    for friend in friends:
        await dm(client, me, f"@{friend.username} hello")
    # Activity in the oldest conversation moves it to the top.
    await dm(client, friends[0], "@me bump")
    expected = ["friend0", "friend4", "friend3", "friend2", "friend1"]

    seen: list[str] = []
    url = "/api/v1/conversations?limit=2"
    while True:
        r = await client.get(url, headers=me.headers)
        assert r.status_code == 200
        page = r.json()
        if not page:
            break
        assert len(page) <= 2
        seen += [c["accounts"][0]["username"] for c in page]
        url = links(r)["next"].removeprefix("http://testserver")
    assert seen == expected

    r = await client.get("/api/v1/conversations?limit=5", headers=me.headers)
    everything = r.json()
    cursors = [c["last_status"]["id"] for c in everything]
    # min_id pages forwards (the two right after it), since_id stops at a point; both come
    # newest first.
    r = await client.get(f"/api/v1/conversations?min_id={cursors[3]}&limit=2", headers=me.headers)
    assert [c["accounts"][0]["username"] for c in r.json()] == ["friend4", "friend3"]
    r = await client.get(f"/api/v1/conversations?since_id={cursors[2]}", headers=me.headers)
    assert [c["accounts"][0]["username"] for c in r.json()] == ["friend0", "friend4"]
    r = await client.get(f"/api/v1/conversations?max_id={cursors[0]}", headers=me.headers)
    assert [c["accounts"][0]["username"] for c in r.json()] == expected[1:]


async def test_a_direct_message_to_nobody_is_a_conversation_with_myself(
    client, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    note = await dm(client, alice, "a note to self, @nobody")
    [conversation] = await listing(client, alice)
    assert conversation["accounts"] == [] and conversation["last_status"]["id"] == note["id"]


async def test_public_mentions_make_no_conversation(client, make_user: MakeUser) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await post(client, alice, "@bob public")
    await post(client, alice, "@bob followers only", visibility="private")
    assert await listing(client, alice) == [] and await listing(client, bob) == []
