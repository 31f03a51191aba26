"""Settings › Your data in a real browser against a real `myna serve`: Alice (English) asks for
an archive, the page reloads itself until it is ready, and she downloads it; Bob (Chinese, a
phone screen) imports a following list and watches it finish. Every control has a name a
screen reader can say (checked with each screenshot, docs/screenshots/data-*.png)."""

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.browser import Person, open_person
from tests.e2e.conftest import running_server
from tests.e2e.test_browser import follow, sign_up

pytestmark = pytest.mark.e2e

# The page reloads every 3 s while something runs; a job here takes well under a second.
READY_MS = 15_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server of this module's own with, in scale mode, a `myna worker` beside it: there the
    archive and the import are jobs of the Redis queue (embedded mode runs them in the
    server)."""
    with running_server(tmp_path_factory.mktemp("data"), worker=True) as base:
        yield base


@pytest.fixture(scope="module")
def people(server: str, browser: Browser) -> Iterator[tuple[Person, Person]]:
    alice = open_person(browser, server, "alice", "en-US")
    bob = open_person(browser, server, "bob", "zh-CN", phone=True)
    yield alice, bob
    alice.context.close()
    bob.context.close()


def test_export_and_import_in_the_browser(
    server: str, people: tuple[Person, Person], tmp_path: Path
) -> None:
    alice, bob = people
    a, b = alice.page, bob.page
    domain = urlsplit(server).netloc
    sign_up(a, "alice")
    sign_up(b, "bob")
    follow(a, "bob")

    a.goto("/settings")
    a.get_by_role("link", name="Your data").click()
    expect(a.locator("#settings-heading")).to_have_text("Your data")
    alice.shot("data-en")
    a.get_by_role("button", name="Ask for an archive").click()
    download_link = a.locator("#archive-download")
    expect(download_link).to_be_visible(timeout=READY_MS)  # after a reload or two
    with a.expect_download() as started:
        download_link.click()
    saved = tmp_path / "archive.zip"
    started.value.save_as(saved)
    archive = zipfile.ZipFile(io.BytesIO(saved.read_bytes()))
    following = archive.read("following_accounts.csv").decode()
    assert f"bob@{domain},true,false," in following

    b.goto("/settings/data")
    expect(b.locator("#settings-heading")).to_have_text("你的数据")
    b.get_by_label("文件类型").select_option("following")
    b.get_by_label("合并：添加文件中的内容").check()
    b.get_by_label("CSV 文件").set_input_files(
        {
            "name": "following.csv",
            "mimeType": "text/csv",
            "buffer": following.replace("bob", "alice").encode(),
        }
    )
    b.locator("form[action='/settings/data/import'] button[type=submit]").click()
    row = b.locator("#imports tbody tr").first
    expect(row).to_contain_text("已完成", timeout=READY_MS)
    expect(row).to_contain_text("1 / 1")
    b.locator("#import-heading").evaluate("el => el.scrollIntoView()")  # form and progress
    bob.shot("data-zh")
    assert not alice.errors and not bob.errors, (alice.errors, bob.errors)
    b.goto("/@alice")
    expect(b.locator("form[action$='/unfollow'] button").first).to_be_visible()
