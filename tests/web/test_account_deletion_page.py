"""Settings › Delete account: the password and the username confirm it; then the account and
the session are gone, and the front page says so."""

import httpx
import pytest

from myna.container import Container
from myna.lib.errors import NotFound
from tests.conftest import MakeUser, row_counts
from tests.web.forms import PASSWORD, sign_in, submit

pytestmark = pytest.mark.asyncio


async def test_deleting_your_account_on_the_web(
    client: httpx.AsyncClient, container: Container, make_user: MakeUser
) -> None:
    alice = await make_user("alice", password=PASSWORD)
    await sign_in(client, "alice")
    page = (await client.get("/settings/delete")).text
    assert 'href="/settings/delete" aria-current="page"' in page
    before = await row_counts(container.db)
    for fields, message in (
        ({"username": "bob", "password": PASSWORD}, "Type your username"),
        ({"username": "alice", "password": "not the password"}, "password is not right"),
    ):
        r = await submit(client, "/settings/delete", fields, page="/settings/delete")
        assert r.status_code == 422 and message in r.text
    assert await row_counts(container.db) == before
    r = await submit(
        client,
        "/settings/delete",
        {"username": "Alice", "password": PASSWORD},
        page="/settings/delete",
    )
    assert r.status_code == 303 and r.headers["location"] == "/?deleted=1"
    assert "Goodbye" in (await client.get("/?deleted=1")).text
    with pytest.raises(NotFound):
        await container.account_reads.one(alice.id)
    r = await client.get("/settings/delete")
    assert r.status_code == 303  # signed out: to the sign-in page
