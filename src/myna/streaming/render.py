"""Turning broker messages into Mastodon event payloads (JSON strings), once per message
for what every receiver sees alike, once per receiver for what is theirs."""

import orjson

from myna.api.schemas.conversations import render_conversations
from myna.api.schemas.notifications import render_notifications
from myna.api.schemas.statuses import StatusRenderer
from myna.container import Container
from myna.events.messages import Message
from myna.lib.errors import NotFound


class Renderer:
    def __init__(self, container: Container) -> None:
        self.container = container
        self.base_url = container.settings.base_url.rstrip("/")
        self.statuses = StatusRenderer(self.base_url)

    async def shared(self, message: Message) -> str | None:
        """The payload every receiver of a status event gets, or None if it is gone."""
        if message.event == "delete":
            return str(message.status_id)
        if message.event in ("update", "status.update") and message.status_id is not None:
            bundle = await self.container.stream_reads.status_for_delivery(message.status_id)
            if bundle is None:
                return None
            return orjson.dumps(self.statuses.first(bundle)).decode()
        return None

    async def personal(self, message: Message, viewer_id: int) -> str | None:
        """The payload of an event that is only the viewer's (notification, conversation),
        read through the same rules as the REST API; None if they may not see it."""
        if message.event == "notification" and message.notification_id is not None:
            try:
                page = await self.container.notification_reads.one(
                    viewer_id, message.notification_id
                )
            except NotFound:
                return None
            rendered = render_notifications(page, self.base_url)
            return orjson.dumps(rendered[0]).decode() if rendered else None
        if message.event == "conversation" and message.conversation_id is not None:
            try:
                conversation = await self.container.conversation_reads.one(
                    viewer_id, message.conversation_id
                )
            except NotFound:
                return None
            conversations = render_conversations(conversation, self.base_url)
            return orjson.dumps(conversations[0]).decode() if conversations else None
        if message.event in ("typing", "presence"):
            return orjson.dumps(message.extra).decode()
        return None
