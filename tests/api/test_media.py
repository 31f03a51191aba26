"""Pictures: upload (v1 and v2), read back, describe, delete, attach to statuses, serve;
bad uploads are refused with a 4xx and leave neither files nor rows behind."""

import asyncio
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import blurhash
import httpx
import pytest
from PIL import Image
from sqlalchemy import select

from myna.config import Settings
from myna.container import Container
from myna.lib.clock import utcnow
from myna.models import MediaAttachment
from tests import pictures
from tests.api.test_timelines import post
from tests.conftest import MakeUser, User, row_counts

Entity = dict[str, Any]


def media_files(settings: Settings) -> list[Path]:
    root = Path(settings.media_dir)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def upload(
    client: httpx.AsyncClient,
    user: User,
    data: bytes,
    *,
    filename: str = "picture.jpg",
    content_type: str = "image/jpeg",
    version: str = "v2",
    **fields: str,
) -> httpx.Response:
    return await client.post(
        f"/api/{version}/media",
        files={"file": (filename, data, content_type)},
        data=fields,
        headers=user.headers,
    )


async def uploaded(client: httpx.AsyncClient, user: User, data: bytes, **kw: Any) -> Entity:
    r = await upload(client, user, data, **kw)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def fetch(client: httpx.AsyncClient, url: str) -> httpx.Response:
    assert url.startswith("http://testserver/system/media/"), url
    return await client.get(url)


def assert_error(r: httpx.Response, status: int, fragment: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert fragment in r.json()["error"], r.json()


async def test_jpeg_upload_strips_gps_exif_and_applies_orientation(
    client: httpx.AsyncClient, make_user: MakeUser, settings: Settings
) -> None:
    alice = await make_user("alice")
    original = pictures.jpeg_with_gps(800, 600, orientation=6)  # stored sideways: 90° turn
    assert b"SpyCam" in original and b"where I live" in original

    media = await uploaded(client, alice, original)

    assert media["type"] == "image"
    assert media["remote_url"] is None and media["text_url"] is None
    assert media["description"] is None
    # Orientation 6 is applied: the 800x600 sensor image is a 600x800 portrait.
    assert media["meta"]["original"] == {
        "width": 600,
        "height": 800,
        "size": "600x800",
        "aspect": 0.75,
    }
    assert media["meta"]["small"]["height"] == 640 and media["meta"]["small"]["width"] == 480
    assert media["meta"]["focus"] == {"x": 0.0, "y": 0.0}
    assert blurhash.is_valid_blurhash(media["blurhash"])

    files = media_files(settings)
    assert len(files) == 2  # the picture and its preview
    for path in files:
        raw = path.read_bytes()
        assert b"SpyCam" not in raw and b"where I live" not in raw and b"taken at home" not in raw
        assert b"Exif" not in raw
        with Image.open(path) as stored:
            assert dict(stored.getexif()) == {}
            assert "exif" not in stored.info and "xmp" not in stored.info
            assert "comment" not in stored.info and "icc_profile" not in stored.info

    r = await fetch(client, media["url"])
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/jpeg"
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert r.headers["x-content-type-options"] == "nosniff"
    with Image.open(io.BytesIO(r.content)) as served:
        assert served.format == "JPEG" and served.size == (600, 800)
    preview = await fetch(client, media["preview_url"])
    assert preview.status_code == 200 and preview.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(preview.content)) as small:
        assert small.size == (480, 640)


@pytest.mark.parametrize(
    ("data", "filename", "stored_type"),
    [
        pytest.param(pictures.png(1600, 900), "a.png", "image/png", id="png"),
        pytest.param(pictures.animated_gif(1600, 900), "a.gif", "image/png", id="gif"),
        pytest.param(pictures.webp(1600, 900), "a.webp", "image/webp", id="webp"),
        # The name and declared type say nothing: the bytes decide.
        pytest.param(pictures.png(1600, 900), "a.jpg", "image/png", id="png-named-jpg"),
    ],
)
async def test_png_gif_webp_accepted_with_preview_and_blurhash(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    data: bytes,
    filename: str,
    stored_type: str,
) -> None:
    alice = await make_user("alice")
    media = await uploaded(client, alice, data, filename=filename, content_type="text/plain")
    assert media["meta"]["original"]["size"] == "1600x900"
    assert media["meta"]["small"] == {
        "width": 640,
        "height": 360,
        "size": "640x360",
        "aspect": 640 / 360,
    }
    assert blurhash.is_valid_blurhash(media["blurhash"])
    for url in (media["url"], media["preview_url"]):
        r = await fetch(client, url)
        assert r.status_code == 200 and r.headers["content-type"] == stored_type
    with Image.open(io.BytesIO((await fetch(client, media["url"])).content)) as stored:
        assert stored.size == (1600, 900)
        assert getattr(stored, "n_frames", 1) == 1  # an animation keeps its first frame


async def test_small_picture_is_not_enlarged_and_v1_takes_description_and_focus(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    media = await uploaded(
        client,
        alice,
        pictures.png(200, 100, mode="RGB"),
        version="v1",
        description="两只猫 on a sofa",
        focus="-0.5,0.25",
    )
    assert media["meta"]["small"]["size"] == "200x100"
    assert media["description"] == "两只猫 on a sofa"
    assert media["meta"]["focus"] == {"x": -0.5, "y": 0.25}


async def test_owner_reads_and_updates_unattached_upload_others_get_404(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    media = await uploaded(client, alice, pictures.png())
    path = f"/api/v1/media/{media['id']}"

    r = await client.get(path, headers=alice.headers)
    assert r.status_code == 200 and r.json()["url"] == media["url"]
    assert_error(await client.get(path, headers=bob.headers), 404, "Record not found")
    assert_error(await client.get(path), 401, "token")
    r = await client.put(path, json={"description": "mine"}, headers=bob.headers)
    assert_error(r, 404, "Record not found")
    assert_error(await client.delete(path, headers=bob.headers), 404, "Record not found")

    r = await client.put(
        path, json={"description": "alt text", "focus": "0.1,-1"}, headers=alice.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["description"] == "alt text"
    assert r.json()["meta"]["focus"] == {"x": 0.1, "y": -1.0}
    # Only what is given changes.
    r = await client.put(path, data={"focus": "0,0"}, headers=alice.headers)
    assert r.json()["description"] == "alt text" and r.json()["meta"]["focus"] == {
        "x": 0.0,
        "y": 0.0,
    }


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        pytest.param({"focus": "2,0"}, "focus", id="focus-out-of-range"),
        pytest.param({"focus": "0.5"}, "focus", id="focus-one-number"),
        pytest.param({"focus": "nan,0"}, "focus", id="focus-nan"),
        pytest.param({"focus": "a,b"}, "focus", id="focus-words"),
        pytest.param({"description": "x" * 1501}, "Description is too long", id="description"),
    ],
)
async def test_bad_update_is_422_and_changes_nothing(
    client: httpx.AsyncClient, make_user: MakeUser, body: dict[str, str], fragment: str
) -> None:
    alice = await make_user("alice")
    media = await uploaded(client, alice, pictures.png(), description="before")
    r = await client.put(f"/api/v1/media/{media['id']}", json=body, headers=alice.headers)
    assert_error(r, 422, fragment)
    again = (await client.get(f"/api/v1/media/{media['id']}", headers=alice.headers)).json()
    assert again == media


async def test_delete_unattached_upload_removes_row_and_files(
    client: httpx.AsyncClient, make_user: MakeUser, settings: Settings, container: Container
) -> None:
    alice = await make_user("alice")
    media = await uploaded(client, alice, pictures.png())
    assert len(media_files(settings)) == 2
    r = await client.delete(f"/api/v1/media/{media['id']}", headers=alice.headers)
    assert r.status_code == 200 and r.json() == {}
    assert media_files(settings) == []
    assert (await row_counts(container.db))["media_attachments"] == 0
    assert (await fetch(client, media["url"])).status_code == 404
    r = await client.get(f"/api/v1/media/{media['id']}", headers=alice.headers)
    assert_error(r, 404, "Record not found")


BAD_UPLOADS = [
    pytest.param(pictures.truncated_jpeg(), "a.jpg", "File could not be read", id="truncated"),
    pytest.param(pictures.TEXT, "notes.png", "File type is not supported", id="text-as-png"),
    pytest.param(pictures.SVG, "logo.png", "File type is not supported", id="svg-as-png"),
    pytest.param(b"", "empty.png", "File type is not supported", id="empty"),
    pytest.param(
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "a.png", "File could not be read", id="png-garbage"
    ),
]


@pytest.mark.parametrize(("data", "filename", "fragment"), BAD_UPLOADS)
async def test_bad_upload_is_422_and_leaves_no_files_or_rows(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    settings: Settings,
    container: Container,
    data: bytes,
    filename: str,
    fragment: str,
) -> None:
    alice = await make_user("alice")
    before = await row_counts(container.db)
    r = await upload(client, alice, data, filename=filename, content_type="image/png")
    assert_error(r, 422, fragment)
    assert r.json()["error"].startswith("Validation failed: ")
    assert media_files(settings) == []
    assert await row_counts(container.db) == before


async def test_decompression_bomb_is_refused_before_decoding(
    client: httpx.AsyncClient, make_user: MakeUser, settings: Settings, container: Container
) -> None:
    alice = await make_user("alice")
    bomb = pictures.bomb_png()  # 2.5 gigapixels in about 300 kB
    assert len(bomb) < settings.media_max_bytes
    before = await row_counts(container.db)
    r = await upload(client, alice, bomb, filename="small.png", content_type="image/png")
    assert_error(r, 422, "Image is too large (decompression bomb?)")
    # Just over the configured 40 megapixels, under Pillow's own limit: refused by ours.
    over = pictures.bomb_png(6400)  # 40.96 megapixels
    r = await upload(client, alice, over, filename="small.png", content_type="image/png")
    assert_error(r, 422, "Image is too large")
    assert media_files(settings) == []
    assert await row_counts(container.db) == before


@pytest.mark.parametrize("extra", [10, 1024 * 1024], ids=["just-over", "far-over"])
async def test_too_large_file_is_refused(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    settings: Settings,
    container: Container,
    extra: int,
) -> None:
    alice = await make_user("alice")
    before = await row_counts(container.db)
    # A PNG signature, then more bytes than allowed: refused by size, whatever follows.
    data = pictures.png()[:8] + bytes(settings.media_max_bytes + extra)
    r = await upload(client, alice, data, filename="big.png", content_type="image/png")
    assert_error(r, 422, "Validation failed: File is too large")
    assert media_files(settings) == []
    assert await row_counts(container.db) == before


async def test_chunked_upload_without_length_is_bounded_too(
    client: httpx.AsyncClient, make_user: MakeUser, settings: Settings
) -> None:
    alice = await make_user("alice")

    def chunked(data: bytes) -> tuple[dict[str, str], Any]:
        encoded = client.build_request(
            "POST", "/api/v2/media", files={"file": ("a.png", data, "image/png")}
        )
        body = encoded.read()

        async def stream() -> Any:
            for start in range(0, len(body), 65536):
                yield body[start : start + 65536]

        headers = {**alice.headers, "content-type": encoded.headers["content-type"]}
        return headers, stream()

    headers, body = chunked(pictures.png())
    r = await client.post("/api/v2/media", content=body, headers=headers)
    assert r.status_code == 200, r.text
    headers, body = chunked(bytes(settings.media_max_bytes + 1024 * 1024))
    r = await client.post("/api/v2/media", content=body, headers=headers)
    assert_error(r, 422, "File is too large")
    assert len(media_files(settings)) == 2  # the first upload's two files only


async def test_missing_file_and_wrong_scope(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    alice = await make_user("alice")
    r = await client.post("/api/v2/media", data={"description": "no file"}, headers=alice.headers)
    assert_error(r, 422, "File can't be blank")
    reader = await make_user("reader", scopes="read")
    assert_error(await upload(client, reader, pictures.png()), 403, "scope")
    granular = await make_user("granular", scopes="write:media")
    assert (await upload(client, granular, pictures.png())).status_code == 200


async def test_post_with_pictures_in_order_and_without_text(
    client: httpx.AsyncClient, make_user: MakeUser, container: Container
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    first = await uploaded(client, alice, pictures.png(), description="first")
    second = await uploaded(client, alice, pictures.jpeg_with_gps())
    status = await post(client, alice, "", media_ids=[second["id"], first["id"]])
    assert [m["id"] for m in status["media_attachments"]] == [second["id"], first["id"]]
    assert status["media_attachments"][1]["description"] == "first"
    assert status["content"] == ""

    seen = (await client.get(f"/api/v1/statuses/{status['id']}", headers=bob.headers)).json()
    assert seen["media_attachments"] == status["media_attachments"]
    anonymous = (await client.get(f"/api/v1/statuses/{status['id']}")).json()
    assert anonymous["media_attachments"] == status["media_attachments"]

    # Posted media are no longer the upload endpoints' business.
    path = f"/api/v1/media/{first['id']}"
    assert_error(await client.get(path, headers=alice.headers), 404, "Record not found")
    r = await client.put(path, json={"description": "late"}, headers=alice.headers)
    assert_error(r, 404, "Record not found")
    r = await client.delete(path, headers=alice.headers)
    assert_error(r, 422, "Media attachment is currently used by a status")
    # ... nor can they be posted again.
    before = await row_counts(container.db)
    r = await client.post(
        "/api/v1/statuses",
        json={"status": "again", "media_ids": [first["id"]]},
        headers=alice.headers,
    )
    assert_error(r, 422, "not found or already attached")
    assert await row_counts(container.db) == before

    # A form post (media_ids[]) works the same way.
    third = await uploaded(client, alice, pictures.webp())
    r = await client.post(
        "/api/v1/statuses",
        data={"status": "form", "media_ids[]": [third["id"]]},
        headers=alice.headers,
    )
    assert r.status_code == 200, r.text
    assert [m["id"] for m in r.json()["media_attachments"]] == [third["id"]]


async def test_blank_text_without_media_is_still_refused(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    r = await client.post("/api/v1/statuses", json={"status": "  "}, headers=alice.headers)
    assert_error(r, 422, "Text can't be blank")


async def test_ten_pictures_are_too_many_and_nothing_is_written(
    client: httpx.AsyncClient, make_user: MakeUser, settings: Settings, container: Container
) -> None:
    alice = await make_user("alice")
    ids = [(await uploaded(client, alice, pictures.png(40, 30)))["id"] for _ in range(10)]
    files = media_files(settings)
    before = await row_counts(container.db)
    r = await client.post(
        "/api/v1/statuses", json={"status": "ten", "media_ids": ids}, headers=alice.headers
    )
    assert_error(r, 422, "Cannot attach more than 9 files")
    assert await row_counts(container.db) == before
    assert media_files(settings) == files
    async with container.db.session() as session:
        attached = await session.scalars(
            select(MediaAttachment.id).where(MediaAttachment.status_id.is_not(None))
        )
        assert list(attached) == []
    # Nine is the limit, not an error.
    nine = await post(client, alice, "nine", media_ids=ids[:9])
    assert len(nine["media_attachments"]) == 9


async def test_another_users_media_id_is_422_and_nothing_is_written(
    client: httpx.AsyncClient, make_user: MakeUser, settings: Settings, container: Container
) -> None:
    alice, mallory = await make_user("alice"), await make_user("mallory")
    hers = await uploaded(client, alice, pictures.png())
    mine = await uploaded(client, mallory, pictures.png())
    files = media_files(settings)
    before = await row_counts(container.db)
    for ids in ([hers["id"]], [mine["id"], hers["id"]], ["12345"]):
        r = await client.post(
            "/api/v1/statuses", json={"status": "steal", "media_ids": ids}, headers=mallory.headers
        )
        assert_error(r, 422, "not found or already attached to another post")
    assert await row_counts(container.db) == before
    assert media_files(settings) == files
    # Hers is still hers to post, and mallory's still free.
    assert (
        len((await post(client, alice, "mine", media_ids=[hers["id"]]))["media_attachments"]) == 1
    )
    assert (
        await client.get(f"/api/v1/media/{mine['id']}", headers=mallory.headers)
    ).status_code == 200


async def test_media_of_a_hidden_status_are_not_shown(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice, stranger = await make_user("alice"), await make_user("stranger")
    media = await uploaded(client, alice, pictures.png())
    status = await post(
        client, alice, "friends only", media_ids=[media["id"]], visibility="private"
    )
    r = await client.get(f"/api/v1/statuses/{status['id']}", headers=stranger.headers)
    assert_error(r, 404, "Record not found")
    r = await client.get(
        f"/api/v1/accounts/{alice.id}/statuses?only_media=true", headers=stranger.headers
    )
    assert r.status_code == 200 and r.json() == []
    r = await client.get(f"/api/v1/media/{media['id']}", headers=stranger.headers)
    assert_error(r, 404, "Record not found")


async def test_deleting_a_status_removes_its_files_and_rows(
    client: httpx.AsyncClient, make_user: MakeUser, settings: Settings, container: Container
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    kept = await uploaded(client, alice, pictures.png())  # unattached: stays
    a = await uploaded(client, alice, pictures.png())
    b = await uploaded(client, alice, pictures.jpeg_with_gps())
    status = await post(client, alice, "bye", media_ids=[a["id"], b["id"]])
    # A repost carries no media of its own: undoing it leaves the original's.
    repost = (
        await client.post(f"/api/v1/statuses/{status['id']}/reblog", headers=bob.headers)
    ).json()
    assert repost["media_attachments"] == []
    assert [m["id"] for m in repost["reblog"]["media_attachments"]] == [a["id"], b["id"]]
    await client.post(f"/api/v1/statuses/{status['id']}/unreblog", headers=bob.headers)
    assert len(media_files(settings)) == 6

    r = await client.delete(f"/api/v1/statuses/{status['id']}", headers=alice.headers)
    assert r.status_code == 200
    assert len(media_files(settings)) == 2
    for gone in (a, b):
        assert (await fetch(client, gone["url"])).status_code == 404
    assert (await fetch(client, kept["url"])).status_code == 200
    async with container.db.session() as session:
        left = list(await session.scalars(select(MediaAttachment.id)))
    assert left == [int(kept["id"])]


async def test_only_media_filters_account_and_public_timelines(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    media = await uploaded(client, alice, pictures.png())
    await post(client, alice, "words only")
    pictured = await post(client, alice, "with a picture", media_ids=[media["id"]])
    await client.post(f"/api/v1/statuses/{pictured['id']}/reblog", headers=bob.headers)

    r = await client.get(f"/api/v1/accounts/{alice.id}/statuses", params={"only_media": "true"})
    assert [s["id"] for s in r.json()] == [pictured["id"]]
    r = await client.get(f"/api/v1/accounts/{alice.id}/statuses")
    assert len(r.json()) == 2
    # Bob's repost has no media of its own.
    r = await client.get(f"/api/v1/accounts/{bob.id}/statuses", params={"only_media": "true"})
    assert r.json() == []
    r = await client.get("/api/v1/timelines/public", params={"only_media": "true"})
    assert [s["id"] for s in r.json()] == [pictured["id"]]


async def test_media_files_route_serves_only_our_names(
    client: httpx.AsyncClient, make_user: MakeUser, settings: Settings
) -> None:
    alice = await make_user("alice")
    media = await uploaded(client, alice, pictures.png())
    key = media["url"].removeprefix("http://testserver/system/media/")
    secret = Path(settings.media_dir).parent / "secret.txt"
    secret.write_text("database password")
    for path in (
        "/system/media/../secret.txt",
        "/system/media/%2e%2e/secret.txt",
        "/system/media/..%2fsecret.txt",
        "/system/media/" + key.replace(".png", ".jpg"),
        "/system/media/" + key.split("/")[0],
        "/system/media/ab/cd/00000000000000000000000000000000.png",
        "/system/media/",
    ):
        r = await client.get(path)
        assert r.status_code == 404, path
        assert r.json() == {"error": "Record not found"}, path
    head = await client.head(media["url"])
    assert head.status_code == 200 and head.headers["content-type"] == "image/png"


async def test_failed_row_write_removes_the_files(container: Container, settings: Settings) -> None:
    # No such account: the row's foreign key fails after both files were written.
    with pytest.raises(Exception):  # noqa: B017 - the database's own integrity error
        await container.media_actions.do_upload(424242, pictures.png())
    assert media_files(settings) == []
    assert (await row_counts(container.db))["media_attachments"] == 0


async def test_sweep_removes_day_old_unattached_uploads_only(
    client: httpx.AsyncClient, make_user: MakeUser, settings: Settings, container: Container
) -> None:
    alice = await make_user("alice")
    stale = await uploaded(client, alice, pictures.png())
    posted = await uploaded(client, alice, pictures.png())
    await post(client, alice, "kept", media_ids=[posted["id"]])
    now = utcnow()
    assert await container.media_actions.sweep(now) == 0  # fresh: kept
    assert await container.media_actions.sweep(now + timedelta(hours=25)) == 1
    assert (await fetch(client, stale["url"])).status_code == 404
    assert (await fetch(client, posted["url"])).status_code == 200
    assert len(media_files(settings)) == 2
    assert await container.media_actions.sweep(now + timedelta(hours=25)) == 0


async def test_instance_advertises_media_limits(client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/instance", "/api/v2/instance"):
        config = (await client.get(path)).json()["configuration"]
        assert config["statuses"]["max_media_attachments"] == 9
        media = config["media_attachments"]
        assert sorted(media["supported_mime_types"]) == [
            "image/gif",
            "image/jpeg",
            "image/png",
            "image/webp",
        ]
        assert media["image_size_limit"] == 16 * 1024 * 1024
        assert media["image_matrix_limit"] == 40_000_000


async def test_edit_keeps_reorders_adds_and_drops_pictures(
    client: httpx.AsyncClient, make_user: MakeUser, settings: Settings, container: Container
) -> None:
    alice, mallory = await make_user("alice"), await make_user("mallory")
    a = await uploaded(client, alice, pictures.png())
    b = await uploaded(client, alice, pictures.png())
    status = await post(client, alice, "two", media_ids=[a["id"], b["id"]])
    path = f"/api/v1/statuses/{status['id']}"

    # Without media_ids the pictures stay; with the same list too.
    r = await client.put(path, json={"status": "edited"}, headers=alice.headers)
    assert [m["id"] for m in r.json()["media_attachments"]] == [a["id"], b["id"]]
    r = await client.put(
        path, json={"status": "same", "media_ids": [a["id"], b["id"]]}, headers=alice.headers
    )
    assert [m["id"] for m in r.json()["media_attachments"]] == [a["id"], b["id"]]

    # Someone else's upload: refused, and nothing changes.
    theirs = await uploaded(client, mallory, pictures.png())
    before = await row_counts(container.db)
    r = await client.put(
        path, json={"status": "steal", "media_ids": [a["id"], theirs["id"]]}, headers=alice.headers
    )
    assert_error(r, 422, f"Media {theirs['id']} not found")
    assert await row_counts(container.db) == before
    seen = (await client.get(path, headers=alice.headers)).json()
    assert "same" in seen["content"] and len(seen["media_attachments"]) == 2

    # Reorder, add one, drop one; the text may now be empty.
    c = await uploaded(client, alice, pictures.webp())
    r = await client.put(
        path, json={"status": "", "media_ids": [c["id"], a["id"]]}, headers=alice.headers
    )
    assert r.status_code == 200, r.text
    assert [m["id"] for m in r.json()["media_attachments"]] == [c["id"], a["id"]]
    assert (await fetch(client, b["url"])).status_code == 404
    assert (await fetch(client, c["url"])).status_code == 200
    # alice's two pictures and mallory's unattached one: 3 x (file + preview).
    assert len(media_files(settings)) == 6


async def test_two_racing_posts_cannot_share_a_picture(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    media = await uploaded(client, alice, pictures.png())
    body = {"status": "race", "media_ids": [media["id"]]}
    first, second = await asyncio.gather(
        client.post("/api/v1/statuses", json=body, headers=alice.headers),
        client.post("/api/v1/statuses", json=body, headers=alice.headers),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 422]
    r = await client.get(f"/api/v1/accounts/{alice.id}/statuses")
    assert len(r.json()) == 1 and len(r.json()[0]["media_attachments"]) == 1
