"""What a streaming connection needs to know about its viewer to filter events without a
query per event: whom they follow, block (either way) and mute, and their filters. Reloaded
when a `relations` or `filters_changed` message says they changed."""

from dataclasses import dataclass, field

from sqlalchemy import select

from myna.db.database import Database
from myna.models import Account, Block, Follow, GroupMember, Mute
from myna.policy.filters import FilterSet, load_filter_set
from myna.reads.bundle import StatusBundle, load_statuses
from myna.store import statuses as status_store


@dataclass
class ViewerState:
    following: set[int] = field(default_factory=set)
    blocked: set[int] = field(default_factory=set)  # either way
    muted: set[int] = field(default_factory=set)
    # Followed accounts above the fan-out threshold: their statuses arrive on `author:` channels.
    pulled_authors: set[int] = field(default_factory=set)
    # Groups the viewer belongs to, and those whose posts they show in their home timeline.
    groups: set[int] = field(default_factory=set)
    home_groups: set[int] = field(default_factory=set)
    # Their active filters, in every context (empty for most viewers: the fast path).
    filters: FilterSet = field(default_factory=FilterSet)


class StreamReads:
    def __init__(self, db: Database, *, pull_threshold: int) -> None:
        self.db = db
        self.pull_threshold = pull_threshold

    async def viewer_state(self, viewer_id: int) -> ViewerState:
        async with self.db.session() as session:
            following = set(
                await session.scalars(
                    select(Follow.target_account_id).where(Follow.account_id == viewer_id)
                )
            )
            blocking = await session.scalars(
                select(Block.target_account_id).where(Block.account_id == viewer_id)
            )
            blocked_by = await session.scalars(
                select(Block.account_id).where(Block.target_account_id == viewer_id)
            )
            muted = set(
                await session.scalars(
                    select(Mute.target_account_id).where(Mute.account_id == viewer_id)
                )
            )
            pulled = set(
                await session.scalars(
                    select(Follow.target_account_id)
                    .join(Account, Account.id == Follow.target_account_id)
                    .where(
                        Follow.account_id == viewer_id,
                        Account.followers_count > self.pull_threshold,
                    )
                )
            )
            memberships = list(
                await session.execute(
                    select(GroupMember.group_id, GroupMember.in_home).where(
                        GroupMember.account_id == viewer_id
                    )
                )
            )
            filters = await load_filter_set(session, viewer_id)
        return ViewerState(
            groups={group_id for group_id, _ in memberships},
            home_groups={group_id for group_id, in_home in memberships if in_home},
            following=following,
            blocked={*blocking, *blocked_by},
            muted=muted,
            pulled_authors=pulled,
            filters=filters,
        )

    async def status_for_delivery(self, status_id: int) -> StatusBundle | None:
        """A status rendered once for every connection that may receive it. Everything around
        it (counts, the reposted or quoted status) is loaded as an anonymous reader sees it, so
        a count can fall short for some receivers but never tells anyone what they may not
        see. The streaming layer decides, per connection, who receives the status itself."""
        async with self.db.session() as session:
            status = await status_store.get(session, status_id)
            if status is None:
                return None
            bundle = await load_statuses(session, None, [status])
        return bundle if bundle.statuses else None
