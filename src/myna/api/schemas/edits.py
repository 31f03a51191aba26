"""StatusEdit and StatusSource entities."""

from typing import Any

from myna.api.schemas.accounts import render_account
from myna.lib.clock import iso
from myna.models import Status
from myna.reads.edits import History


def render_history(history: History, base_url: str) -> list[dict[str, Any]]:
    account = render_account(history.account, base_url)
    return [
        {
            "content": v.content,
            "spoiler_text": v.spoiler_text,
            "sensitive": v.sensitive,
            "created_at": iso(v.created_at),
            "account": account,
            "poll": None,
            "media_attachments": [],
            "emojis": [],
        }
        for v in history.versions
    ]


def render_source(status: Status) -> dict[str, Any]:
    return {"id": str(status.id), "text": status.text, "spoiler_text": status.spoiler_text}
