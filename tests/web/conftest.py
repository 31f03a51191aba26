"""Fixtures of the web tests: more browsers than the `client` one, each with its own cookies."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import BASE_URL, MakeUser, User
from tests.web.forms import sign_in

Person = Callable[[str], AbstractAsyncContextManager[tuple[httpx.AsyncClient, User]]]
Staff = Callable[[str, str], AbstractAsyncContextManager[tuple[httpx.AsyncClient, User]]]


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A second person's browser, signed out."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        yield http


@pytest.fixture
def person(app: FastAPI, make_user: MakeUser) -> Person:
    """`async with person("alice") as (client, user)`: a new user, signed in in a browser."""

    @asynccontextmanager
    async def open_(username: str) -> AsyncIterator[tuple[httpx.AsyncClient, User]]:
        user = await make_user(username)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            await sign_in(client, username)
            yield client, user

    return open_


@pytest.fixture
def staff(app: FastAPI, make_user: MakeUser) -> Staff:
    """`async with staff("mod", "moderator") as (client, user)`: staff, signed in."""

    @asynccontextmanager
    async def open_(username: str, role: str) -> AsyncIterator[tuple[httpx.AsyncClient, User]]:
        user = await make_user(username, role=role)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            await sign_in(client, username)
            yield client, user

    return open_
