"""Polls as one viewer sees them: tallies, whether it ended, and the viewer's own votes. Only
the poll of a status the viewer may see is shown; any other is missing."""

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from myna.db.database import Database
from myna.lib.clock import as_utc, utcnow
from myna.lib.errors import NotFound
from myna.models import Poll
from myna.policy.access import access_status
from myna.store import polls as store


@dataclass
class PollView:
    poll: Poll
    expired: bool
    tallies: list[int]  # votes per option, in option order
    votes_count: int
    voters_count: int
    # None for an anonymous viewer; otherwise whether they voted (an author counts as having
    # voted, as on Mastodon: they cannot vote) and their chosen option indexes.
    voted: bool | None = None
    own_votes: list[int] = field(default_factory=list)


async def load_polls(
    session: AsyncSession, viewer_id: int | None, status_ids: set[int]
) -> dict[int, PollView]:
    """The polls of statuses the caller already knows the viewer may see, by status id, in
    at most four queries whatever the number of statuses."""
    polls = await store.of_statuses(session, status_ids)
    if not polls:
        return {}
    poll_ids = [poll.id for poll in polls.values()]
    tallies = await store.tallies(session, poll_ids)
    voters = await store.voters_counts(session, poll_ids)
    own = await store.choices_of(session, viewer_id, poll_ids) if viewer_id is not None else {}
    now = utcnow()
    out = {}
    for status_id, poll in polls.items():
        counts = tallies.get(poll.id, {})
        per_option = [counts.get(index, 0) for index in range(len(poll.options))]
        mine = own.get(poll.id, [])
        out[status_id] = PollView(
            poll=poll,
            expired=poll.expires_at is not None and as_utc(poll.expires_at) <= now,
            tallies=per_option,
            votes_count=sum(per_option),
            voters_count=voters.get(poll.id, 0),
            voted=None if viewer_id is None else (viewer_id == poll.account_id or bool(mine)),
            own_votes=mine,
        )
    return out


class PollReads:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def one(self, viewer_id: int | None, poll_id: int) -> PollView:
        async with self.db.session() as session:
            poll = await store.get(session, poll_id)
            if poll is None:
                raise NotFound()
            await access_status(session, viewer_id, poll.status_id)
            views = await load_polls(session, viewer_id, {poll.status_id})
            return views[poll.status_id]
