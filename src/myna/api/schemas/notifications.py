"""The Notification entity."""

from typing import Any

from myna.api.schemas.accounts import render_account
from myna.api.schemas.media import MediaUrl
from myna.api.schemas.statuses import StatusRenderer
from myna.lib.clock import iso
from myna.reads.notifications import NotificationPage


def render_notifications(
    page: NotificationPage, base_url: str, media_url: MediaUrl | None = None
) -> list[dict[str, Any]]:
    statuses = {s.id: s for s in page.statuses.statuses}
    renderer = StatusRenderer(base_url, media_url)
    out = []
    for n in page.notifications:
        status = statuses.get(n.status_id) if n.status_id is not None else None
        out.append(
            {
                "id": str(n.id),
                "type": n.type,
                "created_at": iso(n.created_at),
                "group_key": f"ungrouped-{n.id}",
                "account": render_account(page.accounts[n.from_account_id], base_url),
                "status": renderer.one(page.statuses, status) if status is not None else None,
            }
        )
    return out
