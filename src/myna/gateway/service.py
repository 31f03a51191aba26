"""The gateway: two component connections (people and rooms), a streaming connection per
linked account, and the `im` broker channel that says when links change or a code must go out.

Every linked account has one `ImConnection` on the streaming hub, subscribed to its direct
stream (and its notifications, when it asked for them; and the group streams of the rooms it
is in). What that connection receives has passed the same checks as any WebSocket client's
frames; the gateway only turns it into stanzas."""

import asyncio
import logging
from dataclasses import dataclass, field

import orjson

from myna.backends.ratelimit import Bucket
from myna.config import Settings
from myna.container import Container
from myna.events import messages as channels_for
from myna.events.messages import Message
from myna.gateway.component import Component, Refused
from myna.gateway.people import People
from myna.gateway.rooms import Rooms
from myna.lib import jids
from myna.streaming.connection import Connection, Frame
from myna.streaming.hub import Hub

log = logging.getLogger("myna.gateway")

QUEUE_SIZE = 10_000
CONNECT_TIMEOUT = 30.0


class ImConnection(Connection):
    """A linked account's streaming connection, held by the gateway. It does not make the
    account look online: the IM client's own presence does that (gateway/people.py)."""

    announces_presence = False
    renders_conversations = False  # people.py reads the new status as the account sees it

    def __init__(self, hub: Hub, account_id: int, gateway: "Gateway") -> None:
        super().__init__(hub, None, QUEUE_SIZE)
        self.viewer_id = account_id
        self.gateway = gateway

    def drop(self, reason: str) -> None:
        super().drop(reason)
        assert self.viewer_id is not None
        self._restart = asyncio.create_task(self.gateway.fell_behind(self.viewer_id, reason))

    async def refresh(self) -> None:
        """Relations changed, groups among them: rooms the account left follow at once."""
        await super().refresh()
        assert self.viewer_id is not None
        await self.gateway.rooms.memberships_changed(self.viewer_id)


@dataclass
class Linked:
    """A confirmed link, while the gateway holds its connection."""

    account_id: int
    username: str
    address: str  # the bare XMPP address
    notify: bool
    connection: ImConnection
    task: "asyncio.Task[None] | None" = None
    resources: set[str] = field(default_factory=set)  # full addresses available now


class Gateway:
    def __init__(self, container: Container, hub: Hub, settings: Settings) -> None:
        self.container = container
        self.hub = hub
        self.settings = settings
        self.domain = settings.xmpp_domain
        self.rooms_domain = settings.xmpp_rooms_domain
        self.people_component = Component(
            self.domain, settings.xmpp_secret, settings.xmpp_host, settings.xmpp_port
        )
        self.rooms_component = Component(
            self.rooms_domain, settings.xmpp_secret, settings.xmpp_host, settings.xmpp_port
        )
        self.linked: dict[int, Linked] = {}
        self._lock = asyncio.Lock()
        self._stopping = False
        self.people = People(self)
        self.rooms = Rooms(self)

    @property
    def own_domains(self) -> tuple[str, str]:
        return (self.domain, self.rooms_domain)

    async def start(self, *, wait: bool = False) -> None:
        """Listen for link changes, open a connection per confirmed link, join the XMPP
        server. `wait`: return only once both components are in (the `myna gateway`
        command); otherwise joining goes on in the background and retries."""
        await self.hub.start()
        await self.hub.serve(channels_for.IM, self._on_im)
        for link in await self.container.im_reads.confirmed_links():
            await self._open(link.account_id)
        self.people.install(self.people_component)
        self.rooms.install(self.rooms_component)
        self.people_component.connect()
        self.rooms_component.connect()
        if wait:
            await asyncio.wait_for(self.ready(), CONNECT_TIMEOUT)

    async def ready(self) -> None:
        await self.people_component.connected_once.wait()
        await self.rooms_component.connected_once.wait()

    async def stop(self) -> None:
        """Leave the XMPP server first, so that no stanza opens a connection again."""
        self._stopping = True
        await self.people_component.stop()
        await self.rooms_component.stop()
        for account_id in list(self.linked):
            await self._close(account_id)

    # Links.

    async def _on_im(self, message: Message) -> None:
        if not message.account_ids:
            return
        account_id = message.account_ids[0]
        if message.event == "im.code":
            self.people.send_code(str(message.extra["address"]), str(message.extra["code"]))
        elif message.event == "im.changed":
            await self._reload(account_id)

    async def _reload(self, account_id: int) -> None:
        """A link was made, changed or undone: from now on the gateway acts on what it is."""
        link = await self.container.im_reads.link(account_id)
        current = self.linked.get(account_id)
        linked = link is not None and link.confirmed_at is not None
        if current is not None and (not linked or link is None or link.address != current.address):
            await self._close(account_id)
            current = None
        if not linked or link is None:
            return
        if current is None:
            await self._open(account_id)
        elif current.notify != link.notify:
            current.notify = link.notify
            if link.notify:
                await current.connection.subscribe("user:notification")
            else:
                await current.connection.unsubscribe("user:notification")

    async def _open(self, account_id: int) -> None:
        async with self._lock:
            if account_id in self.linked or self._stopping:
                return
            link = await self.container.im_reads.link(account_id)
            if link is None or link.confirmed_at is None:
                return
            names = await self.container.im_reads.usernames([account_id])
            connection = ImConnection(self.hub, account_id, self)
            await self.hub.register(connection)
            await connection.subscribe("direct")
            if link.notify:
                await connection.subscribe("user:notification")
            linked = Linked(
                account_id, names.get(account_id, ""), link.address, link.notify, connection
            )
            linked.task = asyncio.create_task(self._drain(linked), name=f"myna-im-{account_id}")
            self.linked[account_id] = linked

    async def _close(self, account_id: int) -> None:
        async with self._lock:
            linked = self.linked.pop(account_id, None)
        if linked is None:
            return
        await self.rooms.leave_all(linked, unlinked=True)
        await self.people.went_away(linked)
        if linked.task is not None:
            linked.task.cancel()
        await self.hub.unregister(linked.connection)

    async def _drain(self, linked: Linked) -> None:
        connection = linked.connection
        while True:
            frame = await connection.queue.get()
            try:
                await self._deliver(linked, frame)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("could not deliver %s to %s", frame.event, linked.address)

    async def fell_behind(self, account_id: int, reason: str) -> None:
        """The hub dropped an account's connection (its queue was full): start it again,
        from what the database says now. Its rooms are left; the IM client may enter again."""
        if self._stopping:
            return
        log.error("the gateway fell behind for %d (%s); starting it again", account_id, reason)
        await self._close(account_id)
        await self._open(account_id)

    async def _deliver(self, linked: Linked, frame: Frame) -> None:
        payload = orjson.loads(frame.payload) if frame.payload else {}
        stream = frame.stream[0]
        if stream == "group":
            await self.rooms.deliver(linked, int(frame.stream[1]), frame.event, payload)
        elif stream == "direct" and frame.event == "conversation":
            message = frame.message
            # The author hears of their own message too: their IM client sent it, or they
            # wrote it on the web; either way there is nothing to send them.
            if (
                message is not None
                and message.status_id is not None
                and message.account_ids[:1] != [linked.account_id]
            ):
                await self.people.new_message(linked, message.status_id)
        elif stream == "direct":
            await self.people.deliver(linked, frame.event, payload)
        elif stream == "user:notification" and frame.event == "notification":
            await self.people.notify(linked, payload)

    # Rate limits: what the gateway posts counts against the account's statuses bucket, the
    # same one its API calls count against (api/ratelimits.py).

    async def check_rate(self, account_id: int) -> None:
        usage = await self.container.rate_limiter.peek(Bucket.STATUSES, str(account_id))
        if usage is not None and not usage.allowed:
            raise Refused(
                "wait",
                "resource-constraint",
                f"Too many posts; try again in {usage.retry_after()} s",
            )

    async def count_post(self, account_id: int) -> None:
        await self.container.rate_limiter.hit(Bucket.STATUSES, str(account_id))

    # Who is who.

    def address_of(self, username: str) -> str:
        return f"{username.lower()}@{self.domain}"

    async def sender(self, raw_from: str) -> Linked | None:
        """The linked account a stanza comes from, read from the database each time (an
        unlinked address is refused from the moment the unlink commits)."""
        jid = jids.person(raw_from)
        if jid is None:
            return None
        account_id = await self.container.im_reads.sender(jid.bare)
        if account_id is None:
            return None
        linked = self.linked.get(account_id)
        if linked is None:
            await self._open(account_id)
            linked = self.linked.get(account_id)
        return linked
