"""Bad input through the forms in a real browser: the page says what is wrong, keeps what was
typed, and nothing is written. (tests/web/ covers every form the same way without a browser.)"""

import re

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.browser import open_person
from tests.e2e.test_browser import sign_up

pytestmark = pytest.mark.e2e


def _public_count(server: str) -> int:
    return len(httpx.get(f"{server}/api/v1/timelines/public?limit=40").json())


def test_the_page_tells_what_is_wrong_and_nothing_changes(server: str, browser: Browser) -> None:
    person = open_person(browser, server, "mallory", "zh-CN")
    page = person.page
    sign_up(page, "mallory")
    victim = open_person(browser, server, "victim", "en-US")
    sign_up(victim.page, "victim")
    victim.page.locator("#status").fill("victim's post")
    victim.page.locator("#compose button[type=submit]").click()
    expect(victim.page.locator("#timeline")).to_contain_text("victim's post")
    before = _public_count(server)

    # Blank (the browser's own check lets spaces through; the server does not).
    page.goto("/")
    page.locator("#status").fill("   ")
    page.locator("#compose button[type=submit]").click()
    expect(page.locator("#compose-error")).to_be_visible()
    expect(page.locator("#status")).to_have_attribute("aria-invalid", "true")

    # Over the limit: the counter warns, the server refuses, the draft is kept.
    long = "这是一条非常长的微博。" * 15
    page.locator("#status").fill(long)
    expect(page.locator("#counter")).to_have_text(re.compile(r"^-\d+$"))
    page.locator("#compose button[type=submit]").click()
    expect(page.locator("#compose-error")).to_contain_text("140")
    expect(page.locator("#status")).to_have_value(long)

    # A forged CSRF token: refused with a message, in Chinese here.
    page.locator("#status").fill("伪造的表单")
    page.locator("#compose input[name=csrf]").evaluate("input => input.value = '0'.repeat(40)")
    page.locator("#compose button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("表单已过期")

    # Another person's post: a delete form aimed at it is a "not found" page.
    victim_post = httpx.get(f"{server}/api/v1/timelines/public?limit=1").json()[0]["id"]
    page.goto("/")
    page.evaluate(
        """id => {
            const form = document.createElement("form");
            form.method = "post";
            form.action = "/web/statuses/" + id + "/delete";
            form.innerHTML = '<input name="csrf">';
            form.querySelector("input").value =
                document.querySelector("#compose input[name=csrf]").value;
            document.body.appendChild(form);
            form.submit();
        }""",
        victim_post,
    )
    expect(page.locator("main h1")).to_have_text("找不到页面")
    assert _public_count(server) == before
    assert "victim's post" in httpx.get(f"{server}/api/v1/statuses/{victim_post}").text
    person.context.close()
    victim.context.close()
