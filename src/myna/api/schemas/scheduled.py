"""The ScheduledStatus entity: a post waiting for its time, with the parameters it was given."""

from typing import Any

from myna.api.schemas.enums import visibility_to_wire
from myna.api.schemas.media import MediaUrl, render_media
from myna.lib.clock import iso
from myna.models import ScheduledStatus
from myna.reads.scheduled import ScheduledPage


def render_scheduled(page: ScheduledPage, url: MediaUrl) -> list[dict[str, Any]]:
    return [_one(row, page, url) for row in page.rows]


def _one(row: ScheduledStatus, page: ScheduledPage, url: MediaUrl) -> dict[str, Any]:
    p = row.params
    media_ids = [str(i) for i in p.get("media_ids") or []]
    visibility = p.get("visibility")
    return {
        "id": str(row.id),
        "scheduled_at": iso(row.scheduled_at),
        "params": {
            "text": p.get("text", ""),
            "poll": _poll(p.get("poll")),
            "media_ids": media_ids or None,
            "sensitive": p.get("sensitive", False),
            "spoiler_text": p.get("spoiler_text") or None,
            "visibility": visibility_to_wire(visibility) if visibility else None,
            "in_reply_to_id": _id(p.get("in_reply_to_id")),
            "quoted_status_id": _id(p.get("quoted_status_id")),
            "language": p.get("language"),
            "application_id": _id(row.app_id),
            "scheduled_at": None,
            "idempotency": None,
            "with_rate_limit": False,
            # Myna's audiences, as for posting.
            "group_id": _id(p.get("group_id")),
            "list_id": _id(p.get("list_id")),
        },
        "media_attachments": [render_media(m, url) for m in page.media.get(row.id, [])],
    }


def _poll(poll: dict[str, Any] | None) -> dict[str, Any] | None:
    if not poll:
        return None
    return {
        "options": list(poll.get("options", [])),
        "expires_in": str(poll.get("expires_in", "")),
        "multiple": bool(poll.get("multiple", False)),
        "hide_totals": bool(poll.get("hide_totals", False)),
    }


def _id(value: int | None) -> str | None:
    return str(value) if value is not None else None
