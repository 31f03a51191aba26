"""One Hub per server process: it subscribes to the broker channels its connections need
(once per channel, however many connections) and hands each message to those connections.

Messages are processed by a single dispatcher task in arrival order; rendering happens once
per message (and once per receiver for personal events, or for a receiver whose filters match
the status: policy/filters.py, loaded with the connection's viewer state), and frames are
queued to connections without waiting, so one slow client never delays another."""

import asyncio
import contextlib
import logging
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from myna.backends.broker import Broker
from myna.container import Container
from myna.events.messages import Message
from myna.lib.errors import NotFound
from myna.lib.ids import parse_id
from myna.lib.text import tag_key
from myna.policy import scopes as scope_rules
from myna.reads.streaming import ViewerState
from myna.streaming import streams
from myna.streaming.connection import STATUS_EVENTS, Connection, Frame, StreamError
from myna.streaming.render import Renderer, SharedStatus

log = logging.getLogger("myna.streaming")

INBOX_LIMIT = 100_000
RENDERED_KEPT = 1024
# Names this process's connections in the presence backend, which other processes share.
PROCESS_ID = uuid.uuid4().hex


def _presence_id(connection: Connection) -> str:
    return f"{PROCESS_ID}:{id(connection)}"


class Hub:
    def __init__(self, container: Container) -> None:
        self.container = container
        self.broker: Broker = container.broker
        self.renderer = Renderer(container)
        self._listeners: dict[str, set[Connection]] = {}
        self._inbox: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(maxsize=INBOX_LIMIT)
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self.connections: set[Connection] = set()
        self._rendered: OrderedDict[int, SharedStatus | None] = OrderedDict()
        # Channels a service of this process (the IM gateway) reads itself, not a connection.
        self._services: dict[str, Callable[[Message], Awaitable[None]]] = {}

    def _remember(self, message_id: int, payload: SharedStatus | None) -> None:
        """Keep recent renderings: the copies of one publish arrive one channel at a time."""
        self._rendered[message_id] = payload
        while len(self._rendered) > RENDERED_KEPT:
            self._rendered.popitem(last=False)

    async def start(self) -> None:
        """Idempotent: the app's lifespan starts the hub, and so does the first connection
        (test clients that skip the lifespan still stream)."""
        if self._task is not None:
            return
        self.broker.set_handler(self._receive)
        self._task = asyncio.create_task(self._dispatch(), name="myna-streaming-hub")

    async def stop(self) -> None:
        for connection in list(self.connections):
            connection.drop("The server is shutting down")
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def tag_key(self, name: str) -> str:
        return tag_key(name)

    async def viewer_state(self, viewer_id: int) -> ViewerState:
        return await self.container.stream_reads.viewer_state(viewer_id)

    # Subscriptions, counted per channel so the broker hears of each channel once.

    async def attach(self, connection: Connection, channel: str) -> None:
        async with self._lock:
            listeners = self._listeners.setdefault(channel, set())
            first = not listeners
            listeners.add(connection)
            if first:
                await self.broker.subscribe(channel)

    async def detach(self, connection: Connection, channel: str) -> None:
        async with self._lock:
            listeners = self._listeners.get(channel)
            if listeners is None:
                return
            listeners.discard(connection)
            if not listeners:
                del self._listeners[channel]
                await self.broker.unsubscribe(channel)

    async def serve(self, channel: str, handler: Callable[[Message], Awaitable[None]]) -> None:
        """Hand every message on `channel` to `handler`, in arrival order (one per channel)."""
        self._services[channel] = handler
        await self.broker.subscribe(channel)

    async def register(self, connection: Connection) -> None:
        self.connections.add(connection)
        await connection.open()

    async def unregister(self, connection: Connection) -> None:
        self.connections.discard(connection)
        await connection.close()

    # Presence and typing (docs/streaming.md): called when a signed-in connection opens or
    # closes, and when its client says it is typing.

    async def came_online(self, connection: Connection) -> None:
        if connection.viewer_id is not None:
            await self.container.presence_actions.do_connect(
                connection.viewer_id, _presence_id(connection)
            )

    async def went_offline(self, connection: Connection) -> None:
        if connection.viewer_id is not None:
            await self.container.presence_actions.do_disconnect(
                connection.viewer_id, _presence_id(connection)
            )

    async def typing(self, connection: Connection, conversation: object) -> None:
        if connection.viewer_id is None:
            raise StreamError("Missing access token", 401)
        if not scope_rules.allows(connection.scopes, "write:conversations"):
            raise StreamError("Access token does not have the required scopes", 403)
        conversation_id = parse_id(conversation)
        if conversation_id is None:
            raise StreamError("conversation must be a conversation id", 400)
        try:
            await self.container.conversation_actions.do_typing(
                connection.viewer_id, conversation_id
            )
        except NotFound as exc:  # not a participant looks the same as no such conversation
            raise StreamError(exc.message, 404) from None

    async def group_typing(self, connection: Connection, group: object) -> None:
        """`{"type": "typing", "group": id}`: a member typing in a group (to post in it)."""
        if connection.viewer_id is None:
            raise StreamError("Missing access token", 401)
        if not scope_rules.allows(connection.scopes, "write:statuses"):
            raise StreamError("Access token does not have the required scopes", 403)
        group_id = parse_id(group)
        if group_id is None:
            raise StreamError("group must be a group id", 400)
        try:
            await self.container.group_actions.do_typing(connection.viewer_id, group_id)
        except NotFound as exc:  # not a member looks the same as no such group
            raise StreamError(exc.message, 404) from None

    # Delivery.

    async def _receive(self, channel: str, raw: bytes) -> None:
        try:
            self._inbox.put_nowait((channel, raw))
        except asyncio.QueueFull:
            log.error("streaming inbox full: dropping a message for %s", channel)

    async def _dispatch(self) -> None:
        while True:
            channel, raw = await self._inbox.get()
            try:
                await self._deliver(channel, Message.decode(raw))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("could not deliver a message on %s", channel)

    async def _deliver(self, channel: str, message: Message) -> None:
        service = self._services.get(channel)
        if service is not None:
            await service(message)
        listeners = list(self._listeners.get(channel, ()))
        if not listeners:
            return
        if message.event == "relations":
            for connection in listeners:
                await connection.refresh()
            return
        if message.event == "revoked":
            for connection in listeners:
                if connection.token_id == message.extra.get("token_id"):
                    connection.drop("The access token was revoked")
            return
        if message.event == "filters_changed":
            # Reload the viewer's filters; user streams hear of it, as on Mastodon.
            for connection in listeners:
                await connection.refresh()
                if any(sub.stream == "user" for sub in connection.subscriptions.values()):
                    connection.offer(Frame(["user"], "filters_changed", None))
            return
        shared: SharedStatus | None = None
        shared_done = message.id in self._rendered
        if shared_done:
            shared = self._rendered[message.id]
        personal: dict[int, str | None] = {}
        for connection in listeners:
            subs = connection.streams_for(channel, message.event)
            if not subs or not connection.may_receive(message, channel):
                continue
            if message.event in STATUS_EVENTS:
                if not shared_done:
                    shared = await self.renderer.shared(message)
                    shared_done = True
                    self._remember(message.id, shared)
                if shared is None:
                    continue
                for sub in subs:
                    # One rendering for all, unless this viewer's filters match the status.
                    context = streams.filter_context(sub.stream)
                    text = self.renderer.for_viewer(shared, connection.state.filters, context)
                    if text is not None:
                        label = streams.label(sub.stream, sub.tag)
                        connection.offer(Frame(label, message.event, text))
                continue
            viewer = connection.viewer_id
            if viewer is None:
                continue
            if message.event == "conversation" and not connection.renders_conversations:
                for sub in subs:
                    label = streams.label(sub.stream, sub.tag)
                    connection.offer(Frame(label, message.event, None, message))
                continue
            if viewer not in personal:
                personal[viewer] = await self.renderer.personal(message, viewer)
            payload = personal[viewer]
            if payload is None:
                continue
            for sub in subs:
                connection.offer(Frame(streams.label(sub.stream, sub.tag), message.event, payload))
