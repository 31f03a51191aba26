"""The web interface's pages stream with their session cookie, and only from our own origin:
a page on another site that opens a WebSocket to us (the browser attaches our cookie to it)
gets an anonymous connection, not the person's streams."""

import asyncio

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect

from myna.reads.tokens import WEB_SESSION_COOKIE
from tests.conftest import MakeUser
from tests.streaming.conftest import Act, Post, ws_url


async def _first_frame_about(ws: ClientConnection, status_id: str) -> str:
    async with asyncio.timeout(10):
        while True:
            frame = str(await ws.recv())
            if status_id in frame or '"error"' in frame:
                return frame


async def test_the_session_cookie_streams_from_our_own_pages(
    server: str, post: Post, act: Act, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await act(alice, f"/api/v1/accounts/{bob.id}/follow")
    headers = {"Cookie": f"{WEB_SESSION_COOKIE}={alice.token}", "Origin": server}
    async with connect(ws_url(server, "?stream=user"), additional_headers=headers) as ws:
        await ws.send('{"type": "sync"}')  # answered once the initial subscription is done
        assert "Unknown message type" in str(await ws.recv())
        status = await post(bob, "for my followers", visibility="private")
        frame = orjson.loads(await _first_frame_about(ws, status["id"]))
        assert frame["stream"] == ["user"]
        assert frame["event"] == "update"


async def test_the_session_cookie_counts_for_nothing_from_another_site(
    server: str, post: Post, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    headers = {"Cookie": f"{WEB_SESSION_COOKIE}={alice.token}", "Origin": "http://evil.example"}
    async with connect(ws_url(server), additional_headers=headers) as ws:
        await ws.send('{"type": "subscribe", "stream": "user"}')
        assert orjson.loads(await ws.recv()) == {"error": "Missing access token", "status": 401}
        await ws.send('{"type": "subscribe", "stream": "public"}')  # anonymous streams still open
        status = await post(alice, "public for all")
        frame = orjson.loads(await _first_frame_about(ws, status["id"]))
        assert frame["stream"] == ["public"]


async def test_server_sent_events_take_the_cookie_from_our_origin_only(
    server: str, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    cookie = {"Cookie": f"{WEB_SESSION_COOKIE}={alice.token}"}
    async with httpx.AsyncClient(base_url=server, timeout=10) as http:
        async with http.stream("GET", "/api/v1/streaming/user", headers=cookie) as r:
            assert r.status_code == 200
        foreign = {**cookie, "Origin": "http://evil.example"}
        r = await http.get("/api/v1/streaming/user", headers=foreign)
        assert r.status_code == 401
        assert r.json()["error"] == "Missing access token"
