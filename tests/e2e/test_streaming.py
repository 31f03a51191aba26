"""The streaming API against a real `myna serve` process: Mastodon.py's listeners over
server-sent events and over its WebSocket transport, and a raw WebSocket client that carries
two streams on one socket.

No sleeps stand in for "the subscription is ready": an SSE stream is ready once its first
comment line arrives, and a WebSocket subscription once the server has answered a later
message on the same socket (messages on one socket are handled in order)."""

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import orjson
import pytest
import websockets
from mastodon import Mastodon
from mastodon.streaming import StreamListener
from websockets.exceptions import InvalidStatus

pytestmark = pytest.mark.e2e

SCOPES = ["read", "write", "follow", "push"]
PASSWORD = "correct horse battery staple"
TOPIC = "话题"
WAIT = 10.0  # seconds: an upper bound for events that should arrive, never a timing claim
QUIET = 0.5  # seconds of silence accepted as "nothing more came", before a positive control


class Person:
    def __init__(self, api: Mastodon, token: str) -> None:
        self.api = api
        self.token = token
        self.id = str(api.account_verify_credentials().id)


@pytest.fixture(scope="module")
def credentials(server: str) -> tuple[str, str]:
    return Mastodon.create_app("Myna streaming e2e", api_base_url=server, scopes=SCOPES)


@pytest.fixture(scope="module")
def register(server: str, credentials: tuple[str, str]) -> Callable[[str], Person]:
    client_id, client_secret = credentials

    def make(username: str) -> Person:
        app = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=server)
        token = app.create_account(
            username, PASSWORD, f"{username}@example.test", agreement=True, scopes=SCOPES
        )
        return Person(Mastodon(access_token=token, api_base_url=server), token)

    return make


class Recorder(StreamListener):
    """Keeps every event as (name, payload, stream) and lets the test wait for some."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any, Any]] = []
        self.errors: list[Any] = []
        self.ready = threading.Event()
        self._changed = threading.Condition()

    def _add(self, name: str, payload: Any, for_stream: Any) -> None:
        with self._changed:
            self.events.append((name, payload, for_stream))
            self._changed.notify_all()

    def handle_heartbeat(self) -> None:
        self.ready.set()

    def on_update(self, status: Any, for_stream: Any = None) -> None:
        self._add("update", status, for_stream)

    def on_delete(self, status_id: Any, for_stream: Any = None) -> None:
        self._add("delete", status_id, for_stream)

    def on_notification(self, notification: Any, for_stream: Any = None) -> None:
        self._add("notification", notification, for_stream)

    def on_conversation(self, conversation: Any, for_stream: Any = None) -> None:
        self._add("conversation", conversation, for_stream)

    def on_unknown_event(
        self, name: str, unknown_event: Any = None, for_stream: Any = None
    ) -> None:
        self._add(name, unknown_event, for_stream)

    def on_websocket_error(self, error: Any, for_stream: Any = None) -> None:
        with self._changed:
            self.errors.append(error)
            self._changed.notify_all()

    def on_abort(self, err: Exception) -> None:
        with self._changed:
            self.errors.append(err)
            self._changed.notify_all()

    def of(self, name: str) -> list[Any]:
        with self._changed:
            return [payload for event, payload, _ in self.events if event == name]

    def wait_for(self, what: str, found: Callable[[], bool]) -> None:
        with self._changed:
            if not self._changed.wait_for(found, timeout=WAIT):
                pytest.fail(
                    f"waited {WAIT:.0f} s for {what} in vain; got {self.events!r}, {self.errors!r}"
                )


@contextmanager
def sse(open_stream: Callable[[Recorder], Any]) -> Iterator[Recorder]:
    """Open a Mastodon.py SSE stream in its thread; yield once the server has subscribed it."""
    recorder = Recorder()
    handle = open_stream(recorder)
    try:
        if not recorder.ready.wait(WAIT):
            pytest.fail(f"the stream did not open within {WAIT:.0f} s: {recorder.errors!r}")
        yield recorder
    finally:
        handle.close()
        handle.join(WAIT)
        assert not handle.is_alive(), "the stream's thread did not end after close()"


def _ids(payloads: list[Any]) -> list[str]:
    return [str(p.id) for p in payloads]


def test_user_stream_gets_a_followed_post_its_mention_and_its_deletion(
    register: Callable[[str], Person],
) -> None:
    alice, bob = register("alice"), register("bob")
    bob.api.account_follow(alice.id)

    with sse(lambda r: bob.api.stream_user(r, run_async=True)) as heard:
        post = alice.api.status_post("@bob 你好，鲍勃！今天一起去公园吗？")
        heard.wait_for(
            "update and notification",
            lambda: bool(heard.of("update") and heard.of("notification")),
        )
        [update] = heard.of("update")
        assert str(update.id) == str(post.id)
        assert update.content == post.content
        assert str(update.account.id) == alice.id
        [note] = heard.of("notification")
        assert note.type == "mention"
        assert str(note.account.id) == alice.id
        assert str(note.status.id) == str(post.id)

        alice.api.status_delete(post)
        heard.wait_for("delete", lambda: bool(heard.of("delete")))
        assert [str(i) for i in heard.of("delete")] == [str(post.id)]
        assert heard.errors == []


def test_public_and_hashtag_streams_get_a_public_post_with_the_topic(
    register: Callable[[str], Person],
) -> None:
    carol, dave = register("carol"), register("dave")

    with (
        sse(lambda r: carol.api.stream_public(r, run_async=True)) as public,
        sse(lambda r: carol.api.stream_hashtag(TOPIC, r, run_async=True)) as tagged,
    ):
        plain = dave.api.status_post("No topic here, just birds")
        topical = dave.api.status_post(f"#{TOPIC}# 今天的{TOPIC}是天气")
        public.wait_for("two public updates", lambda: len(public.of("update")) == 2)
        assert _ids(public.of("update")) == [str(plain.id), str(topical.id)]
        tagged.wait_for("the tagged update", lambda: bool(tagged.of("update")))
        # One dispatcher delivers in publishing order: had the plain post reached the hashtag
        # stream, it would have come first.
        [update] = tagged.of("update")
        assert str(update.id) == str(topical.id)
        assert update.content == topical.content
        assert [t.name for t in update.tags] == [TOPIC]
        assert public.errors == [] and tagged.errors == []


def test_direct_stream_gets_a_conversation_for_a_direct_message(
    register: Callable[[str], Person],
) -> None:
    erin, frank = register("erin"), register("frank")

    with (
        sse(lambda r: erin.api.stream_direct(r, run_async=True)) as sender,
        sse(lambda r: frank.api.stream_direct(r, run_async=True)) as recipient,
    ):
        dm = erin.api.status_post("@frank 悄悄话：明天见", visibility="direct")
        recipient.wait_for("a conversation", lambda: bool(recipient.of("conversation")))
        sender.wait_for("a conversation", lambda: bool(sender.of("conversation")))

    # Mastodon's Conversation entity: id, unread, accounts (the others), last_status.
    [theirs] = recipient.of("conversation")
    assert str(theirs.last_status.id) == str(dm.id)
    assert theirs.last_status.visibility == "direct"
    assert [str(a.id) for a in theirs.accounts] == [erin.id]
    assert theirs.unread is True
    [mine] = sender.of("conversation")
    assert str(mine.last_status.id) == str(dm.id)
    assert [str(a.id) for a in mine.accounts] == [frank.id]
    assert mine.unread is False

    [listed] = frank.api.conversations()
    assert str(listed.id) == str(theirs.id)
    assert str(listed.last_status.id) == str(dm.id)


def test_mastodon_py_websocket_carries_two_streams(register: Callable[[str], Person]) -> None:
    gina, hank = register("gina"), register("hank")
    gina.api.account_follow(hank.id)

    recorder = Recorder()
    with gina.api.stream_open_websocket(recorder) as handle:
        gina.api.stream_user(recorder, websocket_handle=handle)
        gina.api.stream_hashtag(TOPIC, recorder, websocket_handle=handle)
        # An unknown stream is refused; its answer means both subscriptions before it are in.
        handle.subscribe("no-such-stream")
        recorder.wait_for("the refusal", lambda: bool(recorder.errors))

        post = hank.api.status_post(f"#{TOPIC}# 两个流，一个连接")
        recorder.wait_for("two updates", lambda: len(recorder.of("update")) == 2)

    updates = [(str(p.id), s) for name, p, s in recorder.events if name == "update"]
    assert sorted(updates) == sorted([(str(post.id), ["user"]), (str(post.id), ["hashtag", TOPIC])])
    [refusal] = recorder.errors
    assert refusal.args[1] == 400


# The raw protocol, with the `websockets` library.


def _ws_url(server: str, query: str = "") -> str:
    return server.replace("http", "ws", 1) + "/api/v1/streaming" + query


async def _send(ws: websockets.ClientConnection, **message: Any) -> None:
    await ws.send(orjson.dumps(message).decode())


async def _next(ws: websockets.ClientConnection, timeout: float = WAIT) -> dict[str, Any]:
    message: dict[str, Any] = orjson.loads(await asyncio.wait_for(ws.recv(), timeout))
    return message


async def _settled(ws: websockets.ClientConnection) -> None:
    """Every message sent before this one has been handled once the server refuses it."""
    await _send(ws, type="no-such-type")
    answer = await _next(ws)
    assert answer == {"error": "Unknown message type", "status": 400}


async def _update(ws: websockets.ClientConnection) -> tuple[list[str], str]:
    frame = await _next(ws)
    assert frame["event"] == "update", frame
    return frame["stream"], str(orjson.loads(frame["payload"])["id"])


async def test_websocket_token_as_subprotocol_is_echoed(
    server: str, register: Callable[[str], Person]
) -> None:
    ivy = register("ivy")
    async with websockets.connect(_ws_url(server), subprotocols=[ivy.token]) as ws:
        assert ws.subprotocol == ivy.token
        await _send(ws, type="subscribe", stream="user")
        await _settled(ws)  # the user stream needs a signed-in viewer: no 401 came first

    async with websockets.connect(_ws_url(server)) as ws:
        assert ws.subprotocol is None
        await _send(ws, type="subscribe", stream="user")
        assert await _next(ws) == {"error": "Missing access token", "status": 401}

    with pytest.raises(InvalidStatus):
        async with websockets.connect(_ws_url(server, "?access_token=not-a-token")):
            pass


async def test_websocket_two_streams_on_one_socket(
    server: str, register: Callable[[str], Person]
) -> None:
    jane, kate = register("jane"), register("kate")
    jane.api.account_follow(kate.id)

    url = _ws_url(server, "?access_token=" + quote(jane.token, safe=""))
    async with websockets.connect(url) as ws:
        assert ws.subprotocol is None
        await _send(ws, type="subscribe", stream="user")
        await _send(ws, type="subscribe", stream="hashtag", tag=TOPIC)
        await _settled(ws)

        first = await asyncio.to_thread(kate.api.status_post, f"#{TOPIC}# 第一条")
        heard = sorted([await _update(ws), await _update(ws)])
        assert heard == [(["hashtag", TOPIC], str(first.id)), (["user"], str(first.id))]

        await _send(ws, type="unsubscribe", stream="hashtag", tag=TOPIC)
        await _settled(ws)
        second = await asyncio.to_thread(kate.api.status_post, f"#{TOPIC}# 第二条")
        assert await _update(ws) == (["user"], str(second.id))
        with pytest.raises(TimeoutError):
            await _next(ws, timeout=QUIET)
        # Positive control: the socket still delivers, and nothing for the second post was
        # waiting ahead of the third.
        third = await asyncio.to_thread(kate.api.status_post, f"#{TOPIC}# 第三条")
        assert await _update(ws) == (["user"], str(third.id))
