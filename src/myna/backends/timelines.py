"""Home and list timelines: which status ids each account's home feed, and each list's feed,
holds.

The database is the truth; a home feed is derived data (fan-out on write) that can be rebuilt
at any time. The embedded backend keeps feeds in a SQL table of the same database, so the
fan-out is written in the same transaction as the status it carries: nothing to lose in a
crash. The Redis backend of scale-out mode (backends/redis_timelines.py) implements the same
interface with capped feeds written after commit.
"""

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Select, delete, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from myna.lib.paging import Page
from myna.models import HomeTimelineEntry, ListTimelineEntry, Status
from myna.store.paging import newest_first, paged

BACKFILL_ON_FOLLOW = 40


class TimelineBackend(Protocol):
    async def fan_out(
        self,
        session: AsyncSession,
        status_id: int,
        recipients: Select[int],
        reblog_of_id: int | None = None,
    ) -> list[int]:
        """Add `status_id` to the recipients' feeds; returns the accounts whose feed got it.
        A repost skips feeds that already show the reposted status or another repost of it:
        one post, seen once."""

    async def holders(self, session: AsyncSession, status_id: int) -> list[int]:
        """The accounts whose feed holds `status_id`."""
        ...

    async def home_page(
        self,
        session: AsyncSession,
        viewer_id: int,
        page: Page,
        where: ColumnElement[bool],
        pulled: Sequence[ColumnElement[bool]] = (),
        params: Mapping[str, Any] | None = None,
    ) -> list[Status]:
        """A page of the viewer's home feed that passes `where`, merged with the statuses
        each of `pulled` (policy/audience.home_pulls) finds at read time. `params`: the bound
        values `where` needs (a prebuilt rule's, policy/visibility.py)."""
        ...

    async def add_author(
        self, session: AsyncSession, viewer_id: int, which: ColumnElement[bool]
    ) -> None: ...

    async def remove_author(
        self, session: AsyncSession, viewer_id: int, author_id: int
    ) -> None: ...

    async def remove_from_home(
        self, session: AsyncSession, viewer_id: int, which: ColumnElement[bool]
    ) -> None:
        """Take the statuses `which` chooses out of the viewer's home feed (after a tag
        unfollow: what no longer belongs there, by policy/audience.py)."""
        ...

    async def fan_out_lists(
        self,
        session: AsyncSession,
        status_id: int,
        lists: Select[int],
        reblog_of_id: int | None = None,
    ) -> list[int]:
        """Add `status_id` to the feeds of `lists` (list ids); returns the lists that got it.
        A repost skips list feeds that already show the reposted status or a repost of it."""
        ...

    async def list_page(
        self, session: AsyncSession, list_id: int, page: Page, where: ColumnElement[bool]
    ) -> list[Status]: ...

    async def add_to_list(
        self, session: AsyncSession, list_id: int, which: ColumnElement[bool]
    ) -> None: ...

    async def remove_from_list(
        self, session: AsyncSession, list_id: int, author_ids: list[int]
    ) -> None: ...

    async def close(self) -> None: ...


class DerivedFeeds(TimelineBackend, Protocol):
    """A store whose feeds live apart from the database (Redis): losing them loses warmth, not
    data, and these rebuild them from the database."""

    async def rebuild_home(self, session: AsyncSession, account_id: int) -> int:
        """Replace a home feed with one built from the database; returns the ids it holds."""
        ...

    async def rebuild_list(self, session: AsyncSession, list_id: int) -> int:
        """The same for a list's feed (0 and no feed for a list that does not exist)."""
        ...

    async def fill_home(self, account_id: int, feed: list[tuple[int, int | None]]) -> int:
        """Replace a home feed with these (status id, reposted id) pairs, oldest first,
        computed elsewhere (`myna seed` does it in bulk in SQL); returns the ids it holds."""
        ...


class SqlTimelines:
    """Embedded backend: the `home_timeline` and `list_timeline` tables."""

    async def close(self) -> None:
        pass  # nothing of its own: the feeds are in the database

    async def fan_out(
        self,
        session: AsyncSession,
        status_id: int,
        recipients: Select[int],
        reblog_of_id: int | None = None,
    ) -> list[int]:
        return await _fan_out_into(
            session, HomeTimelineEntry.account_id, status_id, recipients, reblog_of_id
        )

    async def holders(self, session: AsyncSession, status_id: int) -> list[int]:
        stmt = select(HomeTimelineEntry.account_id).where(HomeTimelineEntry.status_id == status_id)
        return list(await session.scalars(stmt))

    async def home_page(
        self,
        session: AsyncSession,
        viewer_id: int,
        page: Page,
        where: ColumnElement[bool],
        pulled: Sequence[ColumnElement[bool]] = (),
        params: Mapping[str, Any] | None = None,
    ) -> list[Status]:
        fed = paged(
            select(Status)
            .join(HomeTimelineEntry, HomeTimelineEntry.status_id == Status.id)
            .where(HomeTimelineEntry.account_id == viewer_id, where),
            HomeTimelineEntry.status_id,
            page,
        )
        statuses = list(await session.scalars(fed, params))
        return await merge_pulled(session, statuses, page, where, pulled, params)

    async def add_author(
        self, session: AsyncSession, viewer_id: int, which: ColumnElement[bool]
    ) -> None:
        """After a follow: bring the author's recent statuses (`which`, from
        policy/audience.py) into the feed."""
        recent = (
            select(Status.id)
            .where(
                which,
                ~Status.id.in_(
                    select(HomeTimelineEntry.status_id).where(
                        HomeTimelineEntry.account_id == viewer_id
                    )
                ),
            )
            .order_by(Status.id.desc())
            .limit(BACKFILL_ON_FOLLOW)
            .subquery()
        )
        await session.execute(
            insert(HomeTimelineEntry).from_select(
                ["account_id", "status_id"], select(literal(viewer_id), recent.c.id)
            )
        )

    async def remove_author(self, session: AsyncSession, viewer_id: int, author_id: int) -> None:
        """After an unfollow or a block: take the author's statuses out of the feed."""
        await session.execute(
            delete(HomeTimelineEntry).where(
                HomeTimelineEntry.account_id == viewer_id,
                HomeTimelineEntry.status_id.in_(
                    select(Status.id).where(Status.account_id == author_id)
                ),
            )
        )

    async def remove_from_home(
        self, session: AsyncSession, viewer_id: int, which: ColumnElement[bool]
    ) -> None:
        held = aliased(HomeTimelineEntry)
        leaving = (
            select(Status.id)
            .join(held, held.status_id == Status.id)
            .where(held.account_id == viewer_id, which)
        )
        await session.execute(
            delete(HomeTimelineEntry).where(
                HomeTimelineEntry.account_id == viewer_id,
                HomeTimelineEntry.status_id.in_(leaving),
            )
        )

    async def fan_out_lists(
        self,
        session: AsyncSession,
        status_id: int,
        lists: Select[int],
        reblog_of_id: int | None = None,
    ) -> list[int]:
        return await _fan_out_into(
            session, ListTimelineEntry.list_id, status_id, lists, reblog_of_id
        )

    async def list_page(
        self, session: AsyncSession, list_id: int, page: Page, where: ColumnElement[bool]
    ) -> list[Status]:
        stmt = paged(
            select(Status)
            .join(ListTimelineEntry, ListTimelineEntry.status_id == Status.id)
            .where(ListTimelineEntry.list_id == list_id, where),
            ListTimelineEntry.status_id,
            page,
        )
        return newest_first(list(await session.scalars(stmt)), page)

    async def add_to_list(
        self, session: AsyncSession, list_id: int, which: ColumnElement[bool]
    ) -> None:
        """After members are added: bring their recent statuses (`which`, from
        policy/lists.py) into the list's feed."""
        recent = (
            select(Status.id)
            .where(
                which,
                ~Status.id.in_(
                    select(ListTimelineEntry.status_id).where(ListTimelineEntry.list_id == list_id)
                ),
            )
            .order_by(Status.id.desc())
            .limit(BACKFILL_ON_FOLLOW)
            .subquery()
        )
        await session.execute(
            insert(ListTimelineEntry).from_select(
                ["list_id", "status_id"], select(literal(list_id), recent.c.id)
            )
        )

    async def remove_from_list(
        self, session: AsyncSession, list_id: int, author_ids: list[int]
    ) -> None:
        """After members are removed: take their statuses out of the list's feed."""
        await session.execute(
            delete(ListTimelineEntry).where(
                ListTimelineEntry.list_id == list_id,
                ListTimelineEntry.status_id.in_(
                    select(Status.id).where(Status.account_id.in_(author_ids))
                ),
            )
        )


async def merge_pulled(
    session: AsyncSession,
    fed: list[Status],
    page: Page,
    where: ColumnElement[bool],
    pulled: Sequence[ColumnElement[bool]],
    params: Mapping[str, Any] | None = None,
) -> list[Status]:
    """A page of a feed (`fed`, in the page's order) merged with the statuses pulled at read
    time: one paged query per source, so each runs along an index instead of scanning."""
    found = {status.id: status for status in fed}
    for source in pulled:
        stmt = paged(select(Status).where(source, where), Status.id, page)
        for status in await session.scalars(stmt, params):
            found.setdefault(status.id, status)
    ordered = sorted(found.values(), key=lambda s: s.id, reverse=not page.forwards)
    return newest_first(ordered[: page.limit], page)


async def _fan_out_into(
    session: AsyncSession,
    owner: InstrumentedAttribute[int],
    status_id: int,
    owners: Select[int],
    reblog_of_id: int | None,
) -> list[int]:
    """One INSERT ... SELECT of `status_id` into the feeds of `owners` (the feed table is the
    one `owner`, its account_id or list_id column, belongs to). A repost skips feeds that
    already show the reposted status or another repost of it. Returns the feeds written."""
    entry = owner.class_
    sub = owners.subquery()
    rows = select(sub.c[0], literal(status_id))
    if reblog_of_id is not None:
        shown = (
            select(entry.status_id)
            .join(Status, Status.id == entry.status_id)
            .where(
                owner == sub.c[0],
                (Status.id == reblog_of_id) | (Status.reblog_of_id == reblog_of_id),
            )
        )
        rows = rows.where(~shown.exists())
    inserted = await session.scalars(
        insert(entry).from_select([owner.key, "status_id"], rows).returning(owner)
    )
    return list(inserted)
