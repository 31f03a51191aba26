"""Deleting an account leaves nothing of the person: the test builds a full life (posts with
pictures, a poll, messages, a group owned with others and one alone, follows, likes, reposts,
lists, blocks, mutes, bookmarks, reports, a profile picture), deletes it, then reads every
table and the media directory for anything left. Other people's counts are settled."""

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from myna.config import Settings
from myna.container import Container
from myna.db.base import Base
from tests import pictures
from tests.api.test_archive import export
from tests.api.test_media import uploaded
from tests.conftest import MakeUser, User

pytestmark = pytest.mark.asyncio


async def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


async def post(client: httpx.AsyncClient, user: User, **body: Any) -> str:
    return str(
        (await ok(await client.post("/api/v1/statuses", headers=user.headers, json=body)))["id"]
    )


async def build_a_life(client: httpx.AsyncClient, make_user: MakeUser) -> dict[str, Any]:
    victim = await make_user("victim")
    friend = await make_user("friend")
    fan = await make_user("fan")
    h = victim.headers
    await ok(
        await client.patch(
            "/api/v1/accounts/update_credentials",
            headers=h,
            files={
                "avatar": ("me.png", pictures.encode(pictures.gradient(64, 64), "PNG"), "image/png")
            },
        )
    )
    media = await uploaded(
        client,
        victim,
        pictures.encode(pictures.gradient(32, 32), "PNG"),
        filename="p.png",
        content_type="image/png",
    )
    mine = await post(client, victim, status="hello #life", media_ids=[media["id"]])
    await post(client, victim, status="which?", poll={"options": ["a", "b"], "expires_in": 3600})
    await post(client, victim, status="@friend secret", visibility="direct")
    for a, b in ((victim, friend), (friend, victim), (fan, victim)):
        await ok(await client.post(f"/api/v1/accounts/{b.id}/follow", headers=a.headers))
    theirs = await post(client, friend, status="friend's post")
    await ok(await client.post(f"/api/v1/statuses/{theirs}/favourite", headers=h))
    await ok(await client.post(f"/api/v1/statuses/{theirs}/reblog", headers=h))
    await ok(await client.post(f"/api/v1/statuses/{theirs}/bookmark", headers=h))
    await ok(await client.post(f"/api/v1/statuses/{mine}/reblog", headers=fan.headers))
    await ok(await client.post(f"/api/v1/statuses/{mine}/favourite", headers=fan.headers))
    await post(client, fan, status="nice", in_reply_to_id=mine)
    lst = await ok(await client.post("/api/v1/lists", headers=h, json={"title": "close"}))
    await ok(
        await client.post(
            f"/api/v1/lists/{lst['id']}/accounts", headers=h, json={"account_ids": [str(friend.id)]}
        )
    )
    fans_list = await ok(
        await client.post("/api/v1/lists", headers=fan.headers, json={"title": "v"})
    )
    await ok(
        await client.post(
            f"/api/v1/lists/{fans_list['id']}/accounts",
            headers=fan.headers,
            json={"account_ids": [str(victim.id)]},
        )
    )
    stranger = await make_user("stranger")
    await ok(await client.post(f"/api/v1/accounts/{stranger.id}/block", headers=h))
    await ok(await client.post(f"/api/v1/accounts/{fan.id}/mute", headers=h))
    shared = await ok(
        await client.post("/api/v1/groups", headers=h, json={"handle": "shared", "name": "Shared"})
    )
    await ok(await client.post(f"/api/v1/groups/{shared['id']}/join", headers=friend.headers))
    await post(client, victim, status="in the group", visibility="group", group_id=shared["id"])
    await post(client, friend, status="me too", visibility="group", group_id=shared["id"])
    alone = await ok(
        await client.post("/api/v1/groups", headers=h, json={"handle": "alone", "name": "Alone"})
    )
    await post(client, victim, status="echo", visibility="group", group_id=alone["id"])
    await ok(
        await client.post(
            "/api/v1/reports", headers=h, json={"account_id": str(stranger.id), "comment": "x"}
        )
    )
    await ok(
        await client.post(
            "/api/v1/reports", headers=friend.headers, json={"account_id": str(victim.id)}
        )
    )
    return {
        "victim": victim,
        "friend": friend,
        "fan": fan,
        "mine": mine,
        "theirs": theirs,
        "shared": shared["id"],
        "alone": alone["id"],
        "media": media,
    }


def account_columns() -> list[tuple[str, str]]:
    """Every (table, column) that can hold an account's id."""
    out = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            points_at_accounts = any(
                fk.column.table.name == "accounts" for fk in column.foreign_keys
            )
            if points_at_accounts or (table.name == "accounts" and column.name == "id"):
                out.append((table.name, column.name))
    return out


async def test_deleting_an_account_leaves_nothing_behind(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container, settings: Settings
) -> None:
    life = await build_a_life(client, make_user)
    victim, friend, fan = life["victim"], life["friend"], life["fan"]
    await export(client, container, victim)  # the data archive is a file of theirs too
    async with container.db.session() as session:
        from myna.store import deletion

        keys = await deletion.file_keys(session, victim.id)
        keys += await deletion.archive_keys(session, victim.id)
        status_ids = set(
            await session.scalars(
                text("SELECT id FROM statuses WHERE account_id = :a"), {"a": victim.id}
            )
        )
    assert len(keys) >= 4  # the avatar, the upload and its preview, the archive
    assert any(key.startswith("archives/") for key in keys)
    media_root = Path(settings.media_dir)
    assert all((media_root / key).exists() for key in keys)
    assert (await ok(await client.get(f"/api/v1/accounts/{friend.id}")))["followers_count"] == 1

    r = await client.post(
        "/api/v1/myna/account/delete", headers=victim.headers, json={"password": "wrong one"}
    )
    assert r.status_code == 422
    r = await client.post(
        "/api/v1/myna/account/delete", headers=victim.headers, json={"password": victim.password}
    )
    assert r.status_code == 200, r.text

    # No row anywhere holds the account, or any of its statuses.
    columns = account_columns()
    assert len(columns) > 30
    async with container.db.session() as session:
        for table, column in columns:
            n = await session.scalar(
                text(f"SELECT count(*) FROM {table} WHERE {column} = :a"), {"a": victim.id}
            )
            assert n == 0, (table, column)
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if any(fk.column.table.name == "statuses" for fk in column.foreign_keys) or (
                    table.name == "statuses" and column.name == "id"
                ):
                    found = await session.scalar(
                        select(column).where(column.in_(status_ids)).limit(1)
                    )
                    assert found is None, (table.name, column.name)
        # The search indexes, which no model describes.
        if container.settings.database_url.startswith("sqlite"):
            leftovers = await session.scalar(
                text("SELECT count(*) FROM account_search WHERE rowid = :a"), {"a": victim.id}
            )
        else:
            leftovers = await session.scalar(
                text("SELECT count(*) FROM account_search WHERE account_id = :a"), {"a": victim.id}
            )
        assert leftovers == 0
    # No file of theirs.
    assert not any((media_root / key).exists() for key in keys)

    # Others' counts are settled; the shared group has a new owner; the lonely one is gone.
    assert (await ok(await client.get(f"/api/v1/accounts/{friend.id}")))["followers_count"] == 0
    assert (await ok(await client.get(f"/api/v1/accounts/{friend.id}")))["following_count"] == 0
    fan_now = await ok(await client.get(f"/api/v1/accounts/{fan.id}"))
    assert fan_now["following_count"] == 0 and fan_now["statuses_count"] == 1  # the reply
    group = await ok(await client.get(f"/api/v1/groups/{life['shared']}", headers=friend.headers))
    assert group["members_count"] == 1 and group["statuses_count"] == 1
    r = await client.get(f"/api/v1/groups/{life['alone']}", headers=friend.headers)
    assert r.status_code == 404
    assert (await client.get(f"/api/v1/accounts/{victim.id}")).status_code == 404
    r = await client.get("/api/v1/accounts/verify_credentials", headers=victim.headers)
    assert r.status_code == 401
    # The friend's own post is untouched, without the like and the repost.
    theirs = await ok(
        await client.get(f"/api/v1/statuses/{life['theirs']}", headers=friend.headers)
    )
    assert theirs["favourites_count"] == 0 and theirs["reblogs_count"] == 0


async def test_moderators_delete_suspended_accounts_and_the_grace_ends(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    from datetime import timedelta

    from myna.lib.clock import utcnow

    mod = await make_user("mod", role="moderator")
    spammer = await make_user("spammer")
    lingerer = await make_user("lingerer")
    await post(client, spammer, status="spam")
    url = f"/api/v1/admin/accounts/{spammer.id}"
    r = await client.delete(url, headers=mod.headers)
    assert r.status_code == 422  # suspend first
    for target in (spammer, lingerer):
        r = await client.post(
            f"/api/v1/admin/accounts/{target.id}/action",
            headers=mod.headers,
            json={"type": "suspend"},
        )
        assert r.status_code == 200
    r = await client.delete(url, headers=mod.headers)
    assert r.status_code == 200 and r.json()["username"] == "spammer"
    assert (await client.get(url, headers=mod.headers)).status_code == 404
    log = await ok(await client.get("/api/v1/myna/admin/audit_log", headers=mod.headers))
    # Newest first; the deleted account's name has left the log, its ids have not.
    assert [(e["action"], e["target_label"]) for e in log] == [
        ("delete", None),
        ("suspend", "@lingerer"),
        ("suspend", None),
    ]
    assert log[0]["target_id"] == log[2]["target_id"] == str(spammer.id)

    # Housekeeping deletes a suspension left for 30 days, not before.
    assert await container.account_deletion.sweep(utcnow() + timedelta(days=29)) == 0
    assert await container.account_deletion.sweep(utcnow() + timedelta(days=31)) == 1
    assert (await client.get(f"/api/v1/accounts/{lingerer.id}")).status_code == 404
