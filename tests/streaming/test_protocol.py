"""The streaming protocol against a live server: bad input on the socket gets an `error`
message or a clean close and never disturbs other connections (acceptance 5), tokens,
subscriptions, labels, health, and slow clients."""

import asyncio
import base64
import os
import socket
import struct

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from myna.config import Settings
from tests.conftest import MakeUser
from tests.streaming.conftest import WS_MAX_SIZE, Act, Listener, Post, Streams, ws_url

# Above the 7 frames one post can put on a socket at once (test_several_streams...), far
# below the hundreds the slow client is sent.
SLOW_QUEUE = 16


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A small per-connection queue and long statuses, so a client that stops reading
    overflows the socket buffers and then its queue quickly."""
    return settings.model_copy(
        update={"streaming_queue_size": SLOW_QUEUE, "max_status_units": 100_000}
    )


async def arrives(listener: Listener, status: dict[str, str], count: int = 1) -> None:
    await listener.wait_until(
        lambda: (
            sum(e.event == "update" and e.payload["id"] == status["id"] for e in listener.events)
            >= count
        ),
        what=f"status {status['id']}",
    )


BAD_MESSAGES = [
    pytest.param("not json at all", "Could not parse the message as JSON", 400, id="non-json"),
    pytest.param("[1, 2]", "A message must be a JSON object", 400, id="json-array"),
    pytest.param(b"\xff\xfe", "Could not parse the message as JSON", 400, id="binary-garbage"),
    pytest.param(
        '{"type": "subscribe", "stream": "nope"}', "Unknown stream type", 400, id="stream"
    ),
    pytest.param('{"type": "dance"}', "Unknown message type", 400, id="unknown-type"),
    pytest.param('{"stream": "public"}', "Unknown message type", 400, id="no-type"),
    pytest.param(
        '{"type": "subscribe", "stream": 5}',
        "stream must be a string (and tag, if given)",
        400,
        id="stream-not-a-string",
    ),
    pytest.param(
        '{"type": "subscribe", "stream": "hashtag", "tag": ["x"]}',
        "stream must be a string (and tag, if given)",
        400,
        id="tag-not-a-string",
    ),
    pytest.param(
        '{"type": "subscribe", "stream": "hashtag"}',
        "A hashtag stream needs a tag",
        400,
        id="hashtag-without-tag",
    ),
    pytest.param(
        '{"type": "subscribe", "stream": "hashtag", "tag": "#  "}',
        "A hashtag stream needs a tag",
        400,
        id="hashtag-blank-tag",
    ),
    pytest.param(
        '{"type": "subscribe", "stream": "group"}',
        "Group not found",
        404,
        id="group-stream-without-group",
    ),
    pytest.param(
        '{"type": "subscribe", "stream": "group", "group": "999"}',
        "Group not found",
        404,
        id="group-stream-of-no-group",
    ),
]


@pytest.mark.parametrize(("message", "error", "status"), BAD_MESSAGES)
async def test_a_bad_message_gets_an_error_and_the_socket_keeps_working(
    message: str | bytes,
    error: str,
    status: int,
    streams: Streams,
    post: Post,
    make_user: MakeUser,
) -> None:
    alice = await make_user("alice")
    healthy = await streams.socket(None, "public", name="healthy")
    bad = await streams.socket(alice, name="bad")
    await bad.send(message)
    assert await bad.listener.error() == {"error": error, "status": status}

    # The same socket still works, and so does everyone else's.
    await bad.subscribe("public")
    await bad.sync()
    status_ = await post(alice, "still here")
    await arrives(bad.listener, status_)
    await arrives(healthy.listener, status_)


@pytest.mark.parametrize(
    ("pad", "size", "codes"),
    [
        # Over our limit for client messages: an error, then close 1009 (message too big).
        pytest.param("x", 20 * 1024, (1009,), id="over-the-app-limit"),
        # The limit is in bytes: 6,144 characters of Chinese are 18 KiB of UTF-8.
        pytest.param("字", 6 * 1024, (1009,), id="over-the-app-limit-in-bytes"),
        # Over the server's frame limit: uvicorn closes the connection itself.
        pytest.param("x", WS_MAX_SIZE + 1024, (1009,), id="over-the-server-limit"),
    ],
)
async def test_an_oversized_frame_closes_only_that_socket(
    pad: str,
    size: int,
    codes: tuple[int, ...],
    streams: Streams,
    post: Post,
    make_user: MakeUser,
) -> None:
    alice = await make_user("alice")
    healthy = await streams.socket(alice, "public", "user", name="healthy")
    bad = await streams.socket(alice, "public", name="bad")
    payload = '{"type": "subscribe", "stream": "public", "pad": "' + pad * size + '"}'
    await bad.send(payload)
    assert await bad.listener.closing() in codes
    if size < WS_MAX_SIZE:
        assert bad.listener.errors == [{"error": "Message too large", "status": 413}]

    status = await post(alice, "after the big frame")
    await arrives(healthy.listener, status, count=2)  # user and public


async def test_scopes_decide_which_streams_a_token_may_open(
    streams: Streams, post: Post, make_user: MakeUser
) -> None:
    writer = await make_user("writer", scopes="write")
    notifier = await make_user("notifier", scopes="read:notifications")
    sock = await streams.socket(writer, "user", "public", "user:notification")
    forbidden = {"error": "Access token does not have the required scopes", "status": 403}
    assert sock.listener.errors == [forbidden, forbidden, forbidden]

    narrow = await streams.socket(notifier, "user", "user:notification")
    assert narrow.listener.errors == [forbidden]  # user needs read:statuses
    mention = await post(writer, f"hi @{notifier.username}")
    event = await narrow.listener.event(lambda e: e.event == "notification")
    assert event.stream == ["user:notification"]
    assert event.payload["status"]["id"] == mention["id"]

    # Over SSE the same refusal is an HTTP answer.
    r = await streams.http.get("/api/v1/streaming/user", headers=writer.headers)
    assert r.status_code == 403
    assert r.json()["error"] == forbidden["error"]


async def test_an_anonymous_socket_may_not_open_personal_streams(
    streams: Streams, post: Post, make_user: MakeUser
) -> None:
    sock = await streams.socket(None, "user", "user:notification", "direct", "public")
    missing = {"error": "Missing access token", "status": 401}
    assert sock.listener.errors == [missing, missing, missing]
    alice = await make_user("alice")
    status = await post(alice, "public for all")
    await arrives(sock.listener, status)
    assert {tuple(e.stream) for e in sock.listener.events} == {("public",)}


async def test_an_invalid_token_is_refused(
    streams: Streams, server: str, post: Post, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    healthy = await streams.socket(alice, "public")
    bad = {"Authorization": "Bearer not-a-token"}
    with pytest.raises(InvalidStatus) as refused:
        await connect(ws_url(server), additional_headers=bad)
    assert refused.value.response.status_code == 403
    with pytest.raises(InvalidStatus):
        await connect(ws_url(server, "?access_token=nope&stream=public"))
    with pytest.raises(InvalidStatus):
        await connect(ws_url(server), subprotocols=["nope"])  # type: ignore[list-item]

    for path in ("user", "public", "hashtag?tag=x"):
        r = await streams.http.get(f"/api/v1/streaming/{path}", headers=bad)
        assert r.status_code == 401, path
        assert r.headers["content-type"].startswith("application/json")
        assert set(r.json()) >= {"error"}

    status = await post(alice, "still streaming")
    await arrives(healthy.listener, status)


async def test_sse_refusals_are_json(streams: Streams, make_user: MakeUser) -> None:
    r = await streams.http.get("/api/v1/streaming/user")
    assert r.status_code == 401
    assert r.json()["error"] == "Missing access token"
    r = await streams.http.get("/api/v1/streaming/hashtag")
    assert r.status_code == 400
    assert r.json()["error"] == "A hashtag stream needs a tag"


async def test_health(http: httpx.AsyncClient) -> None:
    r = await http.get("/api/v1/streaming/health")
    assert r.status_code == 200
    assert r.text == "OK"


async def test_the_subprotocol_token_is_echoed_and_authenticates(
    server: str, post: Post, act: Act, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await act(alice, f"/api/v1/accounts/{bob.id}/follow")
    async with connect(ws_url(server, "?stream=user"), subprotocols=[alice.token]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == alice.token
        await ws.send('{"type": "sync"}')  # answered after the initial subscription
        assert '"Unknown message type"' in str(await ws.recv())
        status = await post(bob, "to my followers", visibility="private")
        async with asyncio.timeout(10):
            while True:
                frame = str(await ws.recv())
                if status["id"] in frame:
                    break
        assert '"stream":["user"]' in frame


async def test_stream_query_parameter_subscribes_on_connect(
    streams: Streams, post: Post, act: Act, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await act(alice, f"/api/v1/accounts/{bob.id}/follow")
    sock = await streams.socket(alice, query="?stream=user")
    tagged = await streams.socket(None, query="?stream=hashtag&tag=Fun")
    status = await post(bob, "#fun for all")
    await arrives(sock.listener, status)
    await arrives(tagged.listener, status)
    assert sock.listener.events[0].stream == ["user"]
    assert tagged.listener.events[0].stream == ["hashtag", "Fun"]


async def test_several_streams_on_one_socket_are_each_labelled(
    streams: Streams, post: Post, act: Act, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await act(alice, f"/api/v1/accounts/{bob.id}/follow")
    sock = await streams.socket(
        alice,
        "user",
        "user:notification",
        "public",
        "public:local",
        ("hashtag", "Cats"),
        ("hashtag:local", "#cats"),
        ("hashtag", "dogs"),
    )
    status = await post(bob, f"#cats @{alice.username}")
    await sock.listener.wait_until(lambda: len(sock.listener.events) >= 7, what="7 events")
    labels = sorted((e.event, tuple(e.stream)) for e in sock.listener.events)
    assert labels == [
        ("notification", ("user",)),
        ("notification", ("user:notification",)),
        ("update", ("hashtag", "Cats")),
        ("update", ("hashtag:local", "cats")),
        ("update", ("public",)),
        ("update", ("public:local",)),
        ("update", ("user",)),
    ]
    assert all(
        (e.payload.get("status") or e.payload)["id"] == status["id"] for e in sock.listener.events
    )

    # Unsubscribing one stream leaves the others.
    await sock.send({"type": "unsubscribe", "stream": "public"})
    await sock.send({"type": "unsubscribe", "stream": "hashtag", "tag": "cats"})
    await sock.sync()
    again = await post(bob, "#cats again")
    await sock.listener.wait_until(lambda: len(sock.listener.events) >= 10, what="3 more")
    assert sorted(tuple(e.stream) for e in sock.listener.events[7:]) == [
        ("hashtag:local", "cats"),
        ("public:local",),
        ("user",),
    ]
    assert {e.payload["id"] for e in sock.listener.events[7:]} == {again["id"]}


class RawSocket:
    """A WebSocket client by hand over a socket with a tiny receive buffer, which reads
    nothing until told to: the server's writes to it back up."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.loop = asyncio.get_running_loop()

    @classmethod
    async def open(cls, server: str) -> "RawSocket":
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        host, port = server.removeprefix("http://").split(":")
        client = cls(sock)
        await client.loop.sock_connect(sock, (host, int(port)))
        key = base64.b64encode(os.urandom(16)).decode()
        await client.loop.sock_sendall(
            sock,
            (
                f"GET /api/v1/streaming HTTP/1.1\r\nHost: {host}:{port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode(),
        )
        head = b""
        while b"\r\n\r\n" not in head:
            head += await client.loop.sock_recv(sock, 1)
        assert head.startswith(b"HTTP/1.1 101"), head
        return client

    async def send_text(self, text: str) -> None:
        data, mask = text.encode(), os.urandom(4)
        assert len(data) < 126
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        await self.loop.sock_sendall(self.sock, bytes([0x81, 0x80 | len(data)]) + mask + masked)

    async def drain(self) -> tuple[int, int | None]:
        """Read up to the server's close frame: (text frames received, the close code)."""
        data, frames, at = b"", 0, 0
        while chunk := await self.loop.sock_recv(self.sock, 1 << 16):
            data += chunk
            while True:  # every complete frame received so far
                header = self._header(data, at)
                if header is None or header[2] + header[1] > len(data):
                    break
                opcode, length, start = header
                if opcode == 0x8:
                    return frames, struct.unpack("!H", data[start : start + 2])[0]
                frames += opcode == 0x1
                at = start + length
        return frames, None

    @staticmethod
    def _header(data: bytes, at: int) -> tuple[int, int, int] | None:
        """(opcode, payload length, payload start) of the server frame at `at`, if complete."""
        if at + 2 > len(data):
            return None
        opcode, length, start = data[at] & 0x0F, data[at + 1] & 0x7F, at + 2
        size = {126: 2, 127: 8}.get(length, 0)
        if start + size > len(data):
            return None
        if size:
            length = int.from_bytes(data[start : start + size], "big")
        return opcode, length, start + size

    def close(self) -> None:
        self.sock.close()


async def test_a_client_that_stops_reading_is_dropped_and_others_keep_receiving(
    streams: Streams, server: str, post: Post, make_user: MakeUser
) -> None:
    alice = await make_user("alice")
    healthy = await streams.socket(None, "public", name="healthy")
    slow = await RawSocket.open(server)
    # Many tag subscriptions make each (long) post many frames.
    tags = [f"tag{i}" for i in range(20)]
    for tag in tags:
        await slow.send_text(f'{{"type": "subscribe", "stream": "hashtag", "tag": "{tag}"}}')
    await slow.send_text('{"type": "subscribe", "stream": "public"}')
    sync = await streams.socket(None, name="sync")  # the slow socket's subscriptions are in
    await sync.sync()
    text = " ".join(f"#{tag}" for tag in tags) + " " + "长" * 20_000

    try:
        posted = [await post(alice, f"{i} {text}") for i in range(12)]
        for status in posted:
            await arrives(healthy.listener, status)
        # Dropped: what reached the slow client ends in a "try again later" close (1013) that
        # tells it to reconnect and catch up, long before everything was sent.
        async with asyncio.timeout(30):
            frames, code = await slow.drain()
        assert code == 1013
        assert frames < len(posted) * (len(tags) + 1)
    finally:
        slow.close()

    # Everyone else is unaffected.
    later = await post(alice, "later")
    await arrives(healthy.listener, later)


async def test_many_connections_of_one_user_each_receive(
    streams: Streams, post: Post, act: Act, make_user: MakeUser
) -> None:
    """One account, several devices: each connection gets its own copy."""
    alice, bob = await make_user("alice"), await make_user("bob")
    await act(alice, f"/api/v1/accounts/{bob.id}/follow")
    sockets = [await streams.socket(alice, "user") for _ in range(3)]
    sse = await streams.sse(alice, "user")
    status = await post(bob, "to all devices")
    for listener in [*(s.listener for s in sockets), sse.listener]:
        await arrives(listener, status)
    await sockets[0].close()
    again = await post(bob, "still to the others")
    for listener in [*(s.listener for s in sockets[1:]), sse.listener]:
        await arrives(listener, again)


async def test_a_ping_is_answered_once_the_subscriptions_before_it_are_in_place(
    server: str, post: Post, act: Act, make_user: MakeUser
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await act(alice, f"/api/v1/accounts/{bob.id}/follow")
    async with connect(ws_url(server), subprotocols=[alice.token]) as ws:  # type: ignore[list-item]
        await ws.send('{"type": "subscribe", "stream": "user"}')
        await ws.send('{"type": "ping"}')
        assert orjson.loads(await ws.recv()) == {"stream": [], "event": "pong"}
        status = await post(bob, "right after the pong")  # nothing sent after it is missed
        async with asyncio.timeout(10):
            frame = orjson.loads(await ws.recv())
        assert frame["event"] == "update" and status["id"] in frame["payload"]
