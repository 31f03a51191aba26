"""Issue 7's acceptance in a real browser: Alice (English, a desktop screen) and Bob (Chinese, a
phone screen), each in a browser context of their own, use Myna through its pages against a
real `myna serve`. What one does reaches the other's open page without a reload.

The test saves screenshots of the main pages in both languages under docs/screenshots/."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser import Person, open_person
from tests.pictures import encode, gradient

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
# Set on a page's window; still there later only if the page was never reloaded.
STAY = "window.__myna_stayed = true"
STAYED = "window.__myna_stayed === true"


@pytest.fixture(scope="module")
def people(server: str, browser: Browser) -> Iterator[tuple[Person, Person]]:
    alice = open_person(browser, server, "alice", "en-US")
    bob = open_person(browser, server, "bob", "zh-CN", phone=True)
    yield alice, bob
    alice.context.close()
    bob.context.close()


def sign_up(page: Page, username: str) -> None:
    page.goto("/")
    page.locator("#sign-up-username").fill(username)
    page.locator("#sign-up-email").fill(f"{username}@example.test")
    page.locator("#sign-up-password").fill(PASSWORD)
    page.locator("input[name=agreement]").check()
    page.locator("form[action='/auth/sign_up'] button[type=submit]").click()
    expect(page.locator("#status")).to_be_visible()


def follow(page: Page, username: str) -> None:
    page.goto(f"/@{username}")
    page.locator("form[action$='/follow'] button").first.click()
    expect(page.locator("form[action$='/unfollow'] button").first).to_be_visible()


def post(page: Page, text: str) -> None:
    page.goto("/")
    page.locator("#status").fill(text)
    page.locator("#compose button[type=submit]").click()
    expect(page.locator("#timeline").get_by_text(text.split()[0]).first).to_be_visible()


def card(page: Page, text: str):  # type: ignore[no-untyped-def]
    return page.locator("article.status", has_text=text).first


def stays(page: Page) -> None:
    """Marks the page, once it listens: its live connection has its streams in place."""
    expect(page.locator("html[data-live='1']")).to_have_count(1)
    page.evaluate(STAY)


def still_there(page: Page) -> None:
    assert page.evaluate(STAYED), "the page was reloaded"


def test_two_people_use_myna_in_their_browsers(people: tuple[Person, Person]) -> None:
    alice, bob = people
    a, b = alice.page, bob.page

    # Signing up, following each other.
    sign_up(a, "alice")
    sign_up(b, "bob")
    expect(b.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(b.get_by_role("link", name="首页")).to_be_visible()
    follow(a, "bob")
    follow(b, "alice")

    # Alice puts up a picture of herself and a display name.
    a.goto("/settings/profile")
    a.locator("#display_name").fill("Alice 爱丽丝")
    picture = {
        "name": "me.png",
        "mimeType": "image/png",
        "buffer": encode(gradient(300, 300), "PNG"),
    }
    a.locator("#avatar").set_input_files(picture)
    a.locator("form[action='/settings/profile'] button[type=submit]").click()
    expect(a.locator("img.avatar.large")).to_have_attribute("src", re.compile(r"/system/media/"))

    # Alice posts in Chinese; Bob's open home page shows it when he asks, without a reload.
    b.goto("/")
    stays(b)
    first = "今天天气真好，周末一起去爬山吧！#周末计划#"
    post(a, first)
    bar = b.locator("#new-posts")
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("1")
    bar.click()
    expect(card(b, "周末一起去爬山")).to_be_visible()
    still_there(b)

    # And the other way round.
    a.goto("/")
    stays(a)
    post(b, "好啊！我带相机 📷")
    expect(a.locator("#new-posts")).to_be_visible()
    a.locator("#new-posts").click()
    expect(card(a, "我带相机")).to_be_visible()
    still_there(a)
    # She likes it where it is: the card changes, the page stays.
    card(a, "我带相机").locator("form[action$='/favourite'] button").click()
    liked = card(a, "我带相机").locator("form[action$='/unfavourite'] button")
    expect(liked).to_have_attribute("aria-pressed", "true")
    expect(liked).to_contain_text("1")
    expect(liked).to_be_focused()
    still_there(a)

    # Bob comments on Alice's post from its page; her badge counts it while she stays put.
    a.goto("/notifications")  # the follow so far: read
    a.goto("/")
    expect(a.locator("#unread-badge")).to_be_hidden()
    stays(a)
    card(b, "周末一起去爬山").locator("a.permalink").first.click()
    expect(b).to_have_url(re.compile(r"/@alice/\d+"))
    box = b.locator("#status")
    expect(box).to_have_value(re.compile(r"^@alice\s"))  # the comment box names her already
    box.press("End")
    box.press_sequentially("几点出发？我六点就能到。")
    b.locator("#compose button[type=submit]").click()
    expect(b.locator(".comments, #comments").first).to_contain_text("几点出发")
    badge = a.locator("#unread-badge")
    expect(badge).to_be_visible()
    expect(badge).to_have_text("1")
    still_there(a)

    # He likes it and reposts it.
    status_page = b.url
    b.locator("form[action$='/favourite'] button").first.click()
    b.goto(status_page)
    expect(b.locator("form[action$='/unfavourite'] button").first).to_have_attribute(
        "aria-pressed", "true"
    )
    b.locator("form[action$='/reblog'] button").first.click()
    b.goto(status_page)
    expect(b.locator("form[action$='/unreblog'] button").first).to_be_visible()
    bob.shot("status-zh")

    # Alice sees all three in her notifications.
    a.goto("/notifications")
    notes = a.locator("main")
    expect(notes).to_contain_text("commented")
    expect(notes).to_contain_text("liked")
    expect(notes).to_contain_text("reposted")
    expect(a.locator("#unread-badge")).to_be_hidden()

    a.goto(status_page.replace(b.url.split("/@")[0], ""))
    alice.shot("status-en")
    a.goto("/")
    alice.shot("home-en")
    b.goto("/")
    bob.shot("home-zh")
    a.goto("/@alice")
    alice.shot("profile-en")
    b.goto("/@alice")
    bob.shot("profile-zh")

    # Direct messages: Alice writes to Bob from his profile; he answers in the chat, live.
    b.goto("/messages")
    stays(b)
    a.goto("/@bob")
    a.locator("a[href='/messages/new?to=bob']").first.click()
    send(a, "Bob，周六早上六点山脚下见？")
    expect(a).to_have_url(re.compile(r"/messages/\d+$"))
    conversation = a.url.rsplit("/", 1)[1]
    row = b.locator(f"#conversation-{conversation}")
    expect(row).to_contain_text("六点山脚下见")  # his list of conversations, live
    still_there(b)
    row.locator("a.conversation-link").click()
    expect(b.locator("#chat-log")).to_contain_text("六点山脚下见")
    stays(b)
    a.goto(f"/messages/{conversation}")
    stays(a)
    b.locator("#chat-text").press_sequentially("好")
    expect(a.locator("#chat-typing")).to_contain_text("bob")  # Alice sees him typing
    b.locator("#chat-text").press_sequentially("的，不见不散！")
    b.locator("#chat-text").press("Enter")
    expect(a.locator("#chat-log")).to_contain_text("不见不散")
    send(a, "Great, see you there!")
    expect(b.locator("#chat-log")).to_contain_text("see you there")
    still_there(a)
    still_there(b)
    alice.shot("chat-en")
    bob.shot("chat-zh")

    # A group chat: Alice starts a public group, Bob joins, and they talk in it live.
    a.goto("/groups")
    a.locator("#group-name").fill("周末爬山小组")
    a.locator("#group-handle").fill("hiking")
    a.locator("#group-description").fill("每周末一起去爬山。Hiking every weekend.")
    a.locator("form[action='/web/groups'] button[type=submit]").click()
    expect(a).to_have_url(re.compile(r"/groups/\w+$"))
    group_page = a.url.split(a.url.split("/groups/")[0])[1]
    b.goto(group_page)
    b.locator("form[action$='/join'] button").first.click()
    expect(b.locator("#chat-send")).to_be_visible()
    stays(b)
    a.goto(group_page)
    stays(a)
    send(a, "欢迎 Bob 加入！大家报一下周六能来几位？")
    expect(b.locator("#chat-log")).to_contain_text("报一下周六")
    send(b, "我和两个朋友，一共三位 🙋")
    expect(a.locator("#chat-log")).to_contain_text("一共三位")
    still_there(a)
    still_there(b)
    alice.shot("group-en")
    bob.shot("group-zh")

    # Switching the interface language.
    b.locator(".language-switch button[value=en]").click()
    expect(b.locator("html")).to_have_attribute("lang", "en")
    expect(b.get_by_role("link", name="Home", exact=True)).to_be_visible()
    expect(b).to_have_url(re.compile(re.escape(group_page) + "$"))  # still on the same page
    a.locator(".language-switch button[value=zh_CN]").click()
    expect(a.get_by_role("link", name="首页", exact=True)).to_be_visible()
    a.locator(".language-switch button[value=en]").click()
    expect(a.get_by_role("link", name="Home", exact=True)).to_be_visible()

    # Signing out: the session is gone, not just the page.
    for page in (a, b):
        page.locator("form.sign-out button").click()
        expect(page.locator("form[action='/auth/sign_in']")).to_be_visible()
        page.goto("/notifications")
        expect(page).to_have_url(re.compile(r"/auth/sign_in\?next=/notifications$"))

    assert not alice.errors, alice.errors
    assert not bob.errors, bob.errors


def send(page: Page, text: str) -> None:
    """Types a chat message and sends it with the button."""
    page.locator("#chat-text").fill(text)
    page.locator("#chat-send button[type=submit]").click()
