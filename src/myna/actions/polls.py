"""Polls: posted with a status (statuses.py calls `add_poll` / `change_poll` inside its own
transaction), voted in, and closed by `sweep`, which tells voters and author it has ended."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from myna.actions.notifications import notify
from myna.db.database import Database
from myna.events.publish import Publisher
from myna.lib.clock import as_utc, utcnow
from myna.lib.errors import NotFound, ValidationFailed
from myna.lib.ids import new_id
from myna.models import NotificationType, Poll, PollVote, Status
from myna.policy.access import access_status
from myna.policy.visibility import visible_filter
from myna.store import media as media_store
from myna.store import polls as store
from myna.store import statuses as status_store

SWEEP_BATCH = 100
CHOICES_MAX = 100  # far above any option limit: only guards the request's size


@dataclass(frozen=True)
class PollLimits:
    """Mastodon's defaults; the instance's own come from Settings."""

    max_options: int = 4
    max_option_chars: int = 50
    min_expiration: int = 300  # seconds
    max_expiration: int = 2_629_746  # one month, as Rails counts it


@dataclass(frozen=True)
class NewPoll:
    options: tuple[str, ...]
    expires_in: int  # seconds from posting
    multiple: bool = False
    hide_totals: bool = False


def poll_options(poll: NewPoll) -> list[str]:
    """The options as stored: trimmed, blank ones dropped (as Mastodon does)."""
    return [option.strip() for option in poll.options if option.strip()]


def check_new_poll(poll: NewPoll, limits: PollLimits) -> None:
    options = poll_options(poll)
    if len(options) < 2:
        raise ValidationFailed("Validation failed: Poll options must have more than one item")
    if len(options) > limits.max_options:
        raise ValidationFailed(
            f"Validation failed: Poll options can't contain more than {limits.max_options} items"
        )
    if any(len(option) > limits.max_option_chars for option in options):
        raise ValidationFailed(
            "Validation failed: Poll options cannot be longer than "
            f"{limits.max_option_chars} characters each"
        )
    if len(set(options)) != len(options):
        raise ValidationFailed("Validation failed: Poll options contain duplicate items")
    if poll.expires_in < limits.min_expiration:
        raise ValidationFailed(
            f"Validation failed: Poll expires_in must be at least {limits.min_expiration} seconds"
        )
    if poll.expires_in > limits.max_expiration:
        raise ValidationFailed(
            f"Validation failed: Poll expires_in must be at most {limits.max_expiration} seconds"
        )


async def add_poll(session: AsyncSession, status: Status, poll: NewPoll, now: datetime) -> Poll:
    """The poll of a status being posted, in the posting transaction (checked already)."""
    row = Poll(
        id=new_id(),
        status_id=status.id,
        account_id=status.account_id,
        options=poll_options(poll),
        multiple=poll.multiple,
        hide_totals=poll.hide_totals,
        expires_at=now + timedelta(seconds=poll.expires_in),
        notified=False,
        created_at=now,
    )
    await store.add(session, row)
    return row


async def change_poll(session: AsyncSession, status: Status, poll: NewPoll, now: datetime) -> None:
    """An edit that carries a poll: a status without one gets it; a changed choice (other
    options, or single/multiple) voids the votes cast, as on Mastodon; the end moves to
    `expires_in` from now, and a poll given a new end will be announced when it comes."""
    existing = await store.of_status(session, status.id)
    if existing is None:
        if (await media_store.of_statuses(session, [status.id])).get(status.id):
            raise ValidationFailed("Validation failed: A status has pictures or a poll, not both")
        await add_poll(session, status, poll, now)
        return
    options = poll_options(poll)
    if options != list(existing.options) or poll.multiple != existing.multiple:
        await store.clear_votes(session, existing.id)
    existing.options = options
    existing.multiple = poll.multiple
    existing.hide_totals = poll.hide_totals
    existing.expires_at = now + timedelta(seconds=poll.expires_in)
    existing.notified = False
    await session.flush()


def check_choices(poll: Poll, voter_id: int, choices: list[int], now: datetime) -> list[int]:
    """The choices to record (each once, in order), or the reason the vote is refused."""
    if poll.expires_at is not None and as_utc(poll.expires_at) <= now:
        raise ValidationFailed("Validation failed: The poll has already ended")
    chosen = list(dict.fromkeys(choices))
    if not chosen:
        raise ValidationFailed("Validation failed: choices can't be blank")
    if any(choice < 0 or choice >= len(poll.options) for choice in chosen):
        raise ValidationFailed("Validation failed: The chosen vote option does not exist")
    if len(chosen) > 1 and not poll.multiple:
        raise ValidationFailed("Validation failed: This poll allows one choice only")
    if voter_id == poll.account_id:
        raise ValidationFailed("Validation failed: You cannot vote in your own polls")
    return chosen


class PollActions:
    def __init__(self, db: Database, broker: Publisher) -> None:
        self.db = db
        self.broker = broker

    async def do_vote(self, voter_id: int, poll_id: int, choices: list[int]) -> Poll:
        """Vote once in a poll of a status the voter may see (any other poll is missing)."""
        async with self.db.transaction() as session:
            poll = await store.get_locked(session, poll_id)
            if poll is None:
                raise NotFound()
            await access_status(session, voter_id, poll.status_id)
            now = utcnow()
            chosen = check_choices(poll, voter_id, choices, now)
            if await store.has_voted(session, poll.id, voter_id):
                raise ValidationFailed("Validation failed: You have already voted on this poll")
            await store.add_votes(
                session,
                [
                    PollVote(
                        id=new_id(), poll_id=poll.id, account_id=voter_id, choice=c, created_at=now
                    )
                    for c in chosen
                ],
            )
            return poll

    async def sweep(self, now: datetime) -> int:
        """Close every poll that ended by `now` and has not been announced: its voters who may
        still see its status, and its author, get a `poll` notification. Each poll is claimed
        with a conditional UPDATE in the transaction that notifies, so two sweeps running at
        once announce a poll once. Returns how many polls were announced."""
        now = as_utc(now)
        announced = 0
        while True:
            async with self.db.session() as session:
                due = await store.ended_unnoticed(session, now, SWEEP_BATCH)
            if not due:
                return announced
            for poll_id in due:
                if await self._announce_end(poll_id, now):
                    announced += 1

    async def _announce_end(self, poll_id: int, now: datetime) -> bool:
        async with self.db.transaction() as session:
            if not await store.claim_notice(session, poll_id, now):
                return False  # another sweep has it, or the poll's end moved or it is gone
            poll = await store.get(session, poll_id)
            if poll is None:
                return False
            voters = await store.voter_ids(session, poll.id)
            recipients = [poll.account_id, *(v for v in voters if v != poll.account_id)]
            for account_id in recipients:
                visible = await status_store.get_visible(
                    session, poll.status_id, visible_filter(account_id)
                )
                if visible is None:
                    continue
                await notify(
                    session,
                    self.broker,
                    recipient_id=account_id,
                    from_account_id=poll.account_id,
                    type_=NotificationType.POLL,
                    status_id=poll.status_id,
                    to_self=True,
                )
            return True


__all__ = [
    "NewPoll",
    "PollActions",
    "PollLimits",
    "add_poll",
    "change_poll",
    "check_choices",
    "check_new_poll",
    "poll_options",
]
