"""Turning broker messages into Mastodon event payloads (JSON strings), once per message
for what every receiver sees alike, once per receiver for what is theirs. A receiver whose
filters match a status gets it annotated (`filtered`) or, for `hide`, not at all."""

from dataclasses import dataclass, field

import orjson

from myna.api.schemas.conversations import render_conversations
from myna.api.schemas.filters import render_results
from myna.api.schemas.notifications import render_notifications
from myna.api.schemas.statuses import StatusRenderer
from myna.container import Container
from myna.events.messages import Message
from myna.lib.errors import NotFound
from myna.models import Status
from myna.policy.filters import NOTIFICATIONS, FilterSet, attached_text, hides


@dataclass(frozen=True)
class SharedStatus:
    """A status event rendered once for all its receivers. `status` (with `original` for a
    repost, and the `attached` media and poll text) is what filters match; None for a
    delete, whose payload is the id."""

    payload: str
    status: Status | None = None
    original: Status | None = None
    attached: dict[int, str] = field(default_factory=dict)


class Renderer:
    def __init__(self, container: Container) -> None:
        self.container = container
        self.base_url = container.settings.base_url.rstrip("/")
        self.media_url = container.storage.url
        self.statuses = StatusRenderer(self.base_url, self.media_url)

    async def shared(self, message: Message) -> SharedStatus | None:
        """What every receiver of a status event gets, or None if it is gone."""
        if message.event == "delete":
            return SharedStatus(str(message.status_id))
        if message.event in ("update", "status.update") and message.status_id is not None:
            bundle = await self.container.stream_reads.status_for_delivery(message.status_id)
            if bundle is None:
                return None
            status = bundle.statuses[0]
            polls = {status_id: view.poll for status_id, view in bundle.polls.items()}
            return SharedStatus(
                payload=orjson.dumps(self.statuses.first(bundle)).decode(),
                status=status,
                original=bundle.related.get(status.reblog_of_id) if status.reblog_of_id else None,
                attached=attached_text(bundle.media, polls),
            )
        return None

    def for_viewer(
        self, shared: SharedStatus, filters: FilterSet, context: str | None
    ) -> str | None:
        """One receiver's payload: the shared one, unless their filters match the status in the
        stream's filter context; then nothing for `hide`, or a copy with `filtered` set."""
        if shared.status is None or context is None or not filters:
            return shared.payload
        results = filters.match(shared.status, shared.original, context, attached=shared.attached)
        if not results:
            return shared.payload
        if hides(results, context):
            return None
        entity = orjson.loads(shared.payload)
        entity["filtered"] = render_results(results)
        if isinstance(entity.get("reblog"), dict):  # the reposted status shows the same
            entity["reblog"]["filtered"] = entity["filtered"]
        return orjson.dumps(entity).decode()

    async def personal(self, message: Message, viewer_id: int) -> str | None:
        """The payload of an event that is only the viewer's (notification, conversation),
        read through the same rules as the REST API; None if they may not see it."""
        if message.event == "notification" and message.notification_id is not None:
            try:
                page = await self.container.notification_reads.one(
                    viewer_id, message.notification_id, NOTIFICATIONS
                )
            except NotFound:
                return None
            rendered = render_notifications(page, self.base_url, self.media_url)
            return orjson.dumps(rendered[0]).decode() if rendered else None
        if message.event == "conversation" and message.conversation_id is not None:
            try:
                conversation = await self.container.conversation_reads.one(
                    viewer_id, message.conversation_id, message.status_id
                )
            except NotFound:
                return None
            conversations = render_conversations(conversation, self.base_url, self.media_url)
            return orjson.dumps(conversations[0]).decode() if conversations else None
        if message.event in ("typing", "presence", "conversation.read"):
            return orjson.dumps(message.extra).decode()
        return None
