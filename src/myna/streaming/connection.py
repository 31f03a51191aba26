"""One client's streaming connection (a WebSocket or an SSE response): its subscriptions,
what it knows of its viewer, and a bounded queue of frames waiting to be written.

A connection never blocks the hub: frames are queued without waiting, and a client whose
queue is full is dropped (it can catch up through the REST timelines with since_id)."""

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from myna.events import messages as ch
from myna.events.messages import Message
from myna.lib.ids import parse_id
from myna.policy import scopes as scope_rules
from myna.policy.visibility import Facts, may_see_parts
from myna.reads.streaming import ViewerState
from myna.reads.tokens import Caller
from myna.streaming import streams

if TYPE_CHECKING:
    from myna.streaming.hub import Hub

STATUS_EVENTS = frozenset({"update", "delete", "status.update"})


class StreamError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Frame:
    stream: list[str]
    event: str
    payload: str | None  # None: an event without one (filters_changed), or not rendered
    # The broker message behind it, for connections that read what they need themselves
    # (`renders_conversations` False).
    message: Message | None = None


@dataclass
class Subscription:
    stream: str
    tag: str | None
    tag_key: str | None
    channels: list[str] = field(default_factory=list)


class Connection:
    # Whether opening and closing it tells the viewer's partners they came online or went
    # offline. The IM gateway's connections do not: the IM client's own presence says that.
    announces_presence = True
    # Whether `conversation` events come rendered (the Conversation entity, read through the
    # REST rules). The IM gateway's connections read the one new status themselves instead.
    renders_conversations = True

    def __init__(self, hub: "Hub", caller: Caller | None, queue_size: int) -> None:
        self.hub = hub
        self.caller = caller
        self.viewer_id = caller.account.id if caller and caller.account else None
        self.token_id = caller.token.id if caller else None
        self.scopes = caller.scopes if caller else frozenset()
        self.state = ViewerState()
        self.queue: asyncio.Queue[Frame] = asyncio.Queue(maxsize=queue_size)
        self.subscriptions: dict[tuple[str, str | None], Subscription] = {}
        self.dropped = asyncio.Event()
        self.drop_reason = ""
        self._control: str | None = None

    async def open(self) -> None:
        if self.viewer_id is not None:
            # Listen for changes first, so none falls between loading the state and listening.
            self._control = ch.control(self.viewer_id)
            await self.hub.attach(self, self._control)
            self.state = await self.hub.viewer_state(self.viewer_id)
            if self.announces_presence:
                await self.hub.came_online(self)

    async def close(self) -> None:
        for sub in list(self.subscriptions.values()):
            for channel in sub.channels:
                await self.hub.detach(self, channel)
        self.subscriptions.clear()
        if self._control is not None:
            await self.hub.detach(self, self._control)
            if self.announces_presence:
                await self.hub.went_offline(self)
            self._control = None

    async def subscribe(self, stream: str, tag: str | None = None) -> Subscription:
        if stream in streams.RESERVED:
            raise StreamError(f"The {stream} stream is not available yet", 400)
        spec = streams.SPECS.get(stream)
        if spec is None:
            raise StreamError("Unknown stream type", 400)
        if spec.needs_user and self.viewer_id is None:
            raise StreamError("Missing access token", 401)
        if self.caller is not None and not scope_rules.allows(self.scopes, spec.scope):
            raise StreamError("Access token does not have the required scopes", 403)
        tag_key = None
        if stream == "group":
            group_id = parse_id(tag)
            if group_id is None or group_id not in self.state.groups:
                # Members only; any other group, secret or missing, is simply not found.
                raise StreamError("Group not found", 404)
            tag = tag_key = str(group_id)
        elif stream.startswith("hashtag"):
            tag = (tag or "").strip().lstrip("#")
            if not tag or len(tag) > 200:
                raise StreamError("A hashtag stream needs a tag", 400)
            tag_key = self.hub.tag_key(tag)
        key = (stream, tag_key)
        if key in self.subscriptions:
            return self.subscriptions[key]
        sub = Subscription(stream=stream, tag=tag, tag_key=tag_key)
        sub.channels = streams.channels(stream, self.viewer_id, tag_key, self.state)
        self.subscriptions[key] = sub
        for channel in sub.channels:
            await self.hub.attach(self, channel)
        return sub

    async def unsubscribe(self, stream: str, tag: str | None = None) -> None:
        if stream == "group":
            tag_key = str(parse_id(tag)) if tag else None
        else:
            tag_key = self.hub.tag_key(tag.strip().lstrip("#")) if tag else None
        sub = self.subscriptions.pop((stream, tag_key), None)
        if sub is not None:
            for channel in set(sub.channels) - self._channels_in_use():
                await self.hub.detach(self, channel)

    def _channels_in_use(self) -> set[str]:
        """Streams share channels (public and public:local, user and user:notification): one
        stays attached while any subscription still reads it."""
        return {channel for sub in self.subscriptions.values() for channel in sub.channels}

    async def refresh(self) -> None:
        """Relations changed: reload them, and follow pulled authors' channels anew."""
        if self.viewer_id is None:
            return
        self.state = await self.hub.viewer_state(self.viewer_id)
        for sub in self.subscriptions.values():
            wanted = streams.channels(sub.stream, self.viewer_id, sub.tag_key, self.state)
            dropped = set(sub.channels) - set(wanted)
            for channel in set(wanted) - set(sub.channels):
                await self.hub.attach(self, channel)
            sub.channels = wanted
            for channel in dropped - self._channels_in_use():
                await self.hub.detach(self, channel)

    def may_receive(self, message: Message, channel: str) -> bool:
        """The one visibility rule, with this viewer's relations, before anything is sent.
        A status addressed to a list is received only on the viewer's own `user:` channel:
        only its audience is addressed there, and nothing else here knows who is in a list."""
        authors = message.account_ids
        viewer = self.viewer_id
        if message.list_id is not None and (viewer is None or channel != ch.user(viewer)):
            return False
        if viewer is not None:
            if any(a in self.state.blocked for a in authors):
                return False
            if message.event in STATUS_EVENTS and any(
                a in self.state.muted for a in authors if a != viewer
            ):
                return False
        if message.event not in STATUS_EVENTS:
            if message.group_id is not None:
                # A member typing or coming online in a group: for its other members only.
                return (
                    viewer is not None
                    and viewer not in authors
                    and message.group_id in self.state.groups
                )
            return True  # personal events: their payload is read through the REST rules
        if not authors or message.visibility is None:
            return False
        facts = Facts(
            group_member=message.group_id is not None and message.group_id in self.state.groups,
            follows_author=authors[0] in self.state.following,
            mentioned=viewer is not None and viewer in message.mentioned_ids,
            # Only the list's audience is addressed on its own user channel (checked above).
            in_list=message.list_id is not None,
        )
        return may_see_parts(viewer, authors[0], message.visibility, facts, list_id=message.list_id)

    def streams_for(self, channel: str, event: str) -> list[Subscription]:
        return [
            sub
            for sub in self.subscriptions.values()
            if channel in sub.channels and event in streams.SPECS[sub.stream].events
        ]

    def offer(self, frame: Frame) -> None:
        if self.dropped.is_set():
            return
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.drop("This client reads too slowly; reconnect and catch up with since_id")

    def drop(self, reason: str) -> None:
        self.drop_reason = reason
        self.dropped.set()
