"""The real app under a real uvicorn server in this process, and streaming clients that speak
to it over real sockets: WebSockets (the `websockets` library) and server-sent events (httpx).

Listeners collect everything they receive in the background; tests wait for a positive event
with a bounded timeout and only then look at what else arrived before it."""

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import User

# Generous upper bound for something that must arrive; only reached when a test fails.
ARRIVAL_TIMEOUT = 10.0
# The short bounded wait given to events that must not arrive, before the positive control.
QUIET_WAIT = 0.2
# As `myna serve` configures uvicorn (cli.py): the server itself refuses larger frames.
WS_MAX_SIZE = 64 * 1024


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def server(app: FastAPI) -> AsyncIterator[str]:
    """The base URL of a real uvicorn server running the test app (lifespan included)."""
    port = _free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        ws_max_size=WS_MAX_SIZE,
    )
    instance = uvicorn.Server(config)
    task = asyncio.create_task(instance.serve())
    async with asyncio.timeout(ARRIVAL_TIMEOUT):
        while not instance.started:
            if task.done():
                task.result()
                pytest.fail("uvicorn stopped before it started")
            await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        instance.should_exit = True
        await task


@pytest.fixture
async def http(server: str) -> AsyncIterator[httpx.AsyncClient]:
    """REST calls over real HTTP to the running server."""
    async with httpx.AsyncClient(base_url=server, timeout=ARRIVAL_TIMEOUT) as client:
        yield client


@dataclass
class Received:
    stream: list[str]
    event: str
    payload: Any  # the decoded entity, the status id (a string) of a delete, or None


@dataclass
class Listener:
    """Everything one streaming connection received, in order."""

    name: str
    events: list[Received] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    close_code: int | None = None
    closed: bool = False
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def add_event(self, stream: list[str], event: str, payload: str | None) -> None:
        # filters_changed has no payload (WebSocket) or "undefined" (SSE), as on Mastodon.
        raw = event in ("delete", "filters_changed") or payload is None
        decoded = payload if raw else orjson.loads(payload)  # type: ignore[arg-type]
        self.events.append(Received(stream, event, decoded))
        self._changed.set()

    def add_error(self, error: dict[str, Any]) -> None:
        self.errors.append(error)
        self._changed.set()

    def mark_closed(self, code: int | None) -> None:
        self.closed, self.close_code = True, code
        self._changed.set()

    async def wait_until(
        self, ready: Callable[[], bool], timeout: float = ARRIVAL_TIMEOUT, what: str = ""
    ) -> None:
        try:
            async with asyncio.timeout(timeout):
                while not ready():
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            pytest.fail(f"{self.name}: {what or 'condition'} not met; received {self.events}")

    async def event(self, match: Callable[[Received], bool], what: str = "an event") -> Received:
        await self.wait_until(lambda: any(match(e) for e in self.events), what=what)
        return next(e for e in self.events if match(e))

    async def error(self, count: int = 1) -> dict[str, Any]:
        """The `count`-th error message (1-based)."""
        await self.wait_until(lambda: len(self.errors) >= count, what=f"error #{count}")
        return self.errors[count - 1]

    async def closing(self) -> int | None:
        await self.wait_until(lambda: self.closed, what="close")
        return self.close_code


class Socket:
    """A WebSocket client whose incoming messages land in a Listener."""

    def __init__(self, ws: ClientConnection, listener: Listener) -> None:
        self.ws = ws
        self.listener = listener
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                data = orjson.loads(raw)
                if "error" in data:
                    self.listener.add_error(data)
                else:
                    self.listener.add_event(data["stream"], data["event"], data.get("payload"))
        except ConnectionClosed:
            pass
        self.listener.mark_closed(self.ws.close_code)

    async def send(self, message: dict[str, Any] | str | bytes) -> None:
        await self.ws.send(message if isinstance(message, str | bytes) else orjson.dumps(message))

    async def subscribe(self, stream: str, tag: str | None = None) -> None:
        message: dict[str, Any] = {"type": "subscribe", "stream": stream}
        if tag is not None:
            message["tag"] = tag
        await self.send(message)

    async def sync(self) -> None:
        """Wait until the server handled everything sent so far: messages are handled in
        order, so the answer to a deliberately unknown message comes after them."""
        answer = {"error": "Unknown message type", "status": 400}
        before = len(self.listener.errors)
        await self.send({"type": "myna-test-sync"})
        await self.listener.wait_until(
            lambda: answer in self.listener.errors[before:], what="the sync answer"
        )
        # Errors answering earlier messages came before it and stay for the test to see.
        del self.listener.errors[len(self.listener.errors) - 1]

    async def close(self) -> None:
        await self.ws.close()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


class SSE:
    """A server-sent-events client whose events land in a Listener."""

    def __init__(self, listener: Listener, task: asyncio.Task[None]) -> None:
        self.listener = listener
        self._task = task

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


def ws_url(base: str, query: str = "") -> str:
    return base.replace("http://", "ws://", 1) + "/api/v1/streaming" + query


@dataclass
class Streams:
    """Opens streaming connections to the running server and closes them at the end."""

    base: str
    http: httpx.AsyncClient
    opened: list[Socket | SSE] = field(default_factory=list)

    async def socket(
        self,
        user: User | None,
        *streams: str | tuple[str, str],
        name: str = "",
        query: str = "",
        **options: Any,
    ) -> Socket:
        """A WebSocket (token in the Authorization header), subscribed to `streams` (a tag
        stream as ("hashtag", "tag")) and synced, so events from now on reach it."""
        headers = dict(user.headers) if user else {}
        ws = await connect(ws_url(self.base, query), additional_headers=headers, **options)
        sock = Socket(ws, Listener(name or (user.username if user else "anonymous")))
        self.opened.append(sock)
        for stream in streams:
            if isinstance(stream, tuple):
                await sock.subscribe(*stream)
            else:
                await sock.subscribe(stream)
        await sock.sync()
        return sock

    async def sse(self, user: User | None, path: str, name: str = "") -> SSE:
        """An SSE connection to /api/v1/streaming/{path}; returns once the server answered
        (it subscribes before it answers). Raises AssertionError on a non-200 answer."""
        listener = Listener(name or path)
        answered: asyncio.Future[httpx.Response] = asyncio.get_running_loop().create_future()
        label = [path.split("?")[0].replace("/", ":")]

        async def run() -> None:
            headers = dict(user.headers) if user else {}
            url = f"/api/v1/streaming/{path}"
            try:
                async with self.http.stream("GET", url, headers=headers, timeout=None) as r:
                    if r.status_code != 200:
                        await r.aread()
                        answered.set_result(r)
                        return
                    answered.set_result(r)
                    event = ""
                    async for line in r.aiter_lines():
                        if line.startswith("event: "):
                            event = line.removeprefix("event: ")
                        elif line.startswith("data: "):
                            listener.add_event(label, event, line.removeprefix("data: "))
            except Exception as exc:  # surfaced to the test through `answered`
                if not answered.done():
                    answered.set_exception(exc)
            finally:
                listener.mark_closed(None)

        task = asyncio.create_task(run())
        client = SSE(listener, task)
        self.opened.append(client)
        async with asyncio.timeout(ARRIVAL_TIMEOUT):
            response = await answered
        assert response.status_code == 200, response.text
        return client

    async def close_all(self) -> None:
        for client in self.opened:
            with contextlib.suppress(Exception):
                await client.close()


@pytest.fixture
async def streams(server: str) -> AsyncIterator[Streams]:
    # SSE responses never end by themselves: a client of its own with room for many of them.
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=server, limits=limits) as client:
        opened = Streams(server, client)
        try:
            yield opened
        finally:
            await opened.close_all()


Post = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def post(http: httpx.AsyncClient) -> Post:
    """`await post(user, "text", visibility="private")`: a status posted over HTTP."""

    async def make(user: User, text: str, **extra: Any) -> dict[str, Any]:
        r = await http.post(
            "/api/v1/statuses", json={"status": text, **extra}, headers=user.headers
        )
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    return make


Act = Callable[[User, str], Awaitable[None]]


@pytest.fixture
def act(http: httpx.AsyncClient) -> Act:
    """`await act(user, "/api/v1/accounts/7/block")`: a POST that must succeed."""

    async def call(user: User, path: str) -> None:
        r = await http.post(path, headers=user.headers)
        assert r.status_code == 200, r.text

    return call
