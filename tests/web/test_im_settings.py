"""Settings › Instant messaging: linking an XMPP address through the forms, like a browser
without JavaScript. The gateway does not run here; the codes it would send are read from the
broker's `im` channel."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from myna.config import Settings
from myna.container import Container
from myna.events import messages as channels
from myna.events.messages import Message
from myna.web import i18n
from tests.conftest import MakeUser, row_counts
from tests.web.conftest import Person
from tests.web.forms import press, sign_in, submit

PAGE = "/settings/im"
Codes = dict[str, list[str]]  # address -> the codes sent to it, oldest first


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """The suite's settings with a gateway configured; a test changes some with
    `@pytest.mark.parametrize("settings", [{...}], indirect=True)`."""
    changes = getattr(request, "param", None) or {}
    return settings.model_copy(update={"xmpp_secret": "test-secret", **changes})


@pytest.fixture
async def codes(app: FastAPI) -> AsyncIterator[Codes]:
    """The codes `do_start` hands the gateway, heard where the gateway hears them."""
    sent: Codes = {}

    async def capture(message: Message) -> None:
        if message.event == "im.code":
            sent.setdefault(message.extra["address"], []).append(message.extra["code"])

    hub = app.state.hub
    await hub.start()  # the test client skips the lifespan that would start it
    await hub.serve(channels.IM, capture)
    yield sent
    await hub.stop()


async def code_for(codes: Codes, address: str, count: int = 1) -> str:
    """The newest code sent to `address`, once `count` of them have arrived."""
    for _ in range(200):  # the hub and the Redis broker deliver asynchronously
        if len(codes.get(address, ())) >= count:
            return codes[address][-1]
        await asyncio.sleep(0.01)
    raise AssertionError(f"no code reached {address}")


async def post(client: httpx.AsyncClient, action: str, **data: str) -> httpx.Response:
    return await submit(client, action, data, page=PAGE)


async def link(client: httpx.AsyncClient, codes: Codes, address: str) -> None:
    count = len(codes.get(address, ())) + 1
    r = await post(client, PAGE, address=address)
    assert r.status_code == 303, r.text
    r = await post(client, f"{PAGE}/confirm", code=await code_for(codes, address, count))
    assert r.status_code == 303, r.text


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def test_the_page_needs_signing_in_and_is_in_the_settings_menu(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    r = await client.get(PAGE)
    assert r.status_code == 303
    assert r.headers["location"] == f"/auth/sign_in?next={PAGE}"
    await make_user("alice")
    await sign_in(client, "alice")
    assert f'href="{PAGE}"' in (await client.get("/settings/profile")).text
    page = (await client.get(PAGE)).text
    assert f'href="{PAGE}" aria-current="page"' in page
    assert '<label for="im-address">Your XMPP address</label>' in page
    assert 'id="im-address" name="address"' in page
    assert "Send a code" in page


@pytest.mark.parametrize("settings", [{"xmpp_secret": ""}], indirect=True)
async def test_without_a_gateway_the_page_says_so_and_has_no_form(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    r = await client.get(PAGE)
    assert r.status_code == 200
    assert "This server has no instant messaging gateway" in r.text
    assert f'action="{PAGE}' not in r.text and 'name="address"' not in r.text
    client.cookies.set(i18n.LANG_COOKIE, "zh_CN")
    assert "本站没有即时通讯网关" in (await client.get(PAGE)).text
    # A form from elsewhere is refused by the action, and writes nothing.
    before = await row_counts(container.db)
    r = await post(client, PAGE, address="alice@example.org")
    assert r.status_code == 422
    assert await row_counts(container.db) == before
    assert await container.im_reads.link(alice.id) is None


async def test_linking_an_address_with_the_code_sent_to_it(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser, codes: Codes
) -> None:
    alice = await make_user("Alice")
    await sign_in(client, "Alice")
    r = await post(client, PAGE, address=" Alice@Example.ORG ")
    assert r.status_code == 303
    assert r.headers["location"] == f"{PAGE}?saved=1"
    page = (await client.get(r.headers["location"])).text
    assert "A code was sent to alice@example.org." in page
    assert '<label for="im-code">Code</label>' in page
    assert "Send again" in page and "Cancel" in page
    assert 'name="address"' in page  # only the hidden one of "Send again"
    assert 'id="im-address"' not in page
    pending = await container.im_reads.link(alice.id)
    assert pending is not None and pending.confirmed_at is None
    assert await container.im_reads.sender("alice@example.org") is None

    # Asking again at once is refused: a code per minute at most.
    r = await press(client, PAGE, PAGE)
    assert r.status_code == 422
    assert "A code was sent less than a minute ago; wait for it" in r.text
    assert len(codes["alice@example.org"]) == 1

    r = await post(client, f"{PAGE}/confirm", code=await code_for(codes, "alice@example.org"))
    assert r.status_code == 303
    assert r.headers["location"] == f"{PAGE}?saved=1"
    page = (await client.get(r.headers["location"])).text
    assert "Linked to alice@example.org." in page
    assert "Your instant messaging settings are saved." in page
    assert '<code id="im-my-address">alice@myna.localhost</code>' in page
    assert '<code id="im-rooms">handle@groups.myna.localhost</code>' in page
    assert '<label class="check" for="im-notify">' in page
    assert 'name="notify" value="1">' in page  # off until asked for
    assert f'action="{PAGE}/unlink"' in page and 'name="code"' not in page
    linked = await container.im_reads.link(alice.id)
    assert linked is not None and linked.confirmed_at is not None and not linked.notify
    assert await container.im_reads.sender("alice@example.org") == alice.id

    client.cookies.set(i18n.LANG_COOKIE, "zh_CN")
    page = (await client.get(PAGE)).text
    assert "已绑定 alice@example.org。" in page and "把我的通知发送到这个地址" in page


async def test_a_wrong_code_is_refused_and_the_link_stays_pending(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser, codes: Codes
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    await post(client, PAGE, address="alice@example.org")
    code = await code_for(codes, "alice@example.org")
    r = await post(client, f"{PAGE}/confirm", code=_wrong(code))
    assert r.status_code == 422
    assert "Code is not the one sent" in r.text
    assert "A code was sent to alice@example.org." in r.text
    assert f'value="{_wrong(code)}"' in r.text  # what was typed is kept
    assert 'aria-invalid="true"' in r.text and "settings-error im-code-hint" in r.text
    pending = await container.im_reads.link(alice.id)
    assert pending is not None and pending.confirmed_at is None
    assert await container.im_reads.sender("alice@example.org") is None

    client.cookies.set(i18n.LANG_COOKIE, "zh_CN")
    r = await post(client, f"{PAGE}/confirm", code=_wrong(code))
    assert r.status_code == 422 and "验证码不正确" in r.text
    client.cookies.delete(i18n.LANG_COOKIE)

    # The right code still works.
    r = await post(client, f"{PAGE}/confirm", code=code)
    assert r.status_code == 303
    assert await container.im_reads.sender("alice@example.org") == alice.id


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("not an address", "Address must be an XMPP address like name@example.org"),
        ("example.org", "Address must be an XMPP address like name@example.org"),
        ("", "Address must be an XMPP address like name@example.org"),
        ("bob@myna.localhost", "Address is one of this server&#39;s own"),
        ("room@groups.myna.localhost", "Address is one of this server&#39;s own"),
    ],
)
async def test_a_bad_address_is_refused_and_nothing_is_written(
    client: httpx.AsyncClient,
    container: Container,
    make_user: MakeUser,
    codes: Codes,
    address: str,
    message: str,
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    before = await row_counts(container.db)
    r = await post(client, PAGE, address=address)
    assert r.status_code == 422
    assert message in r.text
    assert 'role="alert"' in r.text and 'aria-invalid="true"' in r.text
    assert f'name="address" value="{address}"' in r.text  # what was typed is kept
    assert await row_counts(container.db) == before
    assert await container.im_reads.link(alice.id) is None
    await asyncio.sleep(0.05)
    assert codes == {}


async def test_forms_without_the_csrf_token_change_nothing(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser, codes: Codes
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    forged = {"csrf": "0" * 64}
    for fields in ({}, forged):
        r = await client.post(PAGE, data={**fields, "address": "alice@example.org"})
        assert r.status_code == 403
        assert "This form has expired" in r.text
    assert await container.im_reads.link(alice.id) is None

    await link(client, codes, "alice@example.org")
    before = await row_counts(container.db)
    for action, data in ((f"{PAGE}/notify", {"notify": "1"}), (f"{PAGE}/unlink", {})):
        for fields in ({}, forged):
            r = await client.post(action, data={**fields, **data})
            assert r.status_code == 403
    r = await client.post(f"{PAGE}/confirm", data={"code": "123456"})
    assert r.status_code == 403
    assert await row_counts(container.db) == before
    linked = await container.im_reads.link(alice.id)
    assert linked is not None and linked.confirmed_at is not None and not linked.notify


async def test_notifications_to_the_address_on_and_off(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser, codes: Codes
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    # Nothing linked yet: there is nothing to send notifications to.
    before = await row_counts(container.db)
    r = await post(client, f"{PAGE}/notify", notify="1")
    assert r.status_code == 404 and "No address is linked" in r.text
    assert await row_counts(container.db) == before

    await link(client, codes, "alice@example.org")
    r = await post(client, f"{PAGE}/notify", notify="1")
    assert r.status_code == 303
    assert 'name="notify" value="1" checked>' in (await client.get(PAGE)).text
    found = await container.im_reads.link(alice.id)
    assert found is not None and found.notify

    # The box unticked: the browser sends no `notify` at all.
    r = await press(client, PAGE, f"{PAGE}/notify")
    assert r.status_code == 303
    assert 'name="notify" value="1">' in (await client.get(PAGE)).text
    found = await container.im_reads.link(alice.id)
    assert found is not None and not found.notify


async def test_cancel_a_pending_link_and_unlink_a_made_one(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser, codes: Codes
) -> None:
    alice = await make_user("alice")
    await sign_in(client, "alice")
    await post(client, PAGE, address="alice@example.org")
    r = await press(client, PAGE, f"{PAGE}/unlink")  # "Cancel"
    assert r.status_code == 303
    assert await container.im_reads.link(alice.id) is None
    page = (await client.get(r.headers["location"])).text
    assert "No XMPP address is linked now." in page and 'id="im-address"' in page
    # The code sent before the cancel is no use now.
    r = await post(client, f"{PAGE}/confirm", code=await code_for(codes, "alice@example.org"))
    assert r.status_code == 404 and "No link is waiting for a code" in r.text
    assert await container.im_reads.link(alice.id) is None

    await link(client, codes, "alice@example.org")
    r = await press(client, PAGE, f"{PAGE}/unlink")
    assert r.status_code == 303
    assert await container.im_reads.link(alice.id) is None
    assert await container.im_reads.sender("alice@example.org") is None
    page = (await client.get(PAGE)).text
    assert "Linked to" not in page and 'id="im-address"' in page

    before = await row_counts(container.db)
    r = await post(client, f"{PAGE}/unlink")
    assert r.status_code == 404 and "No address is linked" in r.text
    assert await row_counts(container.db) == before


async def test_one_person_never_sees_or_touches_another_s_link(
    person: Person, container: Container, codes: Codes
) -> None:
    async with person("alice") as (alice, a), person("bob") as (bob, b):
        await post(alice, PAGE, address="alice@example.org")
        code = await code_for(codes, "alice@example.org")
        page = (await bob.get(PAGE)).text
        assert "alice@example.org" not in page and 'id="im-address"' in page

        # Bob has nothing pending: Alice's code confirms nothing of his, nor of hers.
        r = await post(bob, f"{PAGE}/confirm", code=code)
        assert r.status_code == 404 and "No link is waiting for a code" in r.text
        assert "alice@example.org" not in r.text
        assert await container.im_reads.link(b.id) is None
        pending = await container.im_reads.link(a.id)
        assert pending is not None and pending.confirmed_at is None

        r = await post(alice, f"{PAGE}/confirm", code=code)
        assert r.status_code == 303
        page = (await bob.get(PAGE)).text
        assert "alice@example.org" not in page and "Linked to" not in page
        assert "alice@myna.localhost" not in page

        # Bob cannot take her address, nor undo her link from his page.
        r = await post(bob, PAGE, address="alice@example.org")
        assert r.status_code == 422
        assert "Address is linked to another account; unlink it there" in r.text
        r = await post(bob, f"{PAGE}/unlink")
        assert r.status_code == 404
        r = await post(bob, f"{PAGE}/notify", notify="1")
        assert r.status_code == 404
        linked = await container.im_reads.link(a.id)
        assert linked is not None and linked.confirmed_at is not None and not linked.notify
        assert await container.im_reads.sender("alice@example.org") == a.id
        assert await container.im_reads.link(b.id) is None
