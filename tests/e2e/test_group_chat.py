"""A group chat against a real `myna serve` process: three members of a secret group (微群)
talk over the streaming API, each through a different client (Mastodon.py's WebSocket, a raw
WebSocket, server-sent events), and a stranger listening to the public and hashtag streams
hears none of it.

As in test_streaming.py, no sleep stands in for "the subscription is ready", and silence is
only ever checked for a short bounded time followed by a positive control."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import orjson
import pytest
import websockets
from mastodon import Mastodon

from tests.e2e.test_streaming import PASSWORD, QUIET, SCOPES, TOPIC, WAIT, Person, Recorder

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def register(server: str) -> Callable[[str], Person]:
    client_id, client_secret = Mastodon.create_app(
        "Myna group chat e2e", api_base_url=server, scopes=SCOPES
    )

    def make(username: str) -> Person:
        app = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=server)
        token = app.create_account(
            username, PASSWORD, f"{username}@example.test", agreement=True, scopes=SCOPES
        )
        return Person(Mastodon(access_token=token, api_base_url=server), token)

    return make


def _call(server: str, person: Person, method: str, path: str, **body: Any) -> Any:
    """A REST call Mastodon.py has no method for (groups, group posts)."""
    r = httpx.request(
        method,
        server + path,
        json=body or None,
        headers={"Authorization": f"Bearer {person.token}"},
        timeout=WAIT,
    )
    assert r.status_code == 200, r.text
    return r.json()


def _ws_url(server: str) -> str:
    return server.replace("http", "ws", 1) + "/api/v1/streaming"


async def _next(ws: websockets.ClientConnection, timeout: float = WAIT) -> dict[str, Any]:
    message: dict[str, Any] = orjson.loads(await asyncio.wait_for(ws.recv(), timeout))
    return message


async def _settled(ws: websockets.ClientConnection) -> None:
    """Every message sent before this one has been handled once the server refuses it."""
    await ws.send(orjson.dumps({"type": "no-such-type"}).decode())
    assert await _next(ws) == {"error": "Unknown message type", "status": 400}


async def _updates(ws: websockets.ClientConnection, count: int) -> list[tuple[list[str], Any]]:
    """The next `count` update events (skipping other members' presence notices)."""
    got: list[tuple[list[str], Any]] = []
    while len(got) < count:
        frame = await _next(ws)
        assert "error" not in frame, frame
        if frame["event"] == "update":
            got.append((frame["stream"], orjson.loads(frame["payload"])))
    return got


@contextlib.asynccontextmanager
async def _sse_group(server: str, person: Person, gid: str) -> AsyncIterator[list[Any]]:
    """The member's group stream as server-sent events; yields the list the updates land in,
    once the server has subscribed the stream (its first comment line arrived)."""
    updates: list[Any] = []
    ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def run() -> None:
        headers = {"Authorization": f"Bearer {person.token}"}
        async with (
            httpx.AsyncClient(timeout=None) as client,
            client.stream(
                "GET", f"{server}/api/v1/streaming/group", params={"group": gid}, headers=headers
            ) as r,
        ):
            assert r.status_code == 200, await r.aread()
            event = ""
            async for line in r.aiter_lines():
                if not ready.done():
                    ready.set_result(None)
                if line.startswith("event: "):
                    event = line.removeprefix("event: ")
                elif line.startswith("data: ") and event == "update":
                    updates.append(orjson.loads(line.removeprefix("data: ")))

    task = asyncio.create_task(run())
    try:
        await asyncio.wait_for(asyncio.shield(ready), WAIT)
        yield updates
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.contextmanager
def _mastodon_py_group(person: Person, gid: str) -> Iterator[Recorder]:
    """Mastodon.py's WebSocket handle, subscribed to the group stream with its `group`
    parameter (the handle passes any parameter through)."""
    recorder = Recorder()
    with person.api.stream_open_websocket(recorder) as handle:
        handle.subscribe("group", group=gid)
        # An unknown stream is refused; its answer means the subscription before it is in.
        handle.subscribe("no-such-stream")
        recorder.wait_for("the refusal", lambda: bool(recorder.errors))
        assert [e.args[1] for e in recorder.errors] == [400]
        yield recorder


async def test_three_members_chat_and_a_stranger_hears_nothing(
    server: str, register: Callable[[str], Person]
) -> None:
    ming, lily, tao, zed = [
        await asyncio.to_thread(register, name) for name in ("ming", "lily", "tao", "zed")
    ]
    group = await asyncio.to_thread(
        _call,
        server,
        ming,
        "POST",
        "/api/v1/groups",
        handle="teahouse",
        name="茶馆",
        privacy="secret",
    )
    gid = str(group["id"])
    for member in (lily, tao):
        await asyncio.to_thread(
            _call, server, ming, "POST", f"/api/v1/groups/{gid}/invites", account_id=member.id
        )
        joined = await asyncio.to_thread(
            _call, server, member, "POST", f"/api/v1/groups/{gid}/join"
        )
        assert joined["role"] == "member"

    headers = {"Authorization": f"Bearer {lily.token}"}
    async with (
        websockets.connect(_ws_url(server), additional_headers=headers) as lily_ws,
        websockets.connect(
            _ws_url(server), additional_headers={"Authorization": f"Bearer {tao.token}"}
        ) as tao_ws,
        websockets.connect(
            _ws_url(server), additional_headers={"Authorization": f"Bearer {zed.token}"}
        ) as zed_ws,
        _sse_group(server, tao, gid) as tao_sse,
    ):
        for ws in (lily_ws, tao_ws):
            await ws.send(orjson.dumps({"type": "subscribe", "stream": "group", "group": gid}))
            await _settled(ws)
        # The stranger may not listen to the group, and listens to everything public instead.
        await zed_ws.send(orjson.dumps({"type": "subscribe", "stream": "group", "group": gid}))
        assert await _next(zed_ws) == {"error": "Group not found", "status": 404}
        await zed_ws.send(orjson.dumps({"type": "subscribe", "stream": "public"}))
        await zed_ws.send(orjson.dumps({"type": "subscribe", "stream": "hashtag", "tag": TOPIC}))
        await _settled(zed_ws)
        r = await asyncio.to_thread(
            httpx.get,
            f"{server}/api/v1/streaming/group",
            params={"group": gid, "access_token": zed.token},
            timeout=WAIT,
        )
        assert r.status_code == 404

        with _mastodon_py_group(ming, gid) as ming_heard:
            first = await asyncio.to_thread(
                _call,
                server,
                ming,
                "POST",
                "/api/v1/statuses",
                status=f"大家好！今晚七点老地方喝茶 #{TOPIC}#",
                visibility="group",
                group_id=gid,
            )
            # Replies stay in the group without saying so.
            second = await asyncio.to_thread(
                _call,
                server,
                lily,
                "POST",
                "/api/v1/statuses",
                status=f"Count me in, I'll bring oolong #{TOPIC}#",
                in_reply_to_id=first["id"],
            )
            third = await asyncio.to_thread(
                _call,
                server,
                tao,
                "POST",
                "/api/v1/statuses",
                status=f"我晚一点到 — running late, save me a seat #{TOPIC}#",
                in_reply_to_id=second["id"],
            )
            sent = [first, second, third]
            for status in sent:
                assert status["visibility"] == "group" and status["group_id"] == gid
            ids = [s["id"] for s in sent]
            label = ["group", gid]

            for ws in (lily_ws, tao_ws):
                heard = await _updates(ws, 3)
                assert [(stream, s["id"]) for stream, s in heard] == [(label, i) for i in ids]
                assert [s["content"] for _, s in heard] == [s["content"] for s in sent]
                assert [s["in_reply_to_id"] for _, s in heard] == [None, ids[0], ids[1]]
            await asyncio.to_thread(
                ming_heard.wait_for, "three updates", lambda: len(ming_heard.of("update")) == 3
            )
            assert [str(s.id) for s in ming_heard.of("update")] == ids
            assert [s for n, _, s in ming_heard.events if n == "update"] == [label] * 3
            assert all(s.visibility == "group" for s in ming_heard.of("update"))

            async def three_by_sse() -> None:
                while len(tao_sse) < 3:
                    await asyncio.sleep(0.05)

            await asyncio.wait_for(three_by_sse(), WAIT)
            assert [s["id"] for s in tao_sse] == ids

            # The stranger: nothing within a bounded wait, then a public post with the same
            # topic arrives on both streams, first of anything.
            with pytest.raises(TimeoutError):
                await _next(zed_ws, timeout=QUIET)
            control = await asyncio.to_thread(
                _call, server, zed, "POST", "/api/v1/statuses", status=f"公开的 #{TOPIC}# post"
            )
            heard = await _updates(zed_ws, 2)
            assert sorted((stream, s["id"]) for stream, s in heard) == [
                (["hashtag", TOPIC], control["id"]),
                (["public"], control["id"]),
            ]
            # Nor can the stranger read the group's posts afterwards.
            r = await asyncio.to_thread(
                httpx.get,
                f"{server}/api/v1/statuses/{ids[0]}",
                headers={"Authorization": f"Bearer {zed.token}"},
                timeout=WAIT,
            )
            assert r.status_code == 404
            assert ming_heard.errors[1:] == []
