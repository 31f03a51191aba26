"""Issue 10's web side in a real browser, beside a real Prosody: Alice (English, a desktop
screen) links her XMPP address on the settings page with the code her IM client receives,
then talks from that IM client with Bob (Chinese, a phone screen), who answers in his
browser's chat, live, both ways; and in their group, where Bob writes on the web and Alice
in her IM client's room. Screenshots of the settings page in both languages go to
docs/screenshots/."""

import re
from collections.abc import Callable, Iterator
from xml.etree.ElementTree import Element

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.browser import Person, open_person
from tests.e2e.conftest import running_server
from tests.e2e.prosody import Prosody, running_prosody
from tests.e2e.test_browser import send, sign_up, stays, still_there
from tests.e2e.xmpp import Client, bare, body, local_name

pytestmark = pytest.mark.e2e

PEOPLE = "myna.localhost"
ROOMS = "groups.myna.localhost"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def im_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Prosody]]:
    root = tmp_path_factory.mktemp("browser-im")
    with running_prosody(root / "prosody", people=PEOPLE, groups=ROOMS) as prosody:
        (root / "myna").mkdir()
        settings = {
            "xmpp_secret": prosody.secret,
            "xmpp_port": str(prosody.component_port),
            "xmpp_domain": PEOPLE,
        }
        with running_server(root / "myna", gateway=True, **settings) as base:
            yield base, prosody


@pytest.fixture(scope="module")
def people(im_server: tuple[str, Prosody], browser: Browser) -> Iterator[tuple[Person, Person]]:
    base, _prosody = im_server
    alice = open_person(browser, base, "alice", "en-US")
    bob = open_person(browser, base, "bob", "zh-CN", phone=True)
    yield alice, bob
    for person in (alice, bob):
        person.context.close()


def _from(sender: str, text: str | None = None) -> Callable[[Element], bool]:
    def match(el: Element) -> bool:
        if local_name(el) != "message" or bare(el.get("from", "")) != sender:
            return False
        return text is None or body(el) == text

    return match


def _link(person: Person, client: Client, address: str) -> None:
    """On the settings page: the address, then the code the IM client got."""
    page = person.page
    page.goto("/settings")
    page.locator("a[href='/settings/im']").first.click()
    page.locator("#im-address").fill(address)
    page.locator("form[action='/settings/im'] button[type=submit]").click()
    expect(page.locator("#im-pending")).to_contain_text(address)
    code = re.search(r"\b(\d{6})\b", body(client.wait_for(_from(PEOPLE))) or "")
    assert code
    page.locator("#im-code").fill(code.group(1))
    page.locator("form[action='/settings/im/confirm'] button[type=submit]").click()
    expect(page.locator("main")).to_contain_text(address)
    expect(page.locator("main")).to_contain_text(f"{person.name}@{PEOPLE}")


def test_linking_in_the_browser_and_chatting_from_an_im_client(
    im_server: tuple[str, Prosody], people: tuple[Person, Person]
) -> None:
    _base, prosody = im_server
    alice, bob = people
    a, b = alice.page, bob.page
    sign_up(a, "alice")
    sign_up(b, "bob")
    with (
        Client(prosody, prosody.register("alice", PASSWORD), PASSWORD) as alice_im,
        Client(prosody, prosody.register("bob", PASSWORD), PASSWORD) as bob_im,
    ):
        _link(alice, alice_im, f"alice@{prosody.host}")
        alice.shot("im-settings-en")
        _link(bob, bob_im, f"bob@{prosody.host}")
        bob.shot("im-settings-zh")

        # Alice writes from her IM client; Bob reads it in his browser, live, and answers.
        b.goto("/messages")
        stays(b)
        alice_im.chat(f"bob@{PEOPLE}", "Bob，我在用 XMPP 客户端给你发消息")
        row = b.locator("li[id^='conversation-']").first
        expect(row).to_contain_text("XMPP 客户端")
        still_there(b)
        row.locator("a.conversation-link").click()
        expect(b.locator("#chat-log")).to_contain_text("XMPP 客户端")
        send(b, "收到！网页上也能看到")
        alice_im.wait_for(_from(f"bob@{PEOPLE}", "收到！网页上也能看到"))

        # Their group: Bob writes on the web, Alice reads and answers in her IM client's room.
        b.goto("/groups")
        b.locator("#group-name").fill("XMPP 测试组")
        b.locator("#group-handle").fill("xmpp_test")
        b.locator("form[action='/web/groups'] button[type=submit]").click()
        expect(b).to_have_url(re.compile(r"/groups/\w+$"))
        group_page = "/groups/" + b.url.rsplit("/groups/", 1)[1]
        a.goto(group_page)
        a.locator("form[action$='/join'] button").first.click()
        expect(a.locator("#chat-send")).to_be_visible()
        room = f"xmpp_test@{ROOMS}"
        entered = alice_im.join(room, "Alice")
        assert entered.get("type") is None, entered
        b.goto(group_page)
        stays(b)
        send(b, "网页上的一句话")
        alice_im.wait_for(
            lambda el: el.get("from") == f"{room}/bob" and body(el) == "网页上的一句话"
        )
        alice_im.groupchat(room, "IM 里的回答")
        expect(b.locator("#chat-log")).to_contain_text("IM 里的回答")
        still_there(b)

    assert not alice.errors, alice.errors
    assert not bob.errors, bob.errors
