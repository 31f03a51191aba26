"""GET /api/v1/streaming (WebSocket, several streams on one socket), the server-sent-events
endpoints /api/v1/streaming/{user,user/notification,public,public/local,hashtag,...,direct}
and /api/v1/streaming/health. Protocol and extensions: docs/streaming.md."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import APIRouter
from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from myna.api.openapi import SSE_QUERY, doc
from myna.api.responses import error_response
from myna.container import Container
from myna.reads.tokens import WEB_SESSION_COOKIE, Caller
from myna.streaming import streams
from myna.streaming.connection import Connection, Frame, StreamError
from myna.streaming.hub import Hub

router = APIRouter(tags=["streaming"])

MAX_CLIENT_MESSAGE = 16 * 1024  # bytes: subscribe/unsubscribe/typing messages are tiny
CLOSE_TOO_BIG = 1009
CLOSE_TRY_AGAIN = 1013
CLOSE_POLICY = 1008
PONG = '{"stream":[],"event":"pong"}'


def _container(conn: HTTPConnection) -> Container:
    return conn.app.state.container


async def _hub(conn: HTTPConnection) -> Hub:
    hub: Hub = conn.app.state.hub
    await hub.start()
    return hub


def _token(conn: HTTPConnection) -> tuple[str | None, bool]:
    """The access token and whether it came as the WebSocket subprotocol."""
    kind, _, value = conn.headers.get("authorization", "").partition(" ")
    if kind.lower() == "bearer" and value.strip():
        return value.strip(), False
    if conn.query_params.get("access_token"):
        return conn.query_params["access_token"], False
    protocol = conn.headers.get("sec-websocket-protocol", "").split(",")[0].strip()
    if protocol:
        return protocol, True
    cookie = conn.cookies.get(WEB_SESSION_COOKIE)
    if cookie and _same_origin(conn):
        return cookie, False
    return None, False


def _same_origin(conn: HTTPConnection) -> bool:
    """Whether the page that opened the connection is one of ours. Browsers send cookies with
    a WebSocket opened by any site, so the web session cookie counts only from our own pages
    (cross-site WebSocket hijacking). SSE requests from another site do not carry the cookie
    (SameSite=Lax), and their Origin, when sent, is checked the same way."""
    origin = conn.headers.get("origin")
    if origin is None:
        return conn.scope["type"] == "http"
    host = conn.headers.get("host", "")
    return origin.split("://", 1)[-1] == host and bool(host)


async def _caller(conn: HTTPConnection, token: str | None) -> tuple[Caller | None, bool]:
    """(caller, ok): no token is an anonymous caller; a bad token is not ok."""
    if token is None:
        return None, True
    caller = await _container(conn).token_reads.caller(token)
    return caller, caller is not None


@router.get(
    "/api/v1/streaming/health",
    **doc("Streaming health check", media_type="text/plain", example="OK"),
)
async def health() -> Response:
    return PlainTextResponse("OK")


# WebSocket


def _event_text(frame: Frame) -> str:
    message: dict[str, Any] = {"stream": frame.stream, "event": frame.event}
    if frame.payload is not None:  # as on Mastodon, filters_changed comes without one
        message["payload"] = frame.payload
    return orjson.dumps(message).decode()


async def _send_error(ws: WebSocket, message: str, status: int) -> None:
    await ws.send_text(orjson.dumps({"error": message, "status": status}).decode())


@router.websocket("/api/v1/streaming")
async def websocket_stream(ws: WebSocket) -> None:
    hub = await _hub(ws)
    token, via_protocol = _token(ws)
    caller, ok = await _caller(ws, token)
    if not ok:
        await ws.close(code=CLOSE_POLICY, reason="The access token is invalid")
        return
    await ws.accept(subprotocol=token if via_protocol else None)
    settings = _container(ws).settings
    connection = Connection(hub, caller, settings.streaming_queue_size)
    await hub.register(connection)
    writer = asyncio.create_task(_write(ws, connection))
    dropped = asyncio.create_task(connection.dropped.wait())
    reader = asyncio.create_task(_read(ws, connection))
    try:
        initial = ws.query_params.get("stream")
        if initial:
            await _handle(
                ws,
                connection,
                {
                    "type": "subscribe",
                    "stream": initial,
                    "tag": ws.query_params.get("tag"),
                    "group": ws.query_params.get("group"),
                },
            )
        done, _ = await asyncio.wait({reader, writer, dropped}, return_when=asyncio.FIRST_COMPLETED)
        if dropped in done and ws.client_state == WebSocketState.CONNECTED:
            await ws.close(code=CLOSE_TRY_AGAIN, reason=connection.drop_reason[:120])
    finally:
        for task in (reader, writer, dropped):
            task.cancel()
        for task in (reader, writer, dropped):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await hub.unregister(connection)


async def _write(ws: WebSocket, connection: Connection) -> None:
    while True:
        frame = await connection.queue.get()
        await ws.send_text(_event_text(frame))


async def _read(ws: WebSocket, connection: Connection) -> None:
    while True:
        try:
            received = await ws.receive()
        except (WebSocketDisconnect, RuntimeError):
            return
        if received["type"] == "websocket.disconnect":
            return
        raw: str | bytes | None = received.get("text")
        if raw is None:
            raw = received.get("bytes")
        if raw is None:
            continue
        # Bytes, not characters: a text frame of Chinese is three bytes a character.
        size = len(raw.encode()) if isinstance(raw, str) else len(raw)
        if size > MAX_CLIENT_MESSAGE:
            await _send_error(ws, "Message too large", 413)
            await ws.close(code=CLOSE_TOO_BIG, reason="Message too large")
            return
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            await _send_error(ws, "Could not parse the message as JSON", 400)
            continue
        if not isinstance(data, dict):
            await _send_error(ws, "A message must be a JSON object", 400)
            continue
        await _handle(ws, connection, data)


async def _handle(ws: WebSocket, connection: Connection, data: dict[str, Any]) -> None:
    kind = data.get("type")
    stream = data.get("stream")
    tag = data.get("group") if stream == "group" else data.get("tag")
    if isinstance(tag, int) and not isinstance(tag, bool):
        tag = str(tag)
    try:
        if kind in ("subscribe", "unsubscribe"):
            if not isinstance(stream, str) or (tag is not None and not isinstance(tag, str)):
                raise StreamError("stream must be a string (and tag, if given)", 400)
            if kind == "subscribe":
                await connection.subscribe(stream, tag)
            else:
                await connection.unsubscribe(stream, tag)
        elif kind == "ping":
            # Myna: answered once everything sent before it on this socket is done, so a
            # client knows its subscriptions are in place (and can catch up from there).
            await ws.send_text(PONG)
        elif kind == "typing" and "group" in data:
            await connection.hub.group_typing(connection, data.get("group"))
        elif kind == "typing":
            await connection.hub.typing(connection, data.get("conversation"))
        else:
            raise StreamError("Unknown message type", 400)
    except StreamError as exc:
        await _send_error(ws, exc.message, exc.status)


# Server-sent events

SSE_PATHS = {
    "user": "user",
    "user/notification": "user:notification",
    "public": "public",
    "public/local": "public:local",
    "public/remote": "public:remote",
    "public/media": "public:media",
    "public/local/media": "public:local:media",
    "public/remote/media": "public:remote:media",
    "hashtag": "hashtag",
    "hashtag/local": "hashtag:local",
    "direct": "direct",
    "group": "group",
}


async def _sse(request: Request, stream: str) -> Response:
    hub = await _hub(request)
    token, _ = _token(request)
    caller, ok = await _caller(request, token)
    if not ok:
        return error_response(401, "The access token is invalid")
    settings = _container(request).settings
    connection = Connection(hub, caller, settings.streaming_queue_size)
    await hub.register(connection)
    try:
        key = "group" if stream == "group" else "tag"
        await connection.subscribe(stream, request.query_params.get(key))
    except StreamError as exc:
        await hub.unregister(connection)
        return error_response(exc.status, exc.message)
    heartbeat = settings.streaming_heartbeat_seconds

    async def events() -> AsyncIterator[bytes]:
        try:
            yield b":)\n\n"
            while not connection.dropped.is_set():
                try:
                    frame = await asyncio.wait_for(connection.queue.get(), timeout=heartbeat)
                except TimeoutError:
                    yield b":thump\n\n"  # keeps proxies from closing an idle connection
                    continue
                data = "undefined" if frame.payload is None else frame.payload  # as Mastodon
                yield f"event: {frame.event}\ndata: {data}\n\n".encode()
        finally:
            await hub.unregister(connection)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _sse_route(path: str, stream: str) -> None:
    spec = streams.SPECS[stream]

    async def endpoint(request: Request) -> Response:
        return await _sse(request, stream)

    endpoint.__name__ = "stream_" + stream.replace(":", "_")
    router.add_api_route(
        f"/api/v1/streaming/{path}",
        endpoint,
        methods=["GET"],
        **doc(
            f"Server-sent events of the {stream} stream",
            scope=spec.scope,
            anonymous=not spec.needs_user,
            query=SSE_QUERY.get(stream, {}),
            media_type="text/event-stream",
            errors=(400, 404) if stream == "group" else (400,),
            description="Events as on Mastodon (`update`, `notification`, `delete`, ...), each "
            "`event: <name>` and `data: <payload>`; comments keep the connection alive. "
            "The WebSocket at /api/v1/streaming carries the same streams (docs/streaming.md).",
        ),
    )


for _path, _stream in SSE_PATHS.items():
    _sse_route(_path, _stream)
