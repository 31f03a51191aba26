"""The Tag entity (Mastodon's): a `#tag` or `#话题#` topic with its last seven days of use."""

from typing import Any
from urllib.parse import quote

from myna.reads.tags import TagDay, TagView


def tag_url(base_url: str, name: str) -> str:
    """The tag's page (web/statuses.py serves `/tags/{name}`)."""
    return f"{base_url.rstrip('/')}/tags/{quote(name, safe='')}"


def render_history(days: list[TagDay]) -> list[dict[str, str]]:
    # Mastodon sends the numbers as strings, the day as the UTC day's start in unix seconds.
    return [
        {"day": str(day.day), "uses": str(day.uses), "accounts": str(day.accounts)} for day in days
    ]


def render_tag(tag: TagView, base_url: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(tag.id),
        "name": tag.name,
        "url": tag_url(base_url, tag.name),
        "history": render_history(tag.history),
    }
    # Only when the viewer is known (the followed-tags reads fill it in); absent otherwise.
    if tag.following is not None:
        out["following"] = tag.following
    return out


def render_tags(tags: list[TagView], base_url: str) -> list[dict[str, Any]]:
    return [render_tag(tag, base_url) for tag in tags]
