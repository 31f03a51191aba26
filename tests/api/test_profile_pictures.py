"""Avatars and headers: uploaded with update_credentials (multipart, as Mastodon clients send
them), cropped to Mastodon's sizes, shown in the Account entity, replaced and removed; a bad
picture is a 422 that changes nothing and leaves no file behind."""

import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from myna.actions.accounts import AVATAR_SIZE, HEADER_SIZE
from myna.config import Settings
from myna.container import Container
from myna.lib.errors import NotFound
from myna.lib.images import Limits
from tests import pictures
from tests.conftest import BASE_URL, MakeUser, User, row_counts

DEFAULT_AVATAR = f"{BASE_URL}/static/avatar.png"
DEFAULT_HEADER = f"{BASE_URL}/static/header.png"
MEDIA = f"{BASE_URL}/system/media/"


def media_files(settings: Settings) -> list[Path]:
    root = Path(settings.media_dir)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def update(
    client: httpx.AsyncClient,
    user: User,
    files: dict[str, tuple[str, bytes, str]],
    **fields: str,
) -> httpx.Response:
    return await client.patch(
        "/api/v1/accounts/update_credentials", files=files, data=fields, headers=user.headers
    )


async def picture_at(client: httpx.AsyncClient, url: str) -> Image.Image:
    assert url.startswith(MEDIA), url
    r = await client.get(url)
    assert r.status_code == 200
    return Image.open(io.BytesIO(r.content))


async def test_avatar_upload_is_cropped_square_and_shown_everywhere(
    client: httpx.AsyncClient, make_user: MakeUser, settings: Settings
) -> None:
    alice = await make_user("alice")
    me = (await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)).json()
    assert me["avatar"] == me["avatar_static"] == DEFAULT_AVATAR
    assert me["header"] == me["header_static"] == DEFAULT_HEADER

    r = await update(
        client,
        alice,
        {"avatar": ("me.jpg", pictures.jpeg_with_gps(800, 600), "image/jpeg")},
        display_name="Alice",
    )
    assert r.status_code == 200, r.text
    entity = r.json()
    assert entity["display_name"] == "Alice"
    assert entity["avatar"].startswith(MEDIA) and entity["avatar"].endswith(".jpg")
    assert entity["avatar_static"] == entity["avatar"]
    assert entity["header"] == DEFAULT_HEADER
    assert "source" in entity  # the CredentialAccount
    avatar = await picture_at(client, entity["avatar"])
    assert avatar.size == AVATAR_SIZE and avatar.format == "JPEG"
    assert not avatar.getexif()  # no GPS, no camera: EXIF is gone
    assert len(media_files(settings)) == 1

    # Every entity that shows the account shows the picture.
    public = (await client.get(f"/api/v1/accounts/{alice.id}")).json()
    assert public["avatar"] == entity["avatar"]
    found = (await client.get("/api/v1/accounts/lookup", params={"acct": "alice"})).json()
    assert found["avatar"] == entity["avatar"]


async def test_header_is_cropped_to_1500x500_and_a_gif_is_kept_as_a_still(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    r = await update(
        client,
        alice,
        {
            "header": ("wide.png", pictures.png(300, 200), "image/png"),
            "avatar": ("moving.gif", pictures.animated_gif(), "image/gif"),
        },
    )
    assert r.status_code == 200, r.text
    entity = r.json()
    header = await picture_at(client, entity["header"])
    assert header.size == HEADER_SIZE and header.format == "PNG"
    assert entity["header_static"] == entity["header"]
    avatar = await picture_at(client, entity["avatar"])
    assert avatar.size == AVATAR_SIZE and avatar.format == "PNG"
    assert getattr(avatar, "n_frames", 1) == 1


async def test_a_webp_stays_webp(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    alice = await make_user("alice")
    r = await update(client, alice, {"avatar": ("a.webp", pictures.webp(), "image/webp")})
    assert r.status_code == 200, r.text
    avatar = await picture_at(client, r.json()["avatar"])
    assert avatar.format == "WEBP" and avatar.size == AVATAR_SIZE


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (pictures.TEXT, "Avatar: File type is not supported"),
        (pictures.SVG, "Avatar: File type is not supported"),
        (pictures.truncated_jpeg(), "Avatar: File could not be read"),
        (pictures.bomb_png(), "Avatar: Image is too large"),
    ],
    ids=["text", "svg", "truncated", "bomb"],
)
async def test_not_a_picture_is_422_and_changes_nothing(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    settings: Settings,
    container: Container,
    data: bytes,
    fragment: str,
) -> None:
    alice = await make_user("alice")
    before = await row_counts(container.db)
    r = await update(
        client,
        alice,
        {
            "header": ("fine.png", pictures.png(), "image/png"),
            "avatar": ("bad.png", data, "image/png"),
        },
        display_name="Changed",
    )
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error.startswith("Validation failed: ") and fragment in error, error
    account = await container.account_reads.one(alice.id)
    assert account.display_name == "" and account.avatar_key is None
    assert account.header_key is None
    assert media_files(settings) == []  # the header's file, written first, is gone again
    assert await row_counts(container.db) == before


async def test_too_large_and_too_many_pixels(
    client: httpx.AsyncClient, make_user: MakeUser, settings: Settings, container: Container
) -> None:
    alice = await make_user("alice")
    data = pictures.png()[:8] + bytes(settings.media_max_bytes + 10)
    r = await update(client, alice, {"header": ("big.png", data, "image/png")})
    assert r.status_code == 422 and "Header: File is too large" in r.json()["error"]
    container.media_actions.limits = Limits(max_pixels=100 * 100)
    r = await update(client, alice, {"header": ("wide.png", pictures.png(101, 100), "image/png")})
    assert r.status_code == 422 and "Header: Image is too large" in r.json()["error"]
    assert media_files(settings) == []
    assert (await container.account_reads.one(alice.id)).header_key is None


async def test_replacing_deletes_the_old_file_and_delete_goes_back_to_the_default(
    client: httpx.AsyncClient, make_user: MakeUser, settings: Settings
) -> None:
    alice = await make_user("alice")
    first = (await update(client, alice, {"avatar": ("1.png", pictures.png(), "image/png")})).json()
    r = await update(client, alice, {"avatar": ("2.png", pictures.png(50, 60), "image/png")})
    second = r.json()
    assert second["avatar"] != first["avatar"]
    assert (await client.get(first["avatar"])).status_code == 404
    assert (await client.get(second["avatar"])).status_code == 200
    r = await update(client, alice, {"header": ("h.png", pictures.png(), "image/png")})
    assert len(media_files(settings)) == 2

    r = await client.delete("/api/v1/profile/avatar", headers=alice.headers)
    assert r.status_code == 200, r.text
    entity = r.json()
    assert entity["avatar"] == entity["avatar_static"] == DEFAULT_AVATAR
    assert entity["header"].startswith(MEDIA) and "source" in entity
    assert (await client.get(second["avatar"])).status_code == 404
    r = await client.delete("/api/v1/profile/header", headers=alice.headers)
    assert r.status_code == 200 and r.json()["header"] == DEFAULT_HEADER
    assert media_files(settings) == []
    # Removing what is not there is fine, as on Mastodon.
    r = await client.delete("/api/v1/profile/avatar", headers=alice.headers)
    assert r.status_code == 200 and r.json()["avatar"] == DEFAULT_AVATAR


async def test_pictures_need_write_accounts(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    reader = await make_user("reader", scopes="read")
    r = await update(client, reader, {"avatar": ("a.png", pictures.png(), "image/png")})
    assert r.status_code == 403
    r = await client.delete("/api/v1/profile/avatar", headers=reader.headers)
    assert r.status_code == 403
    r = await client.delete("/api/v1/profile/header")
    assert r.status_code == 401


async def test_text_only_update_keeps_the_pictures(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    entity = (
        await update(client, alice, {"avatar": ("a.png", pictures.png(), "image/png")})
    ).json()
    r = await client.patch(
        "/api/v1/accounts/update_credentials", json={"note": "hi"}, headers=alice.headers
    )
    assert r.status_code == 200 and r.json()["avatar"] == entity["avatar"]


async def test_a_failed_row_write_removes_the_new_file(
    container: Container, settings: Settings
) -> None:
    with pytest.raises(NotFound):
        await container.account_actions.do_update_credentials(424242, avatar=pictures.png())
    assert media_files(settings) == []


async def test_statuses_and_notifications_render_without_errors(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    """Entities rendered elsewhere (a status's account) show the stored picture too."""
    alice = await make_user("alice")
    entity = (
        await update(client, alice, {"avatar": ("a.png", pictures.png(), "image/png")})
    ).json()
    r = await client.post("/api/v1/statuses", data={"status": "hello"}, headers=alice.headers)
    assert r.status_code == 200, r.text
    status: dict[str, Any] = r.json()
    assert status["account"]["avatar"] == entity["avatar"]
