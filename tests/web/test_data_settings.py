"""Settings › Your data: asking for an archive and downloading it, importing a CSV file and
watching its progress, through the CSRF-protected forms like a browser without JavaScript."""

import io
import re
import zipfile

import httpx

from myna.container import Container
from tests.api.test_archive import DOMAIN, Held, finish_jobs
from tests.conftest import MakeUser, row_counts
from tests.web.forms import csrf, post_as, sign_in, submit

PAGE = "/settings/data"


async def upload(
    client: httpx.AsyncClient, data: bytes, kind: str = "following", mode: str = "merge"
) -> httpx.Response:
    return await submit(
        client,
        f"{PAGE}/import",
        {"type": kind, "mode": mode},
        page=PAGE,
        files=[("data", ("following_accounts.csv", data, "text/csv"))],
    )


async def test_the_page_needs_signing_in_and_is_in_the_settings_menu(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    r = await client.get(PAGE)
    assert r.status_code == 303 and r.headers["location"] == f"/auth/sign_in?next={PAGE}"
    r = await client.get(f"{PAGE}/archive.zip")
    assert r.status_code == 303
    await make_user("alice")
    await sign_in(client, "alice")
    page = (await client.get(PAGE)).text
    assert f'href="{PAGE}" aria-current="page">Your data</a>' in page
    assert "You have not asked for an archive yet." in page
    assert "You have not imported anything." in page
    assert 'http-equiv="refresh"' not in page
    # Every control has a label (the browser tests check accessible names the same way).
    for control in ("import-type", "import-mode-merge", "import-mode-overwrite", "import-file"):
        assert f'<label for="{control}"' in page or f'for="{control}">' in page, control
        assert f'id="{control}"' in page
    r = await client.get(PAGE, headers={"Accept-Language": "zh-CN"})
    assert "你的数据" in r.text and "导出存档" in r.text


async def test_ask_for_an_archive_and_download_it(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await post_as(container, alice, "写点什么")
    await sign_in(client, "alice")
    r = await client.get(f"{PAGE}/archive.zip")
    assert r.status_code == 404

    held = Held()
    container.archive_actions.background = held  # the job waits: the page says so
    r = await submit(client, f"{PAGE}/export", page=PAGE)
    assert r.status_code == 303 and r.headers["location"] == f"{PAGE}?requested=1"
    page = (await client.get(r.headers["location"])).text
    assert "Your archive is being prepared" in page
    assert '<meta http-equiv="refresh" content="3">' in page
    assert f'action="{PAGE}/export"' not in page  # one at a time

    container.archive_actions.background = container.background
    export = await container.archive_reads.latest(alice.id)
    assert export is not None
    await container.archive_actions.build(export.id)
    page = (await client.get(PAGE)).text
    assert 'http-equiv="refresh"' not in page
    assert f'href="{PAGE}/archive.zip"' in page and "Download the archive" in page
    r = await client.get(f"{PAGE}/archive.zip")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert "outbox.json" in zipfile.ZipFile(io.BytesIO(r.content)).namelist()

    r = await submit(client, f"{PAGE}/export", page=PAGE)  # a new one replaces it
    assert r.status_code == 303
    await finish_jobs(container)
    assert "Download the archive" in (await client.get(PAGE)).text


async def test_forms_without_their_token_change_nothing(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    await make_user("alice")
    await make_user("bob")
    await sign_in(client, "alice")
    before = await row_counts(container.db)
    r = await client.post(f"{PAGE}/export", data={"csrf": "0" * 32})
    assert r.status_code == 403
    r = await client.post(
        f"{PAGE}/import",
        data={"type": "blocks", "mode": "merge"},
        files=[("data", ("b.csv", f"bob@{DOMAIN}\n".encode(), "text/csv"))],
    )
    assert r.status_code == 403
    await finish_jobs(container)
    assert await row_counts(container.db) == before


async def test_import_a_file_and_watch_its_progress(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await make_user("bob")
    await sign_in(client, "alice")
    actions = container.import_actions
    actions.background = Held()  # held: the page shows it waiting
    data = f"Account address,Show boosts\nbob@{DOMAIN},true\nghost@{DOMAIN},true\n".encode()
    r = await upload(client, data)
    assert r.status_code == 303 and r.headers["location"] == f"{PAGE}?imported=1"
    page = (await client.get(r.headers["location"])).text
    assert "Your file was accepted." in page
    assert '<meta http-equiv="refresh"' in page
    assert re.search(r'<progress max="2" value="0"', page)
    assert "0 of 2" in page and "Waiting" in page

    (found,) = await container.import_reads.recent(alice.id)
    while await actions.step(found.id):
        pass
    page = (await client.get(PAGE)).text
    assert 'http-equiv="refresh"' not in page
    assert "2 of 2" in page and "Done" in page
    assert re.search(r'<td class="failed">1</td>', page)
    assert "Why rows failed" in page and "No account has this address here" in page
    r = await client.get(PAGE, headers={"Accept-Language": "zh-CN"})
    assert "本站没有这个地址的用户" in r.text and "2 / 2" in r.text


async def test_a_refused_file_is_explained_and_writes_nothing(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    await make_user("alice")
    await make_user("bob")
    await sign_in(client, "alice")
    before = await row_counts(container.db)
    r = await upload(client, f"bob@{DOMAIN},true,false,\n".encode(), kind="lists")
    assert r.status_code == 422
    assert "Line 1 does not fit the type of file you chose." in r.text
    assert '<option value="lists" selected>' in r.text  # what was chosen is kept
    assert 'aria-invalid="true"' in r.text
    r = await upload(client, b"\x89PNG\r\n\x1a\n\x00\x00", kind="blocks", mode="overwrite")
    assert r.status_code == 422 and "The file is not a CSV file." in r.text
    assert 'id="import-mode-overwrite" name="mode" value="overwrite" checked' in r.text
    token = await csrf(client, PAGE)
    r = await client.post(
        f"{PAGE}/import",
        data={"csrf": token, "type": "blocks"},
        files=[("data", ("big.csv", b"x" * (1024 * 1024 + 1), "text/csv"))],
        headers={"Accept-Language": "zh-CN"},
    )
    assert r.status_code == 422 and "文件太大" in r.text
    await finish_jobs(container)
    assert await row_counts(container.db) == before
