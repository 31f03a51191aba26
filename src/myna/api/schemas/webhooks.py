"""The WebhookSubscription and WebhookDelivery entities, and the payloads of webhook events:
each event's object as the API renders it for the account that authorized the app."""

from typing import Any

import orjson

from myna.api.schemas.accounts import render_account
from myna.api.schemas.statuses import StatusRenderer
from myna.container import Container
from myna.lib.clock import iso
from myna.lib.errors import NotFound
from myna.models import WebhookDelivery, WebhookSubscription
from myna.policy import webhooks as events


def render_subscription(
    subscription: WebhookSubscription, secret: str | None = None
) -> dict[str, Any]:
    """`secret` only right after it was made (creation, rotation): it is shown once."""
    out: dict[str, Any] = {
        "id": str(subscription.id),
        "url": subscription.url,
        "events": list(subscription.events),
        "active": subscription.active,
        "created_at": iso(subscription.created_at),
        "updated_at": iso(subscription.updated_at),
    }
    if secret is not None:
        out["secret"] = secret
    return out


def delivery_state(delivery: WebhookDelivery) -> str:
    if delivery.next_attempt_at is not None:
        return "pending"
    return "delivered" if delivery.delivered_at is not None else "failed"


def render_delivery(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": str(delivery.id),
        "subscription_id": str(delivery.subscription_id),
        "event": delivery.event,
        "account_id": str(delivery.account_id),
        "object_id": str(delivery.object_id),
        "state": delivery_state(delivery),
        "attempts": delivery.attempts,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "attempt_log": list(delivery.attempt_log or []),
        "next_attempt_at": iso(delivery.next_attempt_at) if delivery.next_attempt_at else None,
        "delivered_at": iso(delivery.delivered_at) if delivery.delivered_at else None,
        "created_at": iso(delivery.created_at),
        # The body as sent (None until the first attempt rendered it).
        "payload": orjson.loads(delivery.payload) if delivery.payload else None,
    }


class WebhookPayloads:
    """The `PayloadRenderer` of actions/webhooks.py: statuses through `status_reads.one`
    (the visibility rule: None when the account may not see it), accounts as profiles."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.base_url = container.settings.base_url.rstrip("/")
        self.statuses = StatusRenderer(self.base_url, container.storage.url)

    async def __call__(self, event: str, account_id: int, object_id: int) -> dict[str, Any] | None:
        try:
            if event in (events.STATUS_CREATED, events.MENTION):
                bundle = await self.container.status_reads.one(account_id, object_id)
                return self.statuses.first(bundle)
            if event == events.GROUP_STATUS_CREATED:
                # Checked before the attempt: the app is added to the post's group.
                group_bundle = await self.container.webhook_reads.group_status(object_id)
                return None if group_bundle is None else self.statuses.first(group_bundle)
            if event in (events.FOLLOW, events.FOLLOW_REQUEST, events.GROUP_MEMBER_JOINED):
                account = await self.container.account_reads.one(object_id)
                return render_account(account, self.base_url, media_url=self.container.storage.url)
        except NotFound:
            return None
        return None


def install(container: Container) -> None:
    """Let this process send webhooks: the app and the worker call it."""
    container.webhook_actions.payloads = WebhookPayloads(container)
