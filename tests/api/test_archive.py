"""Your data (/api/v1/myna/archive and /api/v1/myna/imports, docs/data.md): the archive holds
Mastodon's files, its CSVs bring the same follows, blocks, mutes, lists and bookmarks into a
fresh account, overwriting undoes what a file does not hold, a bad file writes nothing, and
nobody else reads one's archive or imports. Background work is waited for with
`finish_jobs` (the tasks of this process, or a burst worker in scale mode)."""

import io
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from jsonschema import Draft202012Validator

from myna.actions.imports import NOT_HERE, REMOTE, UNKNOWN
from myna.backends.background import Background
from myna.backends.jobs import ArqJobs, InlineJobs
from myna.config import Settings
from myna.container import Container
from myna.lib.clock import utcnow
from myna.lib.mastodon_csv import FOLLOWING_HEADER, MAX_ROWS
from myna.worker import worker_for
from tests import pictures
from tests.api.test_media import uploaded
from tests.conftest import BASE_URL, MakeUser, User, row_counts

ARCHIVE = "/api/v1/myna/archive"
IMPORTS = "/api/v1/myna/imports"
DOMAIN = "testserver"
CSVS = (
    "following_accounts.csv",
    "blocked_accounts.csv",
    "muted_accounts.csv",
    "lists.csv",
    "bookmarks.csv",
)


class Held(Background):
    """A background that runs nothing: what is pushed waits (a lost job, or one a test runs
    itself, step by step)."""

    def __init__(self) -> None:
        super().__init__(InlineJobs(), {})
        self.pushed: list[tuple[str, tuple[Any, ...]]] = []

    async def push(self, name: str, *args: Any) -> None:
        self.pushed.append((name, args))


async def finish_jobs(container: Container) -> None:
    """Until the background work started so far (and what it started) is done."""
    if isinstance(container.jobs, ArqJobs):
        worker = worker_for(container.settings, container, burst=True)
        try:
            await worker.main()
        finally:
            await worker.close()
    else:
        await container.background.idle()


async def post(client: httpx.AsyncClient, user: User, text: str, **fields: Any) -> dict[str, Any]:
    r = await client.post("/api/v1/statuses", json={"status": text, **fields}, headers=user.headers)
    assert r.status_code == 200, r.text
    entity: dict[str, Any] = r.json()
    return entity


async def export(client: httpx.AsyncClient, container: Container, user: User) -> zipfile.ZipFile:
    r = await client.post(ARCHIVE, headers=user.headers)
    assert r.status_code == 202, r.text
    assert r.json()["state"] in ("pending", "running", "done")
    await finish_jobs(container)
    r = await client.get(ARCHIVE, headers=user.headers)
    archive = r.json()
    assert archive["state"] == "done", archive
    assert archive["download_url"] == f"{BASE_URL}{ARCHIVE}/download"
    r = await client.get(f"{ARCHIVE}/download", headers=user.headers)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/zip"
    assert r.headers["cache-control"] == "private, no-store"
    assert "attachment" in r.headers["content-disposition"]
    assert archive["size"] == len(r.content)
    return zipfile.ZipFile(io.BytesIO(r.content))


async def start_import(
    client: httpx.AsyncClient, user: User, kind: str, data: bytes | str, mode: str | None = None
) -> httpx.Response:
    body = data.encode() if isinstance(data, str) else data
    fields = {"type": kind, **({"mode": mode} if mode else {})}
    return await client.post(
        IMPORTS, files={"data": ("export.csv", body, "text/csv")}, data=fields, headers=user.headers
    )


async def imported(
    client: httpx.AsyncClient,
    container: Container,
    user: User,
    kind: str,
    data: bytes | str,
    mode: str | None = None,
) -> dict[str, Any]:
    """Imports the file and waits for it: the finished import."""
    r = await start_import(client, user, kind, data, mode)
    assert r.status_code == 202, r.text
    await finish_jobs(container)
    r = await client.get(f"{IMPORTS}/{r.json()['id']}", headers=user.headers)
    assert r.status_code == 200
    found: dict[str, Any] = r.json()
    assert found["state"] == "done", found
    return found


async def following_of(client: httpx.AsyncClient, user: User) -> dict[str, bool]:
    """Whom the user follows (username -> shows their reposts)."""
    r = await client.get(f"/api/v1/accounts/{user.id}/following?limit=80", headers=user.headers)
    ids = [a["id"] for a in r.json()]
    names = {a["id"]: a["username"] for a in r.json()}
    if not ids:
        return {}
    query = "&".join(f"id[]={i}" for i in ids)
    r = await client.get(f"/api/v1/accounts/relationships?{query}", headers=user.headers)
    return {names[rel["id"]]: rel["showing_reblogs"] for rel in r.json()}


async def names(client: httpx.AsyncClient, user: User, path: str) -> set[str]:
    r = await client.get(path, headers=user.headers)
    assert r.status_code == 200, r.text
    return {a["username"] for a in r.json()}


async def lists_of(client: httpx.AsyncClient, user: User) -> dict[str, set[str]]:
    r = await client.get("/api/v1/lists", headers=user.headers)
    out = {}
    for found in r.json():
        out[found["title"]] = await names(client, user, f"/api/v1/lists/{found['id']}/accounts")
    return out


async def bookmark_ids(client: httpx.AsyncClient, user: User) -> set[str]:
    r = await client.get("/api/v1/bookmarks", headers=user.headers)
    return {s["id"] for s in r.json()}


async def relation_snapshot(client: httpx.AsyncClient, user: User) -> dict[str, Any]:
    mutes = await client.get("/api/v1/mutes", headers=user.headers)
    return {
        "following": await following_of(client, user),
        "blocks": await names(client, user, "/api/v1/blocks"),
        "mutes": {a["username"] for a in mutes.json()},
        "lists": await lists_of(client, user),
        "bookmarks": await bookmark_ids(client, user),
    }


def read_csv(archive: zipfile.ZipFile, name: str) -> str:
    return archive.read(name).decode()


# The archive ------------------------------------------------------------------------------------


async def test_the_archive_holds_mastodon_s_files(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice, bob, carol, dave = [await make_user(n) for n in ("alice", "bob", "carol", "dave")]
    r = await client.patch(
        "/api/v1/accounts/update_credentials",
        files={"avatar": ("a.png", pictures.png(), "image/png")},
        data={"display_name": "爱丽丝", "note": "写代码"},
        headers=alice.headers,
    )
    assert r.status_code == 200, r.text
    avatar_key = r.json()["avatar"].split("/system/media/", 1)[1]
    media = await uploaded(client, alice, pictures.png(), description="a gradient")
    media_key = media["url"].split("/system/media/", 1)[1]
    first = await post(client, alice, "你好 #话题# @bob", media_ids=[media["id"]])
    by_bob = await post(client, bob, "bob's post")
    reply = await post(client, alice, "@bob 回复", in_reply_to_id=by_bob["id"])
    await post(client, alice, "@carol secret", visibility="direct")
    await post(client, alice, "only followers", visibility="private")
    await client.post(f"/api/v1/statuses/{by_bob['id']}/reblog", headers=alice.headers)
    await client.post(f"/api/v1/statuses/{by_bob['id']}/favourite", headers=alice.headers)
    await client.post(f"/api/v1/statuses/{by_bob['id']}/bookmark", headers=alice.headers)
    await client.post(
        f"/api/v1/accounts/{bob.id}/follow", json={"reblogs": False}, headers=alice.headers
    )
    await client.post(f"/api/v1/accounts/{carol.id}/block", headers=alice.headers)
    await client.post(
        f"/api/v1/accounts/{dave.id}/mute", json={"notifications": False}, headers=alice.headers
    )
    r = await client.post("/api/v1/lists", json={"title": "朋友, 老同学"}, headers=alice.headers)
    await client.post(
        f"/api/v1/lists/{r.json()['id']}/accounts",
        json={"account_ids": [str(bob.id)]},
        headers=alice.headers,
    )

    archive = await export(client, container, alice)
    files = set(archive.namelist())
    assert {"outbox.json", "actor.json", "likes.json", "bookmarks.json", *CSVS} <= files
    assert f"media_attachments/files/{media_key}" in files
    assert f"media_attachments/avatars/{avatar_key}" in files

    actor = orjson.loads(archive.read("actor.json"))
    assert actor["type"] == "Person" and actor["preferredUsername"] == "alice"
    assert actor["name"] == "爱丽丝" and "写代码" in actor["summary"]
    assert actor["icon"]["url"] == f"media_attachments/avatars/{avatar_key}"
    assert actor["id"] == f"{BASE_URL}/users/alice"

    outbox = orjson.loads(archive.read("outbox.json"))
    assert outbox["type"] == "OrderedCollection"
    assert outbox["totalItems"] == len(outbox["orderedItems"]) == 5
    by_id = {
        item["object"]["id"] if item["type"] == "Create" else item["id"]: item
        for item in outbox["orderedItems"]
    }
    note = by_id[f"{BASE_URL}/users/alice/statuses/{first['id']}"]["object"]
    assert note["type"] == "Note" and note["url"] == f"{BASE_URL}/@alice/{first['id']}"
    assert note["content"] == first["content"]
    assert note["to"] == ["https://www.w3.org/ns/activitystreams#Public"]
    assert f"{BASE_URL}/users/alice/followers" in note["cc"]
    assert f"{BASE_URL}/users/bob" in note["cc"]  # mentioned
    (attachment,) = note["attachment"]
    assert attachment["url"] == f"media_attachments/files/{media_key}"
    assert attachment["name"] == "a gradient" and attachment["mediaType"] == "image/png"
    stored = Path(container.settings.media_dir) / media_key
    assert archive.read(attachment["url"]) == stored.read_bytes()
    hashtag = {"type": "Hashtag", "href": f"{BASE_URL}/tags/%E8%AF%9D%E9%A2%98", "name": "#话题"}
    assert hashtag in note["tag"]
    replied = by_id[f"{BASE_URL}/users/alice/statuses/{reply['id']}"]["object"]
    assert replied["inReplyTo"] == f"{BASE_URL}/users/bob/statuses/{by_bob['id']}"
    notes = [i["object"] for i in outbox["orderedItems"] if i["type"] == "Create"]
    (direct,) = [n for n in notes if "secret" in n["content"]]
    assert direct["to"] == [f"{BASE_URL}/users/carol"] and direct["cc"] == []
    (private,) = [n for n in notes if "only followers" in n["content"]]
    assert private["to"] == [f"{BASE_URL}/users/alice/followers"]
    (announce,) = [i for i in outbox["orderedItems"] if i["type"] == "Announce"]
    assert announce["object"] == f"{BASE_URL}/users/bob/statuses/{by_bob['id']}"

    bob_uri = f"{BASE_URL}/users/bob/statuses/{by_bob['id']}"
    assert orjson.loads(archive.read("likes.json"))["orderedItems"] == [bob_uri]
    assert orjson.loads(archive.read("bookmarks.json"))["orderedItems"] == [bob_uri]
    assert read_csv(archive, "following_accounts.csv") == (
        ",".join(FOLLOWING_HEADER) + f"\nbob@{DOMAIN},false,false,\n"
    )
    assert read_csv(archive, "blocked_accounts.csv") == f"carol@{DOMAIN}\n"
    assert read_csv(archive, "muted_accounts.csv") == (
        f"Account address,Hide notifications\ndave@{DOMAIN},false\n"
    )
    assert read_csv(archive, "lists.csv") == f'"朋友, 老同学",bob@{DOMAIN}\n'
    assert read_csv(archive, "bookmarks.csv") == f"{bob_uri}\n"


async def test_an_archive_leaves_out_what_its_owner_may_no_longer_see(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    secret = await post(client, bob, "for followers", visibility="private")
    await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers)
    await client.post(f"/api/v1/statuses/{secret['id']}/favourite", headers=alice.headers)
    await client.post(f"/api/v1/accounts/{alice.id}/block", headers=bob.headers)
    archive = await export(client, container, alice)
    assert orjson.loads(archive.read("likes.json"))["orderedItems"] == []
    assert read_csv(archive, "following_accounts.csv").count("\n") == 1  # the header only


async def test_a_new_archive_replaces_the_old_and_old_ones_are_swept(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser, settings: Settings
) -> None:
    alice = await make_user("alice")
    await post(client, alice, "hello")
    r = await client.get(ARCHIVE, headers=alice.headers)
    assert r.json()["state"] == "none" and r.json()["download_url"] is None
    await export(client, container, alice)
    archives = Path(settings.media_dir) / "archives"
    (first,) = list(archives.iterdir())
    await export(client, container, alice)
    (second,) = list(archives.iterdir())
    assert first != second  # the old file went with its row

    # While one is being made, asking again answers that one.
    held = Held()
    container.archive_actions.background = held
    r1 = await client.post(ARCHIVE, headers=alice.headers)
    r2 = await client.post(ARCHIVE, headers=alice.headers)
    assert r1.json()["state"] == r2.json()["state"] == "pending"
    assert r1.json()["id"] == r2.json()["id"]
    assert held.pushed == [("build_archive", (int(r1.json()["id"]),))]  # one job
    assert list(archives.iterdir()) == []
    r = await client.get(f"{ARCHIVE}/download", headers=alice.headers)
    assert r.status_code == 404

    # Its job was lost (a restart): the sweep pushes it again after a while.
    container.archive_actions.background = container.background
    assert await container.archive_actions.sweep(utcnow()) == 0
    assert await container.archive_actions.sweep(utcnow() + timedelta(minutes=6)) == 1
    await finish_jobs(container)
    assert (await client.get(ARCHIVE, headers=alice.headers)).json()["state"] == "done"

    assert await container.archive_actions.sweep(utcnow() + timedelta(days=8)) == 1
    assert list(archives.iterdir()) == []
    assert (await client.get(ARCHIVE, headers=alice.headers)).json()["state"] == "none"


# Importing --------------------------------------------------------------------------------------


async def test_the_archive_s_csvs_bring_the_same_relations_into_a_fresh_account(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    """The acceptance criterion of issue 11: export from alice, import into alice2."""
    alice = await make_user("alice")
    bob, carol, dave, erin = [await make_user(n) for n in ("bob", "carol", "dave", "erin")]
    for target, reblogs in ((bob, True), (carol, False), (erin, True)):
        await client.post(
            f"/api/v1/accounts/{target.id}/follow", json={"reblogs": reblogs}, headers=alice.headers
        )
    await client.post(f"/api/v1/accounts/{dave.id}/block", headers=alice.headers)
    await client.post(
        f"/api/v1/accounts/{erin.id}/mute", json={"notifications": False}, headers=alice.headers
    )
    for title, members in (("朋友", [bob, carol]), ("Work", [carol])):
        r = await client.post("/api/v1/lists", json={"title": title}, headers=alice.headers)
        await client.post(
            f"/api/v1/lists/{r.json()['id']}/accounts",
            json={"account_ids": [str(m.id) for m in members]},
            headers=alice.headers,
        )
    kept = await post(client, bob, "worth keeping")
    await client.post(f"/api/v1/statuses/{kept['id']}/bookmark", headers=alice.headers)
    before = await relation_snapshot(client, alice)
    assert before["following"] == {"bob": True, "carol": False, "erin": True}

    archive = await export(client, container, alice)
    alice2 = await make_user("alice2")
    for kind, name in (
        ("following", "following_accounts.csv"),
        ("blocks", "blocked_accounts.csv"),
        ("mutes", "muted_accounts.csv"),
        ("lists", "lists.csv"),
        ("bookmarks", "bookmarks.csv"),
    ):
        found = await imported(client, container, alice2, kind, archive.read(name))
        assert found["failed_items"] == 0, found
        assert found["processed_items"] == found["total_items"] > 0

    assert await relation_snapshot(client, alice2) == before
    r = await client.get(f"/api/v1/accounts/relationships?id[]={erin.id}", headers=alice2.headers)
    assert r.json()[0]["muting_notifications"] is False
    # Counts moved as the actions move them.
    r = await client.get(f"/api/v1/accounts/{alice2.id}", headers=alice2.headers)
    assert r.json()["following_count"] == 3


async def test_lists_follow_first_and_locked_accounts_wait_for_their_answer(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await make_user("bob")
    locked = await make_user("locked", locked=True)
    found = await imported(
        client, container, alice, "lists", f"Friends,bob@{DOMAIN}\nFriends,locked@{DOMAIN}\n"
    )
    assert found["processed_items"] == 2 and found["failed_items"] == 1
    assert found["failures"][0]["item"] == f"locked@{DOMAIN}"
    assert "follow" in found["failures"][0]["error"]
    assert await lists_of(client, alice) == {"Friends": {"bob"}}
    assert await following_of(client, alice) == {"bob": True}
    r = await client.get("/api/v1/follow_requests", headers=locked.headers)
    assert [a["username"] for a in r.json()] == ["alice"]


async def test_unknown_and_remote_accounts_count_as_failed(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await make_user("bob")
    data = "\n".join(
        [
            ",".join(FOLLOWING_HEADER),
            f"bob@{DOMAIN.upper()},true,false,",
            f"ghost@{DOMAIN},true,false,",
            "zed@mastodon.example,true,false,",
            f"alice@{DOMAIN},true,false,",
        ]
    )
    found = await imported(client, container, alice, "following", data)
    assert (found["total_items"], found["processed_items"], found["failed_items"]) == (4, 4, 3)
    assert [(f["row"], f["item"], f["error"]) for f in found["failures"]] == [
        (2, f"ghost@{DOMAIN}", UNKNOWN),
        (3, "zed@mastodon.example", REMOTE),
        (4, f"alice@{DOMAIN}", "You cannot follow yourself"),
    ]
    assert await following_of(client, alice) == {"bob": True}
    found = await imported(
        client, container, alice, "bookmarks", "https://mastodon.example/@zed/1\n"
    )
    assert found["failures"][0]["error"] == NOT_HERE


async def test_overwrite_undoes_what_the_file_does_not_hold(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    bob, carol, dave = [await make_user(n) for n in ("bob", "carol", "dave")]
    for target in (bob, carol):
        await client.post(f"/api/v1/accounts/{target.id}/follow", headers=alice.headers)
    await client.post(f"/api/v1/accounts/{dave.id}/block", headers=alice.headers)
    await client.post(f"/api/v1/accounts/{dave.id}/mute", headers=alice.headers)
    for title in ("Old", "Kept"):
        r = await client.post("/api/v1/lists", json={"title": title}, headers=alice.headers)
        await client.post(
            f"/api/v1/lists/{r.json()['id']}/accounts",
            json={"account_ids": [str(bob.id), str(carol.id)]},
            headers=alice.headers,
        )
    by_bob, by_carol = await post(client, bob, "one"), await post(client, carol, "two")
    for status in (by_bob, by_carol):
        await client.post(f"/api/v1/statuses/{status['id']}/bookmark", headers=alice.headers)

    # Merging adds; overwriting also takes away.
    await imported(client, container, alice, "blocks", f"carol@{DOMAIN}\n")
    assert await names(client, alice, "/api/v1/blocks") == {"carol", "dave"}
    await imported(client, container, alice, "blocks", f"carol@{DOMAIN}\n", "overwrite")
    assert await names(client, alice, "/api/v1/blocks") == {"carol"}
    assert await following_of(client, alice) == {"bob": True}  # the block ended that follow

    await imported(client, container, alice, "mutes", f"bob@{DOMAIN},true\n", "overwrite")
    assert await names(client, alice, "/api/v1/mutes") == {"bob"}

    await client.post(f"/api/v1/accounts/{dave.id}/unblock", headers=alice.headers)
    await client.post(f"/api/v1/accounts/{dave.id}/follow", headers=alice.headers)
    await imported(client, container, alice, "following", f"dave@{DOMAIN}\n", "overwrite")
    assert await following_of(client, alice) == {"dave": True}

    await imported(
        client, container, alice, "lists", f"Kept,dave@{DOMAIN}\nNew,dave@{DOMAIN}\n", "overwrite"
    )
    assert await lists_of(client, alice) == {"Kept": {"dave"}, "New": {"dave"}}

    await client.post(f"/api/v1/accounts/{carol.id}/unblock", headers=alice.headers)
    uri = f"{BASE_URL}/users/carol/statuses/{by_carol['id']}"
    await imported(client, container, alice, "bookmarks", f"{uri}\n", "overwrite")
    assert await bookmark_ids(client, alice) == {by_carol["id"]}


def _too_many_rows() -> bytes:
    return "".join(f"user{i}@{DOMAIN}\n" for i in range(MAX_ROWS + 1)).encode()


@pytest.mark.parametrize(
    ("kind", "data", "fragment"),
    [
        ("blocks", b"x" * (1024 * 1024 + 1), "too large"),
        ("blocks", _too_many_rows(), "too many rows"),
        ("following", pictures.png(), "not a CSV file"),
        ("following", b"", "empty"),
        ("blocks", f"{','.join(FOLLOWING_HEADER)}\nbob@{DOMAIN},true,false,\n".encode(), "line 1"),
        ("lists", f"bob@{DOMAIN},true,false,\n".encode(), "line 1 does not fit a lists file"),
        ("mutes", f"bob@{DOMAIN},maybe\n".encode(), "line 1"),
        ("bookmarks", f"bob@{DOMAIN}\n".encode(), "does not fit a bookmarks file"),
        ("following", f'bob@{DOMAIN}\n"unclosed\n'.encode(), "not a CSV file"),
        ("domain_blocks", f"bob@{DOMAIN}\n".encode(), "type must be one of"),
    ],
)
async def test_a_bad_file_is_refused_whole_and_writes_nothing(
    client: httpx.AsyncClient,
    container: Container,
    make_user: MakeUser,
    kind: str,
    data: bytes,
    fragment: str,
) -> None:
    alice = await make_user("alice")
    await make_user("bob")
    before = await row_counts(container.db)
    r = await start_import(client, alice, kind, data)
    assert r.status_code == 422, r.text
    assert fragment in r.json()["error"]
    await finish_jobs(container)
    assert await row_counts(container.db) == before


async def test_missing_fields_and_a_bad_mode_are_422(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    before = await row_counts(container.db)
    r = await client.post(IMPORTS, data={"type": "blocks"}, headers=alice.headers)
    assert r.status_code == 422 and "data" in r.json()["error"]
    r = await start_import(client, alice, "blocks", f"bob@{DOMAIN}\n", mode="replace")
    assert r.status_code == 422 and "mode" in r.json()["error"]
    r = await client.post(
        IMPORTS, files={"data": ("a.csv", b"bob\n", "text/csv")}, headers=alice.headers
    )
    assert r.status_code == 422 and "type" in r.json()["error"]
    assert await row_counts(container.db) == before


async def test_progress_moves_from_zero_to_the_total(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    """The job is held, then run chunk by chunk: each chunk's progress is visible."""
    alice = await make_user("alice")
    for name in ("b1", "b2", "b3", "b4", "b5"):
        await make_user(name)
    actions = container.import_actions
    actions.background = Held()  # pushes go nowhere
    actions.chunk = 2
    data = "".join(f"b{i}@{DOMAIN}\n" for i in range(1, 6))
    r = await start_import(client, alice, "blocks", data)
    assert r.status_code == 202
    found = r.json()
    assert (found["state"], found["processed_items"], found["total_items"]) == ("pending", 0, 5)
    seen = []
    while await actions.step(int(found["id"])):
        r = await client.get(f"{IMPORTS}/{found['id']}", headers=alice.headers)
        seen.append((r.json()["state"], r.json()["processed_items"]))
    r = await client.get(f"{IMPORTS}/{found['id']}", headers=alice.headers)
    seen.append((r.json()["state"], r.json()["processed_items"]))
    assert seen == [("running", 2), ("running", 4), ("done", 5)]
    assert r.json()["finished_at"] is not None
    assert len(await names(client, alice, "/api/v1/blocks")) == 5

    # Unheld, the job runs by itself; the list is newest first.
    actions.background = container.background
    r = await start_import(client, alice, "mutes", f"b1@{DOMAIN}\n")
    assert r.status_code == 202
    await finish_jobs(container)
    listing = (await client.get(IMPORTS, headers=alice.headers)).json()
    assert [i["type"] for i in listing] == ["mutes", "blocks"]  # newest first
    assert all(i["state"] == "done" for i in listing)


async def test_a_lost_import_is_taken_up_by_the_sweep(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await make_user("bob")
    actions = container.import_actions
    actions.background = Held()
    r = await start_import(client, alice, "blocks", f"bob@{DOMAIN}\n")
    actions.background = container.background
    assert await actions.sweep(utcnow()) == 0
    assert await actions.sweep(utcnow() + timedelta(minutes=6)) == 1
    await finish_jobs(container)
    r = await client.get(f"{IMPORTS}/{r.json()['id']}", headers=alice.headers)
    assert r.json()["state"] == "done"
    assert await names(client, alice, "/api/v1/blocks") == {"bob"}


# Who may -----------------------------------------------------------------------------------------


async def test_nobody_else_reads_my_archive_or_my_imports(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await export(client, container, alice)
    found = await imported(client, container, alice, "blocks", f"bob@{DOMAIN}\n")
    r = await client.get(f"{IMPORTS}/{found['id']}", headers=bob.headers)
    assert r.status_code == 404
    assert (await client.get(IMPORTS, headers=bob.headers)).json() == []
    assert (await client.get(ARCHIVE, headers=bob.headers)).json()["state"] == "none"
    r = await client.get(f"{ARCHIVE}/download", headers=bob.headers)
    assert r.status_code == 404
    for path in (ARCHIVE, f"{ARCHIVE}/download", IMPORTS, f"{IMPORTS}/{found['id']}"):
        assert (await client.get(path)).status_code == 401
    # The archive is never served from the public media path.
    (stored,) = (Path(container.settings.media_dir) / "archives").iterdir()
    r = await client.get(f"/system/media/archives/{stored.name}")
    assert r.status_code == 404


async def test_scopes(client: httpx.AsyncClient, container: Container, make_user: MakeUser) -> None:
    reader = await make_user("reader", scopes="read:accounts")
    r = await client.post(ARCHIVE, headers=reader.headers)
    assert r.status_code == 403  # an archive holds everything: `read`
    assert (await client.get(IMPORTS, headers=reader.headers)).status_code == 200
    writer = await make_user("writer", scopes="write:accounts write:blocks")
    r = await start_import(client, writer, "following", f"reader@{DOMAIN}\n")
    assert r.status_code == 403  # following needs write:follows too
    r = await start_import(client, writer, "blocks", f"reader@{DOMAIN}\n")
    assert r.status_code == 202


async def test_answers_fit_the_documented_entities(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    document = (await client.get("/openapi.json")).json()

    def check(name: str, value: Any) -> None:
        root = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
        problems = [e.message for e in Draft202012Validator(root).iter_errors(value)]
        assert not problems, (name, value, problems)

    alice = await make_user("alice")
    await make_user("bob")
    check("Archive", (await client.get(ARCHIVE, headers=alice.headers)).json())
    check("Archive", (await client.post(ARCHIVE, headers=alice.headers)).json())
    await finish_jobs(container)
    check("Archive", (await client.get(ARCHIVE, headers=alice.headers)).json())
    check("Import", (await start_import(client, alice, "blocks", f"ghost@{DOMAIN}\n")).json())
    await finish_jobs(container)
    (found,) = (await client.get(IMPORTS, headers=alice.headers)).json()
    assert found["failures"]
    check("Import", found)
    paths = document["paths"]
    assert paths[f"{ARCHIVE}/download"]["get"]["responses"]["200"]["content"]["application/zip"]
    assert paths[IMPORTS]["post"]["security"] == [{"OAuth2": ["write:accounts"]}]
