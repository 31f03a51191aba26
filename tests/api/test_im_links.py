"""Linking an XMPP address for the IM gateway (/api/v1/myna/im): asking for a link sends a code
to the address over the gateway's `im` channel, entering it makes the link, and only a made
link is trusted. The codes are taken from that channel, as the gateway would hear them, and
never appear in an API answer. Times past the code's limits are reached with time-machine."""

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import time_machine
from fastapi import FastAPI

from myna.actions.im_links import RESEND_AFTER
from myna.app import create_app
from myna.config import Settings
from myna.container import Container, build
from myna.events import messages as channels
from myna.events.messages import Message
from myna.streaming.hub import Hub
from tests.conftest import BASE_URL, MakeUser, User, row_counts

URL = "/api/v1/myna/im"
ARRIVAL_TIMEOUT = 10.0


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A server with a gateway: the secret is all it takes to turn linking on."""
    return settings.model_copy(update={"xmpp_secret": "x"})


class Outbox:
    """What the gateway hears on the `im` channel, in order."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.messages: list[Message] = []
        self._arrived = asyncio.Event()
        self._taken: dict[int, int] = {}

    async def hear(self, message: Message) -> None:
        self.messages.append(message)
        self._arrived.set()

    async def wait_until(self, ready: Callable[[], bool], what: str) -> None:
        try:
            async with asyncio.timeout(ARRIVAL_TIMEOUT):
                while not ready():
                    self._arrived.clear()
                    await self._arrived.wait()
        except TimeoutError:
            pytest.fail(f"{what} never arrived; heard {self.messages}")

    def codes_for(self, user: User) -> list[Message]:
        return [m for m in self.messages if m.event == "im.code" and m.account_ids == [user.id]]

    def changes_for(self, user: User) -> list[Message]:
        return [m for m in self.messages if m.event == "im.changed" and m.account_ids == [user.id]]

    @property
    def codes(self) -> list[str]:
        return [m.extra["code"] for m in self.messages if m.event == "im.code"]

    async def code(self, user: User, address: str | None = None) -> str:
        """The next code sent for `user` (to `address`, when given), not taken before."""
        taken = self._taken.get(user.id, 0)
        await self.wait_until(lambda: len(self.codes_for(user)) > taken, f"a code for {user}")
        message = self.codes_for(user)[taken]
        self._taken[user.id] = taken + 1
        if address is not None:
            assert message.extra["address"] == address
        code: str = message.extra["code"]
        assert len(code) == 6 and code.isdigit()
        return code

    async def sync(self) -> None:
        """Wait until everything published so far was heard: a marker published on the same
        channel arrives after it."""
        marker = Message(event="test.marker")
        await self.container.broker.publish(channels.IM, marker.encode())
        await self.wait_until(lambda: any(m.id == marker.id for m in self.messages), "the marker")


@pytest.fixture
async def outbox(app: FastAPI, container: Container) -> AsyncIterator[Outbox]:
    """The app's hub hands the `im` channel to the outbox, as it would to the gateway (tests
    skip the lifespan, which would start the real one)."""
    hub: Hub = app.state.hub
    heard = Outbox(container)
    await hub.start()
    await hub.serve(channels.IM, heard.hear)
    yield heard
    await hub.stop()


@pytest.fixture
def answers(client: httpx.AsyncClient) -> list[str]:
    """The body of every answer from the IM endpoints in the test."""
    bodies: list[str] = []

    async def keep(response: httpx.Response) -> None:
        if response.request.url.path.startswith(URL):
            await response.aread()
            bodies.append(response.text)

    client.event_hooks["response"].append(keep)
    return bodies


@pytest.fixture(autouse=True)
async def codes_stay_secret(outbox: Outbox, answers: list[str]) -> AsyncIterator[None]:
    """In every test: no code the gateway was asked to send is in any answer."""
    yield
    leaked = [code for code in outbox.codes if any(code in body for body in answers)]
    assert leaked == [], "a code appeared in an API answer"


@contextmanager
def after(delay: timedelta) -> Iterator[None]:
    with time_machine.travel(datetime.now(UTC) + delay, tick=True):
        yield


async def show(client: httpx.AsyncClient, who: User) -> dict[str, Any]:
    r = await client.get(URL, headers=who.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def start(client: httpx.AsyncClient, who: User, address: str) -> httpx.Response:
    return await client.post(URL, json={"address": address}, headers=who.headers)


async def confirm(client: httpx.AsyncClient, who: User, code: str) -> httpx.Response:
    return await client.post(f"{URL}/confirm", json={"code": code}, headers=who.headers)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def linked(client: httpx.AsyncClient, outbox: Outbox, who: User, address: str) -> None:
    r = await start(client, who, address)
    assert r.status_code == 200, r.text
    r = await confirm(client, who, await outbox.code(who))
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "linked"


async def trusted(container: Container, address: str) -> int | None:
    """Whom the gateway takes a message from `address` to be from."""
    return await container.im_reads.sender(address)


async def test_nothing_linked(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    alice = await make_user("Alice")
    assert await show(client, alice) == {
        "enabled": True,
        "address": None,
        "state": "none",
        "notify": False,
        "code_sent_at": None,
        "linked_at": None,
        "gateway_address": "alice@myna.localhost",
        "rooms_domain": "groups.myna.localhost",
    }


async def test_without_a_gateway_nothing_can_be_linked(
    settings: Settings, container: Container, make_user: MakeUser, outbox: Outbox
) -> None:
    alice = await make_user("alice")
    plain = settings.model_copy(update={"xmpp_secret": ""})
    services = build(plain)
    try:
        transport = httpx.ASGITransport(app=create_app(plain, services))
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            r = await http.get(URL, headers=alice.headers)
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["enabled"] is False and body["state"] == "none"
            assert body["gateway_address"] is None and body["rooms_domain"] is None
            before = await row_counts(container.db)
            r = await start(http, alice, "alice@example.org")
            assert r.status_code == 422
            assert r.json()["error"] == "Validation failed: this server has no IM gateway"
            assert await row_counts(container.db) == before
    finally:
        await services.close()
    await outbox.sync()
    assert outbox.messages[:-1] == []


@pytest.mark.parametrize(
    "address",
    [
        "alice",  # no @
        "alice example.org",
        "al ice@example.org",
        "alice@exam ple.org",
        "@example.org",
        "alice@",
        "example.org",  # a server, not a person
        "a<b@example.org",
        "a@b@example.org",
        "alice@example.org/",
        "   ",
        # The gateway's own domains, in any case and with the trailing dot of a full name.
        "myna.localhost",
        "alice@myna.localhost",
        "ALICE@Myna.Localhost.",
        "bob@myna.localhost/phone",
        "x@groups.myna.localhost",
        "room@GROUPS.myna.localhost",
        "x@sub.myna.localhost",
    ],
)
async def test_bad_addresses_are_refused_and_nothing_is_stored(
    client: httpx.AsyncClient,
    container: Container,
    make_user: MakeUser,
    outbox: Outbox,
    address: str,
) -> None:
    alice = await make_user("alice")
    before = await row_counts(container.db)
    r = await start(client, alice, address)
    assert r.status_code == 422, r.text
    assert r.json()["error"].startswith("Validation failed")
    assert await row_counts(container.db) == before
    assert (await show(client, alice))["state"] == "none"
    await outbox.sync()
    assert outbox.codes == []


async def test_address_must_be_given(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    before = await row_counts(container.db)
    for body in ({}, {"address": ""}, {"address": None}):
        r = await client.post(URL, json=body, headers=alice.headers)
        assert r.status_code == 422, body
        assert r.json() == {"error": "Validation failed: address can't be blank"}
    r = await start(client, alice, "a" * 990 + "@example.org")  # longer than the API takes
    assert r.status_code == 422
    assert await row_counts(container.db) == before


async def test_start_code_confirm_link(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser, outbox: Outbox
) -> None:
    alice = await make_user("alice")
    r = await start(client, alice, "  Alice@Example.ORG/Phone Home ")
    assert r.status_code == 200, r.text
    pending = r.json()
    assert pending["address"] == "alice@example.org"
    assert pending["state"] == "pending"
    assert pending["code_sent_at"] is not None and pending["linked_at"] is None
    assert pending["notify"] is False and pending["enabled"] is True
    assert await show(client, alice) == pending

    # The gateway hears the code for the bare address, and that the link changed.
    code = await outbox.code(alice, "alice@example.org")
    await outbox.wait_until(lambda: len(outbox.changes_for(alice)) == 1, "im.changed")
    # Nothing from the address is trusted until the code comes back.
    assert await trusted(container, "alice@example.org") is None

    r = await confirm(client, alice, f" {code} ")
    assert r.status_code == 200, r.text
    made = r.json()
    assert made["state"] == "linked" and made["address"] == "alice@example.org"
    assert made["linked_at"] is not None and made["code_sent_at"] is None
    assert made["notify"] is False
    assert await show(client, alice) == made
    assert await trusted(container, "alice@example.org") == alice.id
    await outbox.wait_until(lambda: len(outbox.changes_for(alice)) == 2, "im.changed")

    # The code was for one use: nothing is waiting for a code any more.
    r = await confirm(client, alice, code)
    assert r.status_code == 404
    assert r.json() == {"error": "No link is waiting for a code"}


async def test_confirm_needs_a_pending_link_and_a_code(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    r = await confirm(client, alice, "123456")
    assert r.status_code == 404
    r = await start(client, alice, "alice@example.org")
    assert r.status_code == 200
    r = await client.post(f"{URL}/confirm", json={}, headers=alice.headers)
    assert r.status_code == 422
    assert r.json() == {"error": "Validation failed: code can't be blank"}


async def test_a_wrong_code_leaves_the_link_pending(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser, outbox: Outbox
) -> None:
    alice = await make_user("alice")
    assert (await start(client, alice, "alice@example.org")).status_code == 200
    code = await outbox.code(alice)
    r = await confirm(client, alice, wrong(code))
    assert r.status_code == 422
    assert r.json() == {"error": "Validation failed: code is not the one sent"}
    assert (await show(client, alice))["state"] == "pending"
    assert await trusted(container, "alice@example.org") is None
    r = await confirm(client, alice, code)
    assert r.status_code == 200 and r.json()["state"] == "linked"


async def test_five_wrong_codes_void_the_code(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser, outbox: Outbox
) -> None:
    alice = await make_user("alice")
    assert (await start(client, alice, "alice@example.org")).status_code == 200
    code = await outbox.code(alice)
    for _ in range(5):
        r = await confirm(client, alice, wrong(code))
        assert r.status_code == 422
        assert r.json() == {"error": "Validation failed: code is not the one sent"}
    r = await confirm(client, alice, code)  # right, but too late
    assert r.status_code == 422
    assert r.json() == {"error": "Validation failed: too many wrong codes; ask for a new one"}
    assert (await show(client, alice))["state"] == "pending"
    assert await trusted(container, "alice@example.org") is None

    # A new code (once the minute is over) starts the count again.
    with after(timedelta(seconds=61)):
        assert (await start(client, alice, "alice@example.org")).status_code == 200
        fresh = await outbox.code(alice)
        for _ in range(4):
            assert (await confirm(client, alice, wrong(fresh))).status_code == 422
        r = await confirm(client, alice, fresh)
    assert r.status_code == 200 and r.json()["state"] == "linked"


async def test_an_old_code_is_refused(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser, outbox: Outbox
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    assert (await start(client, alice, "alice@example.org")).status_code == 200
    assert (await start(client, bob, "bob@example.org")).status_code == 200
    alice_code, bob_code = await outbox.code(alice), await outbox.code(bob)

    with after(timedelta(minutes=14, seconds=30)):  # still in time
        r = await confirm(client, bob, bob_code)
    assert r.status_code == 200 and r.json()["state"] == "linked"

    with after(timedelta(minutes=15, seconds=30)):
        r = await confirm(client, alice, alice_code)
        assert r.status_code == 422
        assert r.json() == {"error": "Validation failed: the code has expired; ask for a new one"}
        assert (await show(client, alice))["state"] == "pending"
        assert await trusted(container, "alice@example.org") is None
        # A new code, then, and that one works.
        assert (await start(client, alice, "alice@example.org")).status_code == 200
        r = await confirm(client, alice, await outbox.code(alice))
    assert r.status_code == 200 and r.json()["state"] == "linked"


async def test_resending_waits_a_minute_and_replaces_the_code(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser, outbox: Outbox
) -> None:
    alice = await make_user("alice")
    first = await start(client, alice, "alice@example.org")
    assert first.status_code == 200
    old = await outbox.code(alice)

    # The same address, however written, within the minute: refused, and no code goes out.
    before = await row_counts(container.db)
    for again in ("alice@example.org", "ALICE@example.org/other"):
        r = await start(client, alice, again)
        assert r.status_code == 422
        assert r.json() == {
            "error": "Validation failed: a code was sent less than a minute ago; wait for it"
        }
    assert await row_counts(container.db) == before
    assert await show(client, alice) == first.json()
    await outbox.sync()
    assert len(outbox.codes_for(alice)) == 1

    with after(timedelta(seconds=61)):
        r = await start(client, alice, "alice@example.org")
        assert r.status_code == 200
        assert r.json()["code_sent_at"] > first.json()["code_sent_at"]
        new = await outbox.code(alice, "alice@example.org")
        if new != old:  # one chance in a million that the new code is the old one
            r = await confirm(client, alice, old)
            assert r.status_code == 422
            assert r.json() == {"error": "Validation failed: code is not the one sent"}
        r = await confirm(client, alice, new)
    assert r.status_code == 200 and r.json()["state"] == "linked"


async def test_another_address_replaces_the_pending_one(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser, outbox: Outbox
) -> None:
    alice = await make_user("alice")
    assert (await start(client, alice, "alice@example.org")).status_code == 200
    old = await outbox.code(alice, "alice@example.org")
    assert (await start(client, alice, "alice@other.example")).status_code == 422  # a minute
    with after(RESEND_AFTER):
        r = await start(client, alice, "alice@other.example")
    assert r.status_code == 200
    assert r.json()["address"] == "alice@other.example" and r.json()["state"] == "pending"
    new = await outbox.code(alice, "alice@other.example")
    if new != old:
        assert (await confirm(client, alice, old)).status_code == 422
    assert (await confirm(client, alice, new)).status_code == 200
    assert await trusted(container, "alice@other.example") == alice.id
    assert await trusted(container, "alice@example.org") is None


async def test_a_linked_address_cannot_be_taken_by_another_account(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser, outbox: Outbox
) -> None:
    alice, mallory = await make_user("alice"), await make_user("mallory")
    await linked(client, outbox, alice, "alice@example.org")
    before = await row_counts(container.db)
    for address in ("alice@example.org", "Alice@EXAMPLE.org/phone"):
        r = await start(client, mallory, address)
        assert r.status_code == 422
        assert r.json() == {
            "error": "Validation failed: address is linked to another account; unlink it there"
        }
    assert await row_counts(container.db) == before
    assert (await show(client, mallory))["state"] == "none"
    assert (await show(client, alice))["state"] == "linked"
    assert await trusted(container, "alice@example.org") == alice.id
    await outbox.sync()
    assert outbox.codes_for(mallory) == []

    # Once alice unlinks it, the address is free.
    assert (await client.delete(URL, headers=alice.headers)).status_code == 200
    await linked(client, outbox, mallory, "alice@example.org")
    assert await trusted(container, "alice@example.org") == mallory.id


async def test_a_pending_claim_gives_way_to_another_account(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser, outbox: Outbox
) -> None:
    """Whoever asks for a code first must not hold the address hostage: the code goes to the
    address, so only its owner can finish either claim."""
    squatter, owner = await make_user("squatter"), await make_user("owner")
    assert (await start(client, squatter, "owner@example.org")).status_code == 200
    squatter_code = await outbox.code(squatter)

    # Not within the minute (docs/im-gateway.md: a code a minute per address), but then yes.
    assert (await start(client, owner, "Owner@example.org")).status_code == 422
    with after(RESEND_AFTER):
        r = await start(client, owner, "Owner@example.org")
    assert r.status_code == 200
    assert r.json()["state"] == "pending" and r.json()["address"] == "owner@example.org"
    owner_code = await outbox.code(owner, "owner@example.org")
    # The first claim is gone: its code leads nowhere.
    assert (await show(client, squatter))["state"] == "none"
    r = await confirm(client, squatter, squatter_code)
    assert r.status_code == 404
    assert (await confirm(client, owner, owner_code)).status_code == 200
    assert await trusted(container, "owner@example.org") == owner.id
    await outbox.wait_until(lambda: len(outbox.changes_for(owner)) == 2, "owner's changes")


async def test_notify_toggles_only_on_a_made_link(
    client: httpx.AsyncClient, make_user: MakeUser, outbox: Outbox
) -> None:
    alice = await make_user("alice")
    r = await client.patch(URL, json={"notify": True}, headers=alice.headers)
    assert r.status_code == 404
    assert r.json() == {"error": "No address is linked"}
    assert (await start(client, alice, "alice@example.org")).status_code == 200
    r = await client.patch(URL, json={"notify": True}, headers=alice.headers)
    assert r.status_code == 404  # pending is not linked
    r = await confirm(client, alice, await outbox.code(alice))
    assert r.status_code == 200
    changes = len(outbox.changes_for(alice))

    for body in ({}, {"notify": None}, {"notify": "perhaps"}, {"notify": [True]}):
        r = await client.patch(URL, json=body, headers=alice.headers)
        assert r.status_code == 422, body
    r = await client.patch(URL, json={"notify": True}, headers=alice.headers)
    assert r.status_code == 200
    assert r.json()["notify"] is True and r.json()["state"] == "linked"
    assert (await show(client, alice))["notify"] is True
    await outbox.wait_until(lambda: len(outbox.changes_for(alice)) == changes + 1, "im.changed")
    r = await client.patch(URL, data={"notify": "false"}, headers=alice.headers)  # a form
    assert r.status_code == 200 and r.json()["notify"] is False
    await outbox.wait_until(lambda: len(outbox.changes_for(alice)) == changes + 2, "im.changed")


async def test_unlink(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser, outbox: Outbox
) -> None:
    alice = await make_user("alice")
    r = await client.delete(URL, headers=alice.headers)
    assert r.status_code == 404
    assert r.json() == {"error": "No address is linked"}
    await linked(client, outbox, alice, "alice@example.org")
    changes = len(outbox.changes_for(alice))

    r = await client.delete(URL, headers=alice.headers)
    assert r.status_code == 200
    assert r.json()["state"] == "none" and r.json()["address"] is None
    assert await trusted(container, "alice@example.org") is None  # at once
    await outbox.wait_until(lambda: len(outbox.changes_for(alice)) == changes + 1, "im.changed")
    assert (await client.delete(URL, headers=alice.headers)).status_code == 404

    # A pending link can be dropped too.
    with after(timedelta(seconds=61)):
        assert (await start(client, alice, "alice@example.org")).status_code == 200
        assert (await client.delete(URL, headers=alice.headers)).status_code == 200
        assert (await show(client, alice))["state"] == "none"


async def test_scopes_and_tokens(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser, outbox: Outbox
) -> None:
    reader = await make_user("reader", scopes="read")
    writer = await make_user("writer", scopes="write")
    before = await row_counts(container.db)
    assert (await client.get(URL, headers=reader.headers)).status_code == 200
    calls = [
        ("POST", URL, {"address": "reader@example.org"}),
        ("POST", f"{URL}/confirm", {"code": "123456"}),
        ("PATCH", URL, {"notify": True}),
        ("DELETE", URL, None),
    ]
    for method, path, body in calls:
        r = await client.request(method, path, json=body, headers=reader.headers)
        assert r.status_code == 403, (method, path)
        assert "error" in r.json()
    for method, path, body in [("GET", URL, None), *calls]:
        r = await client.request(method, path, json=body)
        assert r.status_code == 401, (method, path)
        assert "error" in r.json()
        r = await client.request(
            method, path, json=body, headers={"Authorization": "Bearer nonsense"}
        )
        assert r.status_code == 401, (method, path)
    assert await row_counts(container.db) == before
    await outbox.sync()
    assert outbox.codes == []

    # Writing does not include reading.
    assert (await client.get(URL, headers=writer.headers)).status_code == 403
    r = await start(client, writer, "writer@example.org")
    assert r.status_code == 200 and r.json()["state"] == "pending"


async def test_the_code_is_in_no_answer(
    client: httpx.AsyncClient, make_user: MakeUser, outbox: Outbox, answers: list[str]
) -> None:
    alice = await make_user("alice")
    await start(client, alice, "alice@example.org")
    code = await outbox.code(alice)
    await show(client, alice)
    await confirm(client, alice, wrong(code))
    await client.patch(URL, json={"notify": True}, headers=alice.headers)
    await confirm(client, alice, code)
    await show(client, alice)
    assert len(answers) == 6
    assert not any(code in body for body in answers)
    assert not any("code_hash" in body or '"code"' in body for body in answers)


# A code a minute, per account and per address; and addresses that fit.


async def test_a_long_address_is_refused_not_a_server_error(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    """lib/jids.py accepts parts of up to 1023 octets; the stored address is at most 320
    characters: a longer one is refused (422), never a database error."""
    alice = await make_user("alice")
    before = await row_counts(container.db)
    r = await start(client, alice, "a" * 380 + "@example.org")
    assert r.status_code == 422, r.text
    assert "longer than 320" in r.json()["error"]
    assert (await show(client, alice))["state"] == "none"
    assert await row_counts(container.db) == before


async def test_alternating_addresses_do_not_send_more_than_a_code_a_minute(
    client: httpx.AsyncClient, make_user: MakeUser, outbox: Outbox
) -> None:
    """Asking for another address in between does not reset the minute: the account waits."""
    spammer = await make_user("spammer")
    answers = [
        (await start(client, spammer, address)).status_code
        for address in ("victim@example.org", "decoy@example.org", "victim@example.org")
    ]
    assert answers == [200, 422, 422]
    await outbox.sync()
    assert [m.extra.get("address") for m in outbox.messages if m.event == "im.code"] == [
        "victim@example.org"
    ]


async def test_two_accounts_taking_turns_do_not_send_more_than_a_code_a_minute(
    client: httpx.AsyncClient, make_user: MakeUser, outbox: Outbox
) -> None:
    """A second account's claim on a pending address waits for the minute too."""
    one, two = await make_user("one"), await make_user("two")
    answers = [
        (await start(client, who, "victim@example.org")).status_code for who in (one, two, one, two)
    ]
    assert answers == [200, 422, 422, 422]
    await outbox.sync()
    assert len(outbox.codes) == 1, f"{len(outbox.codes)} codes sent to the victim within a minute"


async def test_asking_for_the_linked_address_again_changes_nothing(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser, outbox: Outbox
) -> None:
    alice = await make_user("alice")
    await linked(client, outbox, alice, "alice@example.org")
    sent = len(outbox.codes)
    r = await start(client, alice, "alice@example.org")
    assert r.status_code == 200 and r.json()["state"] == "linked"
    await outbox.sync()
    assert len(outbox.codes) == sent
    assert await trusted(container, "alice@example.org") == alice.id
