"""Driving the web interface's forms like a browser without JavaScript: every form carries a
CSRF token read from the page it is on."""

import re
from typing import Any

import httpx

from myna.actions.statuses import NewStatus
from myna.container import Container
from tests.conftest import User

PASSWORD = "correct horse battery"


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert match, "no CSRF field on the page"
    return match.group(1)


async def csrf(client: httpx.AsyncClient, page: str = "/") -> str:
    return csrf_of((await client.get(page)).text)


async def submit(
    client: httpx.AsyncClient,
    action: str,
    data: dict[str, str] | None = None,
    *,
    page: str = "/",
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POSTs `data` to `action` with the CSRF token of `page`, as the form on it would."""
    form = {"csrf": await csrf(client, page), **(data or {})}
    return await client.post(action, data=form, files=files, headers=headers)


async def press(client: httpx.AsyncClient, page: str, action: str) -> httpx.Response:
    """Submits the form on `page` whose action is `action`, with its hidden fields."""
    html = (await client.get(page)).text
    match = re.search(rf'<form method="post" action="{re.escape(action)}"(.*?)</form>', html, re.S)
    assert match, f"no form for {action} on {page}"
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', match.group(1)))
    return await client.post(action, data=fields)


async def sign_up(client: httpx.AsyncClient, username: str, **fields: str) -> httpx.Response:
    form = {
        "username": username,
        "email": f"{username}@example.test",
        "password": PASSWORD,
        "agreement": "1",
    }
    form.update(fields)
    return await submit(client, "/auth/sign_up", form)


async def sign_in(client: httpx.AsyncClient, login: str, password: str = PASSWORD) -> str:
    """Signs in; answers the CSRF token of the signed-in home page."""
    r = await submit(client, "/auth/sign_in", {"login": login, "password": password})
    assert r.status_code == 303, r.text
    return await csrf(client)


async def post_as(container: Container, user: User, text: str, **fields: Any) -> int:
    """A status posted by `user` through the action (not the page); its id."""
    status = await container.status_actions.do_post(user.id, NewStatus(text=text, **fields))
    return status.id
