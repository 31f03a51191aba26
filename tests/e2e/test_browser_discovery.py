"""Issue 9's web interface in a real browser: Alice (English, a desktop screen), Bob (Chinese, a
phone screen) and Carol find posts, people and topics through the search box, watch a topic
climb the hot-topics board (热搜榜), follow it from its page and get its next post live on their
home page, and are told whom to follow.

The server refreshes the board every second and lets a topic trend from two people on, so the
test does not wait for the production minute or need a crowd. Screenshots of the search page
and the board in both languages go to docs/screenshots/."""

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.browser import Person, open_person
from tests.e2e.conftest import running_server
from tests.e2e.test_browser import card, post, sign_up, stays, still_there

pytestmark = pytest.mark.e2e

# Long enough for the board's one-second refresh, several times over.
BOARD_TIMEOUT_S = 15.0


@pytest.fixture(scope="module")
def lively_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_server(
        tmp_path_factory.mktemp("discovery"),
        housekeeping_interval_seconds="0.5",
        trends_refresh_seconds="0.5",
        trends_min_accounts="2",
    ) as base:
        yield base


@pytest.fixture(scope="module")
def people(lively_server: str, browser: Browser) -> Iterator[tuple[Person, Person, Person]]:
    alice = open_person(browser, lively_server, "alice", "en-US")
    bob = open_person(browser, lively_server, "bob", "zh-CN", phone=True)
    carol = open_person(browser, lively_server, "carol", "en-US")
    yield alice, bob, carol
    for person in (alice, bob, carol):
        person.context.close()


def follow(page: Page, username: str) -> None:
    page.goto(f"/@{username}")
    page.locator("form[action$='/follow'] button").first.click()
    expect(page.locator("form[action$='/unfollow'] button").first).to_be_visible()


def search_from_header(page: Page, q: str) -> None:
    box = page.locator("form.site-search input[name=q]")
    box.fill(q)
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q="))


def on_the_board(page: Page, row: Locator) -> None:
    """The board is a page, not a live stream: look again until the row is on it."""
    deadline = time.monotonic() + BOARD_TIMEOUT_S
    while not row.count() and time.monotonic() < deadline:
        page.wait_for_timeout(500)
        page.reload()
    expect(row).to_be_visible()


def test_people_find_posts_topics_and_each_other(
    people: tuple[Person, Person, Person], tmp_path: Path
) -> None:
    alice, bob, carol = people
    a, b, c = alice.page, bob.page, carol.page
    sign_up(a, "alice")
    sign_up(b, "bob")
    sign_up(c, "carol")
    follow(b, "carol")
    follow(a, "bob")

    # Whom to follow: Carol, whom Bob follows. Alice is not interested; Carol goes.
    a.goto("/")
    suggestions = a.locator("section.suggestions")
    expect(suggestions).to_contain_text("Followed by people you follow")
    expect(suggestions.locator("a[href='/@carol']").first).to_be_visible()
    suggestions.get_by_role("button", name="Not interested @carol").click()
    expect(a.locator("section.suggestions a[href='/@carol']")).to_have_count(0)

    # Carol and Bob post about a topic; a word in the middle of Carol's sentence finds hers.
    post(c, "我今天在北京大学图书馆看书 #读书日#")
    post(b, "#读书日# 今天读完了三体，太震撼了")
    a.goto("/")
    search_from_header(a, "图书馆")
    expect(card(a, "北京大学图书馆看书")).to_be_visible()
    expect(a.locator("article.status", has_text="三体")).to_have_count(0)
    alice.shot("search-en")
    a.get_by_role("link", name="People", exact=True).click()
    a.locator("#search-q").fill("car")
    a.locator("#search-q").press("Enter")
    expect(a.locator("ul.accounts a[href='/@carol']").first).to_be_visible()

    # Bob looks for his own post, in Chinese, on his phone.
    b.goto("/search")
    b.locator("#search-q").fill("三体")
    b.locator("#search-q").press("Enter")
    expect(card(b, "今天读完了三体")).to_be_visible()
    bob.shot("search-zh")

    # Two people on one topic within the hour: it climbs the board.
    b.goto("/hot")
    row = b.locator("li.topic-row", has_text="#读书日#").first
    on_the_board(b, row)
    expect(row.locator("svg.spark")).to_have_attribute(
        "aria-label", re.compile(r"最近七天每天的微博数：0, 0, 0, 0, 0, 0, 2")
    )
    expect(row).to_contain_text("今天2人在讨论")
    bob.shot("hot-zh")
    a.goto("/hot")
    expect(a.locator("li.topic-row", has_text="#读书日#")).to_be_visible()
    alice.shot("hot-en")

    # Alice follows the topic from its page; Carol's next post about it reaches her home live.
    a.locator("li.topic-row a.topic-name", has_text="#读书日#").click()
    a.get_by_role("button", name="Follow topic").click()
    expect(a.get_by_role("button", name="Unfollow topic")).to_be_visible()
    a.goto("/")
    stays(a)
    post(c, "#读书日# 下一本读《活着》")
    bar = a.locator("#new-posts")
    expect(bar).to_be_visible()
    bar.click()
    expect(card(a, "下一本读《活着》")).to_be_visible()
    still_there(a)

    for person in (alice, bob, carol):
        assert not person.errors, (person.name, person.errors)
