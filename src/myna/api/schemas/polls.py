"""The Poll entity."""

from typing import Any

from myna.lib.clock import iso
from myna.reads.polls import PollView


def render_poll(view: PollView) -> dict[str, Any]:
    poll = view.poll
    # hide_totals: the options' counts stay secret until the poll ends (the total does not).
    shown = view.expired or not poll.hide_totals
    out: dict[str, Any] = {
        "id": str(poll.id),
        "expires_at": iso(poll.expires_at) if poll.expires_at is not None else None,
        "expired": view.expired,
        "multiple": poll.multiple,
        "votes_count": view.votes_count,
        # Distinct voters, for multiple-choice polls only (null otherwise, as on Mastodon).
        "voters_count": view.voters_count if poll.multiple else None,
        "options": [
            {"title": title, "votes_count": count if shown else None}
            for title, count in zip(poll.options, view.tallies, strict=True)
        ],
        "emojis": [],
    }
    if view.voted is not None:  # with a user token only
        out["voted"] = view.voted
        out["own_votes"] = view.own_votes
    return out
