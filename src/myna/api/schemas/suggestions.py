"""The Suggestion entity (GET /api/v2/suggestions)."""

from typing import Any

from myna.api.schemas.accounts import render_account
from myna.api.schemas.enums import SUGGESTION_SOURCE_LEGACY
from myna.api.schemas.media import MediaUrl
from myna.reads.suggestions import Suggestion


def render_suggestion(
    suggestion: Suggestion, base_url: str, *, media_url: MediaUrl | None = None
) -> dict[str, Any]:
    return {
        "source": SUGGESTION_SOURCE_LEGACY[suggestion.sources[0]],
        "sources": [source.value for source in suggestion.sources],
        "account": render_account(suggestion.account, base_url, media_url=media_url),
    }
