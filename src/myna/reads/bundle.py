"""Batch-loading everything a page of statuses needs to be rendered for one viewer."""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from myna.models import Account, MediaAttachment, OAuthApp, Status, Tag
from myna.policy.filters import LOOKUP, FilterResult, attached_text, load_filter_set
from myna.policy.visibility import rules_for
from myna.reads.polls import PollView, load_polls
from myna.store import accounts as account_store
from myna.store import collections as collection_store
from myna.store import media as media_store
from myna.store import statuses as status_store


@dataclass
class StatusBundle:
    viewer_id: int | None
    statuses: list[
        Status
    ]  # the page itself, newest first; reposts whose original is hidden are gone
    related: dict[int, Status] = field(
        default_factory=dict
    )  # reposted originals and quoted statuses
    existing_quotes: set[int] = field(default_factory=set)  # quoted ids that still exist
    accounts: dict[int, Account] = field(default_factory=dict)
    apps: dict[int, OAuthApp] = field(default_factory=dict)
    mentions: dict[int, list[int]] = field(default_factory=dict)
    tags: dict[int, list[Tag]] = field(default_factory=dict)
    replies: dict[int, int] = field(default_factory=dict)
    reblogs: dict[int, int] = field(default_factory=dict)
    quotes: dict[int, int] = field(default_factory=dict)
    favourites: dict[int, int] = field(default_factory=dict)
    favourited: set[int] = field(default_factory=set)
    reblogged: set[int] = field(default_factory=set)
    bookmarked: set[int] = field(default_factory=set)
    pinned: set[int] = field(default_factory=set)  # pinned by the viewer: their own statuses
    media: dict[int, list[MediaAttachment]] = field(default_factory=dict)  # by status, in order
    polls: dict[int, PollView] = field(default_factory=dict)  # by status id
    # The viewer's filters matching each rendered status (policy/filters.py), by status id.
    filtered: dict[int, list[FilterResult]] = field(default_factory=dict)
    # The page's ids before anything was left out of it: what the Link header pages from.
    cursor_ids: list[int] = field(default_factory=list)


async def load_statuses(
    session: AsyncSession, viewer_id: int | None, statuses: list[Status], context: str = LOOKUP
) -> StatusBundle:
    """`context`: the filter context of the list being read (policy/filters.py), where the
    viewer's `hide` filters drop statuses; LOOKUP (the default) only annotates."""
    rules = rules_for(viewer_id)
    visible, params = rules.visible, rules.params
    originals = await status_store.get_many(
        session, {s.reblog_of_id for s in statuses if s.reblog_of_id is not None}, visible, params
    )
    page = [s for s in statuses if s.reblog_of_id is None or s.reblog_of_id in originals]
    bundle = StatusBundle(
        viewer_id=viewer_id,
        statuses=page,
        related=dict(originals),
        cursor_ids=[s.id for s in statuses],
    )

    shown = [*page, *originals.values()]
    quote_ids = {s.quote_of_id for s in shown if s.quote_of_id is not None}
    if quote_ids:
        bundle.related.update(await status_store.get_many(session, quote_ids, visible, params))
        exists = select(Status.id).where(Status.id.in_(quote_ids))
        bundle.existing_quotes = set(await session.scalars(exists))

    every = {s.id: s for s in [*page, *bundle.related.values()]}
    ids = set(every)
    bundle.mentions = await status_store.mentions_of(session, ids)
    bundle.tags = await status_store.tags_of(session, ids)
    counts = await status_store.counts_of(session, ids, visible, params)
    bundle.replies, bundle.reblogs = counts.replies, counts.reblogs
    bundle.quotes, bundle.favourites = counts.quotes, counts.favourites
    bundle.media = await media_store.of_statuses(session, ids)
    bundle.polls = await load_polls(session, viewer_id, ids)
    if viewer_id is not None:
        marks = await collection_store.marks_among(session, viewer_id, ids)
        bundle.favourited, bundle.reblogged = marks.favourited, marks.reblogged
        bundle.bookmarked, bundle.pinned = marks.bookmarked, marks.pinned

    account_ids = {s.account_id for s in every.values()}
    for mentioned in bundle.mentions.values():
        account_ids.update(mentioned)
    bundle.accounts = await account_store.get_many(session, account_ids)
    app_ids = {s.app_id for s in every.values() if s.app_id is not None}
    if app_ids:
        apps = await session.scalars(select(OAuthApp).where(OAuthApp.id.in_(app_ids)))
        bundle.apps = {app.id: app for app in apps}
    if viewer_id is not None:
        filters = await load_filter_set(session, viewer_id, context)
        if filters:
            polls = {status_id: view.poll for status_id, view in bundle.polls.items()}
            bundle.filtered, bundle.statuses = filters.apply(
                bundle.statuses, bundle.related, context, attached_text(bundle.media, polls)
            )
    return bundle
