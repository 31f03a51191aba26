"""The compose box counts Weibo units in the browser by the same rule as the server: the same
cases that pin `myna.lib.text.weibo_length` down are run through the page's own counter."""

import re

import pytest
from playwright.sync_api import Browser, expect

from myna.lib.text import weibo_length
from tests.e2e.browser import open_person
from tests.lib.test_text import LENGTHS

pytestmark = pytest.mark.e2e

# Beyond the pinned cases: characters made of several code points, and odd links.
MORE = [
    "1\ufe0f\u20e3 keycap",
    "👨‍👩‍👧‍👦 family",
    "🇨🇳🇺🇸🇯",
    "👍🏽",
    "http://x https://例子.com",
    "ＡＢＣ #话题# @bob https://a.b/c)",
    "",
]


def test_the_page_counts_like_the_server(server: str, browser: Browser) -> None:
    person = open_person(browser, server, "counter", "en-US")
    page = person.page
    page.goto("/")  # the signed-out front page, which has no compose box: load the script
    page.add_script_tag(url="/static/compose.js")
    texts = [text for text, _units in LENGTHS] + MORE
    counted = page.evaluate("texts => texts.map(t => window.MynaText.weiboLength(t))", texts)
    for text, browser_units in zip(texts, counted, strict=True):
        assert browser_units == weibo_length(text), text
    assert counted[: len(LENGTHS)] == [units for _text, units in LENGTHS]
    assert not person.errors
    person.context.close()


def test_the_counter_shows_what_is_left_as_the_person_types(server: str, browser: Browser) -> None:
    person = open_person(browser, server, "typist", "zh-CN")
    page = person.page
    page.goto("/")
    page.get_by_label("用户名", exact=True).fill("typist")
    page.get_by_label("邮箱", exact=True).fill("typist@example.test")
    page.locator("#sign-up-password").fill("correct horse battery")
    page.get_by_label("我接受本站的规则。").check()
    page.get_by_role("button", name="注册").click()
    box = page.locator("#status")
    counter = page.locator("#counter")
    box.fill("你好" + "a" * 3 + " https://example.com/a/very/long/path")
    # (expect waits: the page's script may still be starting when the box is first filled)
    expect(counter).to_have_text(str(140 - weibo_length(box.input_value())))
    box.fill("好" * 141)
    expect(counter).to_have_text("-1")
    expect(counter).to_have_class(re.compile(r"\bover\b"))
    assert not person.errors
    person.context.close()
