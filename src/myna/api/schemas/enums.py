"""The only place where wire names meet internal enums."""

from myna.lib.errors import ValidationFailed
from myna.models import NotificationType, Visibility
from myna.policy.suggestions import SuggestionSource

VISIBILITY_TO_WIRE = {
    Visibility.PUBLIC: "public",
    Visibility.UNLISTED: "unlisted",
    Visibility.FOLLOWERS: "private",
    Visibility.DIRECT: "direct",
    Visibility.GROUP: "group",
}
VISIBILITY_FROM_WIRE = {wire: internal for internal, wire in VISIBILITY_TO_WIRE.items()}

NOTIFICATION_TYPES = [t.value for t in NotificationType]

# A Suggestion's `sources` are the SuggestionSource values; its deprecated single `source` is
# Mastodon's older word for the first of them.
SUGGESTION_SOURCE_LEGACY = {
    SuggestionSource.FRIENDS_OF_FRIENDS: "past_interactions",
    SuggestionSource.FEATURED: "staff",
}


def visibility_to_wire(value: str) -> str:
    return VISIBILITY_TO_WIRE[Visibility(value)]


def visibility_from_wire(value: str | None) -> Visibility | None:
    if value is None or value == "":
        return None
    try:
        return VISIBILITY_FROM_WIRE[value]
    except KeyError:
        allowed = ", ".join(VISIBILITY_FROM_WIRE)
        raise ValidationFailed(f"Validation failed: visibility must be one of {allowed}") from None


def notification_types(values: list[str]) -> list[str]:
    """Known types only; unknown ones are ignored as Mastodon does (clients send newer types)."""
    return [value for value in values if value in NOTIFICATION_TYPES]
