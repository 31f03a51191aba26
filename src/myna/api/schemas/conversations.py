"""The Conversation entity: {id, unread, accounts (the other participants), last_status}."""

from typing import Any

from myna.api.schemas.accounts import render_account
from myna.api.schemas.media import MediaUrl
from myna.api.schemas.statuses import StatusRenderer
from myna.reads.conversations import ConversationPage


def render_conversations(
    page: ConversationPage, base_url: str, media_url: MediaUrl | None = None
) -> list[dict[str, Any]]:
    bundle = page.statuses
    if bundle is None:
        return []
    statuses = {s.id: s for s in bundle.statuses}
    renderer = StatusRenderer(base_url, media_url)
    out = []
    for conversation in page.conversations:
        status = statuses.get(conversation.last_status_id)
        if status is None:
            continue
        out.append(
            {
                "id": str(conversation.id),
                "unread": conversation.unread,
                "accounts": [
                    render_account(page.accounts[a], base_url) for a in conversation.account_ids
                ],
                "last_status": renderer.one(bundle, status),
            }
        )
    return out
