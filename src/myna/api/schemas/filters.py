"""The Filter, FilterKeyword, FilterStatus and FilterResult entities, and V1::Filter."""

from collections.abc import Iterable
from typing import Any

from myna.lib.clock import iso
from myna.models import Filter, FilterKeyword, FilterStatus
from myna.policy.filters import HIDE, FilterGroup, FilterResult
from myna.reads.filters import PhraseFilter


def render_keyword(keyword: FilterKeyword) -> dict[str, Any]:
    return {"id": str(keyword.id), "keyword": keyword.keyword, "whole_word": keyword.whole_word}


def render_filter_status(row: FilterStatus) -> dict[str, Any]:
    return {"id": str(row.id), "status_id": str(row.status_id)}


def _filter(found: Filter) -> dict[str, Any]:
    return {
        "id": str(found.id),
        "title": found.title,
        "context": list(found.context),
        "expires_at": iso(found.expires_at) if found.expires_at is not None else None,
        "filter_action": found.action,
    }


def render_filter(group: FilterGroup) -> dict[str, Any]:
    return {
        **_filter(group.filter),
        "keywords": [render_keyword(k) for k in group.keywords],
        "statuses": [render_filter_status(s) for s in group.statuses],
    }


def render_results(results: Iterable[FilterResult]) -> list[dict[str, Any]]:
    """A Status's `filtered`: the Filter without its keywords and statuses, as on Mastodon;
    no match of a kind is null."""
    return [
        {
            "filter": _filter(r.filter),
            "keyword_matches": list(r.keyword_matches) or None,
            "status_matches": [str(i) for i in r.status_matches] or None,
        }
        for r in results
    ]


def render_phrase(phrase: PhraseFilter) -> dict[str, Any]:
    """V1::Filter: one keyword, with its filter's context, expiry and action (irreversible is
    hide)."""
    found = phrase.filter
    return {
        "id": str(phrase.keyword.id),
        "phrase": phrase.keyword.keyword,
        "context": list(found.context),
        "whole_word": phrase.keyword.whole_word,
        "expires_at": iso(found.expires_at) if found.expires_at is not None else None,
        "irreversible": found.action == HIDE,
    }
