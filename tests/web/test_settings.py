"""The settings pages, driven through their forms like a browser without JavaScript."""

import io
from pathlib import Path

import httpx
import pytest
from PIL import Image

from myna.config import Settings
from myna.container import Container
from myna.lib.errors import NotFound
from myna.lib.passwords import verify_password
from myna.web import i18n
from myna.web.session import COOKIE, WEB_APP_NAME
from tests import pictures
from tests.conftest import MakeUser, row_counts
from tests.web.forms import PASSWORD, csrf_of, sign_in


async def save(client: httpx.AsyncClient, section: str, data: dict[str, str]) -> httpx.Response:
    csrf = csrf_of((await client.get(f"/settings/{section}")).text)
    return await client.post(f"/settings/{section}", data={"csrf": csrf, **data})


async def test_settings_need_signing_in(client: httpx.AsyncClient) -> None:
    for section in ("", "/profile", "/privacy", "/password", "/apps", "/blocks", "/language"):
        r = await client.get(f"/settings{section}")
        assert r.status_code == 303
        assert r.headers["location"] == f"/auth/sign_in?next=/settings{section}"


async def test_settings_open_on_the_profile_page_with_a_menu(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    await make_user("alice")
    await sign_in(client, "alice")
    r = await client.get("/settings")
    assert r.status_code == 303 and r.headers["location"] == "/settings/profile"
    page = (await client.get("/settings/profile")).text
    for section in ("profile", "privacy", "password", "apps", "blocks", "mutes", "language"):
        assert f'href="/settings/{section}"' in page
    assert 'href="/settings/profile" aria-current="page"' in page
    assert '<label for="display_name">' in page and '<label for="note">' in page


async def test_edit_profile(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    r = await save(
        client, "profile", {"display_name": " 爱丽丝 ", "note": "写代码\r\n\r\n<i>hi</i>"}
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/settings/profile?saved=1"
    assert "Your profile is saved." in (await client.get(r.headers["location"])).text
    account = await container.account_reads.one(alice.id)
    assert account.display_name == "爱丽丝"
    assert account.note == "写代码\n\n<i>hi</i>"
    profile = (await client.get("/@alice")).text
    assert "爱丽丝" in profile and "&lt;i&gt;hi&lt;/i&gt;" in profile
    form = (await client.get("/settings/profile")).text
    assert 'value="爱丽丝"' in form and "&lt;i&gt;hi&lt;/i&gt;</textarea>" in form


async def test_edit_profile_rejects_too_long_text_and_keeps_what_was_typed(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    before = await row_counts(container.db)
    r = await save(client, "profile", {"display_name": "名" * 31, "note": "ok"})
    assert r.status_code == 422
    assert "Display name is too long (at most 30 characters)" in r.text
    assert 'value="' + "名" * 31 + '"' in r.text
    r = await save(client, "profile", {"display_name": "ok", "note": "x" * 501})
    assert r.status_code == 422
    assert "Note is too long (at most 500 characters)" in r.text
    client.cookies.set(i18n.LANG_COOKIE, "zh_CN")
    r = await save(client, "profile", {"display_name": "名" * 31})
    assert r.status_code == 422
    assert "昵称太长" in r.text
    account = await container.account_reads.one(alice.id)
    assert account.display_name == "" and account.note == ""
    assert await row_counts(container.db) == before


async def test_forged_forms_change_nothing(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    before = await row_counts(container.db)
    for section, data in (
        ("profile", {"display_name": "mallory"}),
        ("privacy", {"locked": "1", "default_visibility": "followers"}),
        (
            "password",
            {"current_password": PASSWORD, "new_password": "x" * 12, "repeat_password": "x" * 12},
        ),
        ("language", {"locale": "zh_CN"}),
    ):
        for csrf in ("0" * 40, ""):
            r = await client.post(f"/settings/{section}", data={"csrf": csrf, **data})
            assert r.status_code == 403, section
            assert "This form has expired" in r.text
    account = await container.account_reads.one(alice.id)
    assert account.display_name == "" and not account.locked and account.locale == ""
    assert verify_password(account.password_hash, PASSWORD)
    assert await row_counts(container.db) == before
    assert i18n.LANG_COOKIE not in client.cookies


async def test_privacy_settings(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    page = (await client.get("/settings/privacy")).text
    assert 'name="discoverable" value="1" checked' in page
    assert '<option value="public" selected>' in page
    r = await save(client, "privacy", {"locked": "1", "default_visibility": "followers"})
    assert r.status_code == 303
    account = await container.account_reads.one(alice.id)
    assert account.locked and not account.discoverable
    assert account.default_visibility == "followers"
    page = (await client.get("/settings/privacy?saved=1")).text
    assert 'name="locked" value="1" checked' in page
    assert '<option value="followers" selected>' in page
    assert "Your privacy settings are saved." in page
    # Unticking a box turns it off.
    await save(client, "privacy", {"discoverable": "1", "default_visibility": "unlisted"})
    account = await container.account_reads.one(alice.id)
    assert not account.locked and account.discoverable
    assert account.default_visibility == "unlisted"


async def test_privacy_rejects_an_unknown_default(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    before = await row_counts(container.db)
    for bad in ("direct", "group", "", "everyone"):
        r = await save(client, "privacy", {"locked": "1", "default_visibility": bad})
        assert r.status_code == 422, bad
        assert "Please choose who may see your posts by default." in r.text
    account = await container.account_reads.one(alice.id)
    assert not account.locked and account.default_visibility == "public"
    assert await row_counts(container.db) == before


async def test_change_password_keeps_this_browser_signed_in(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    new = "a much better passphrase"
    r = await save(
        client,
        "password",
        {"current_password": PASSWORD, "new_password": new, "repeat_password": new},
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/settings/password?saved=1"
    page = await client.get("/settings/password?saved=1")
    assert page.status_code == 200 and "Your password is changed." in page.text
    account = await container.account_reads.one(alice.id)
    assert verify_password(account.password_hash, new)
    assert await container.account_reads.authenticate("alice", new) is not None
    assert await container.account_reads.authenticate("alice", PASSWORD) is None


async def test_change_password_errors(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    before = await row_counts(container.db)
    cases = [
        (
            {
                "current_password": "wrong one!",
                "new_password": "x" * 12,
                "repeat_password": "x" * 12,
            },
            "Current password is wrong",
        ),
        (
            {"current_password": "", "new_password": "x" * 12, "repeat_password": "x" * 12},
            "Current password is wrong",
        ),
        (
            {"current_password": PASSWORD, "new_password": "short", "repeat_password": "short"},
            "Password is too short (at least 8 characters)",
        ),
        (
            {"current_password": PASSWORD, "new_password": "", "repeat_password": ""},
            "Password is too short",
        ),
        (
            {
                "current_password": PASSWORD,
                "new_password": "x" * 2000,
                "repeat_password": "x" * 2000,
            },
            "Password is too long",
        ),
        (
            {"current_password": PASSWORD, "new_password": "x" * 12, "repeat_password": "y" * 12},
            "The two new passwords do not match.",
        ),
    ]
    for data, message in cases:
        r = await save(client, "password", data)
        assert r.status_code == 422, message
        assert message in r.text
        assert 'role="alert"' in r.text
        assert PASSWORD not in r.text  # passwords are never sent back
    account = await container.account_reads.one(alice.id)
    assert verify_password(account.password_hash, PASSWORD)
    assert await row_counts(container.db) == before


async def test_authorized_apps_and_revoking_one(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")  # holds a token of the "tests" app
    await sign_in(client, "alice")
    page = (await client.get("/settings/apps")).text
    assert "<strong>tests</strong>" in page
    assert f"<strong>{WEB_APP_NAME}</strong>" in page
    assert "This browser" in page
    api = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    assert api.status_code == 200
    apps = await container.account_reads.authorized_apps(alice.id)
    tests_app = next(a.app for a in apps if a.app.name == "tests")
    r = await client.post(f"/settings/apps/{tests_app.id}/revoke", data={"csrf": csrf_of(page)})
    assert r.status_code == 303 and r.headers["location"] == "/settings/apps?saved=1"
    page = (await client.get("/settings/apps?saved=1")).text
    assert "<strong>tests</strong>" not in page and "Access revoked." in page
    api = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    assert api.status_code == 401
    assert (await client.get("/settings/apps")).status_code == 200  # still signed in here


async def test_revoking_the_web_app_signs_out(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    page = (await client.get("/settings/apps")).text
    apps = await container.account_reads.authorized_apps(alice.id)
    web = next(a.app for a in apps if a.app.name == WEB_APP_NAME)
    r = await client.post(f"/settings/apps/{web.id}/revoke", data={"csrf": csrf_of(page)})
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert COOKIE not in client.cookies
    r = await client.get("/settings/apps")
    assert r.status_code == 303


async def test_revoking_apps_one_does_not_hold_is_a_404(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    await make_user("alice")
    bob = await make_user("bob")
    await sign_in(client, "alice")
    bobs_app = await container.app_actions.do_create_app(
        name="bob's app", redirect_uris="urn:ietf:wg:oauth:2.0:oob", scopes="read", website=None
    )
    await container.app_actions.do_issue_token(bobs_app.app.id, bob.id, "read")
    csrf = csrf_of((await client.get("/settings/apps")).text)
    before = await row_counts(container.db)
    for bad in (str(bobs_app.app.id), "12345", "nope"):
        r = await client.post(f"/settings/apps/{bad}/revoke", data={"csrf": csrf})
        assert r.status_code == 404, bad
    r = await client.post(f"/settings/apps/{bobs_app.app.id}/revoke", data={"csrf": "0" * 40})
    assert r.status_code == 403
    assert await row_counts(container.db) == before
    names = [a.app.name for a in await container.account_reads.authorized_apps(bob.id)]
    assert "bob's app" in names


async def test_choose_language(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    page = (await client.get("/settings/language")).text
    assert 'value="en" checked' in page and 'value="zh_CN"' in page
    r = await save(client, "language", {"locale": "zh_CN"})
    assert r.status_code == 303
    assert client.cookies.get(i18n.LANG_COOKIE) == "zh_CN"
    assert (await container.account_reads.one(alice.id)).locale == "zh_CN"
    page = (await client.get(r.headers["location"])).text
    assert "语言已保存。" in page and 'value="zh_CN" checked' in page
    before = await row_counts(container.db)
    r = await save(client, "language", {"locale": "fr"})
    assert r.status_code == 422
    assert "请选择一种语言。" in r.text
    assert (await container.account_reads.one(alice.id)).locale == "zh_CN"
    assert await row_counts(container.db) == before


async def test_settings_pages_in_chinese(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    await make_user("alice")
    await sign_in(client, "alice")
    client.cookies.set(i18n.LANG_COOKIE, "zh_CN")
    pages = {
        "profile": "编辑资料",
        "privacy": "仅粉丝可见",
        "password": "修改密码",
        "apps": "授权应用",
        "blocks": "黑名单",
        "mutes": "已屏蔽的用户",
        "language": "界面语言",
    }
    for section, text in pages.items():
        r = await client.get(f"/settings/{section}")
        assert r.status_code == 200
        assert text in r.text, section


async def test_authorized_apps_read(container: Container, make_user: MakeUser) -> None:
    """`AccountReads.authorized_apps`: apps with live tokens only, newest first; and
    `authorized_app` is a 404 for an app the account holds no live token of."""
    alice, bob = await make_user("alice"), await make_user("bob")
    other = await container.app_actions.do_create_app(
        name="other", redirect_uris="urn:ietf:wg:oauth:2.0:oob", scopes="read", website=None
    )
    first, _raw = await container.app_actions.do_issue_token(other.app.id, alice.id, "read")
    second, _raw = await container.app_actions.do_issue_token(other.app.id, alice.id, "read")
    apps = await container.account_reads.authorized_apps(alice.id)
    assert [a.app.name for a in apps] == ["other", "tests"]
    assert apps[0].token_ids == [first.id, second.id]
    await container.app_actions.do_revoke_token(first.id)
    found = await container.account_reads.authorized_app(alice.id, other.app.id)
    assert found.token_ids == [second.id]
    await container.app_actions.do_revoke_token(second.id)
    assert [a.app.name for a in await container.account_reads.authorized_apps(alice.id)] == [
        "tests"
    ]
    with pytest.raises(NotFound):
        await container.account_reads.authorized_app(alice.id, other.app.id)
    with pytest.raises(NotFound):
        await container.account_reads.authorized_app(bob.id, other.app.id)


async def test_update_credentials_saves_the_locale(
    container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    account = await container.account_actions.do_update_credentials(alice.id, locale="zh_CN")
    assert account.locale == "zh_CN"
    assert (await container.account_reads.one(alice.id)).locale == "zh_CN"


# Avatar and header


def media_files(settings: Settings) -> list[Path]:
    root = Path(settings.media_dir)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def save_with_files(
    client: httpx.AsyncClient,
    data: dict[str, str],
    files: list[tuple[str, tuple[str, bytes, str]]],
) -> httpx.Response:
    csrf = csrf_of((await client.get("/settings/profile")).text)
    return await client.post("/settings/profile", data={"csrf": csrf, **data}, files=files)


async def test_profile_form_takes_pictures(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    await make_user("alice")
    await sign_in(client, "alice")
    page = (await client.get("/settings/profile")).text
    assert 'enctype="multipart/form-data"' in page
    for field in ("avatar", "header"):
        assert f'<label for="{field}">' in page
        assert f'type="file" id="{field}" name="{field}" accept="image/*"' in page
    assert 'src="/static/avatar.png"' in page and 'src="/static/header.png"' in page
    # Nothing to remove yet.
    assert "remove_avatar" not in page and "remove_header" not in page


async def test_upload_avatar_and_header_then_remove_them(
    client: httpx.AsyncClient,
    container: Container,
    settings: Settings,
    make_user: MakeUser,
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    r = await save_with_files(
        client,
        {"display_name": "Alice", "note": ""},
        [
            ("avatar", ("me.jpg", pictures.jpeg_with_gps(), "image/jpeg")),
            ("header", ("wide.png", pictures.png(900, 200), "image/png")),
        ],
    )
    assert r.status_code == 303, r.text
    account = await container.account_reads.one(alice.id)
    assert account.display_name == "Alice"
    assert account.avatar_key and account.header_key
    page = (await client.get("/settings/profile")).text
    avatar_url = container.storage.url(account.avatar_key)
    header_url = container.storage.url(account.header_key)
    assert f'src="{avatar_url}"' in page and f'src="{header_url}"' in page
    assert 'name="remove_avatar"' in page and 'name="remove_header"' in page
    served = await client.get(avatar_url)
    assert Image.open(io.BytesIO(served.content)).size == (400, 400)
    assert len(media_files(settings)) == 2

    # A file left empty changes nothing; a ticked box removes the picture and its file.
    r = await save_with_files(client, {"display_name": "Alice", "remove_avatar": "1"}, [])
    assert r.status_code == 303
    account = await container.account_reads.one(alice.id)
    assert account.avatar_key is None and account.header_key is not None
    assert (await client.get(avatar_url)).status_code == 404
    assert len(media_files(settings)) == 1
    page = (await client.get("/settings/profile")).text
    assert 'src="/static/avatar.png"' in page and "remove_avatar" not in page


async def test_a_bad_picture_is_422_and_changes_nothing(
    client: httpx.AsyncClient,
    container: Container,
    settings: Settings,
    make_user: MakeUser,
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    before = await row_counts(container.db)
    r = await save_with_files(
        client,
        {"display_name": "New name", "note": "new bio"},
        [
            ("avatar", ("fine.png", pictures.png(), "image/png")),
            ("header", ("notes.txt", pictures.TEXT, "text/plain")),
        ],
    )
    assert r.status_code == 422
    assert "“notes.txt” could not be read as a picture." in r.text
    assert 'value="New name"' in r.text and "new bio</textarea>" in r.text
    account = await container.account_reads.one(alice.id)
    assert account.display_name == "" and account.note == ""
    assert account.avatar_key is None and account.header_key is None
    assert media_files(settings) == []
    assert await row_counts(container.db) == before

    client.cookies.set(i18n.LANG_COOKIE, "zh_CN")
    big = pictures.png()[:8] + bytes(settings.media_max_bytes + 1)
    r = await save_with_files(client, {}, [("avatar", ("big.png", big, "image/png"))])
    assert r.status_code == 422
    assert "“big.png”太大" in r.text
    assert media_files(settings) == []
