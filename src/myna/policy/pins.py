"""Which statuses an account may pin to its profile."""

from myna.models import Status, Visibility

PIN_LIMIT = 5
# A pin shows on the profile to whoever may see the status: direct messages and group posts
# belong to their conversation or group, not to a profile.
PINNABLE = (Visibility.PUBLIC, Visibility.UNLISTED, Visibility.FOLLOWERS)


def why_not_pinnable(status: Status) -> str | None:
    """None when the author may pin `status`, else the reason (for a 422)."""
    if status.reblog_of_id is not None:
        return "Validation failed: A repost cannot be pinned"
    if status.visibility not in PINNABLE:
        return "Validation failed: Only public, unlisted and followers-only posts can be pinned"
    return None
