from tests.conftest import MakeUser


async def test_post_and_read_home(client, make_user: MakeUser) -> None:
    alice = await make_user("alice")
    bob = await make_user("bob")
    r = await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    assert r.status_code == 200 and r.json()["following"] is True
    r = await client.post("/api/v1/statuses", json={"status": "你好 #话题#"}, headers=alice.headers)
    assert r.status_code == 200, r.text
    status_id = r.json()["id"]
    r = await client.get("/api/v1/timelines/home", headers=bob.headers)
    assert [s["id"] for s in r.json()] == [status_id]
