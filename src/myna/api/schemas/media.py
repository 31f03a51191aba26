"""The MediaAttachment entity. URLs come from the storage backend (`Storage.url`), so the
same row renders as /system/media/... or as a bucket's public URL."""

from collections.abc import Callable
from typing import Any

from myna.models import MediaAttachment

MediaUrl = Callable[[str], str]


def _size(width: int, height: int) -> dict[str, Any]:
    return {
        "width": width,
        "height": height,
        "size": f"{width}x{height}",
        "aspect": width / height if height else 0.0,
    }


def render_media(media: MediaAttachment, url: MediaUrl) -> dict[str, Any]:
    return {
        "id": str(media.id),
        "type": media.type,
        "url": url(media.file_key),
        "preview_url": url(media.preview_key),
        "remote_url": None,
        "preview_remote_url": None,
        "text_url": None,
        "meta": {
            "original": _size(media.width, media.height),
            "small": _size(media.preview_width, media.preview_height),
            "focus": {"x": media.focus_x, "y": media.focus_y},
        },
        "description": media.description,
        "blurhash": media.blurhash,
    }
