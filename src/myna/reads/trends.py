"""Trend reads: the stored rankings (actions/trends.py computes them), less what admins hid
and, for statuses, less what the viewer may not see or has muted or blocked."""

from dataclasses import dataclass
from datetime import datetime

from myna.db.database import Database
from myna.lib.clock import utcnow
from myna.lib.errors import NotFound
from myna.models import Account, TrendKind
from myna.policy import spam
from myna.policy import visibility as rules
from myna.policy.filters import PUBLIC
from myna.policy.moderation import check_staff
from myna.reads.bundle import StatusBundle, load_statuses
from myna.reads.tags import TagDay, TagView, history_of, tag_views
from myna.store import statuses as status_store
from myna.store import tag_follows as tag_follow_store
from myna.store import trends as store


@dataclass(frozen=True, slots=True)
class LinkView:
    id: int
    url: str
    history: list[TagDay]


@dataclass(frozen=True, slots=True)
class AdminTagView:
    tag: TagView
    hidden: bool


class TrendReads:
    def __init__(self, db: Database, *, size: int = 100) -> None:
        self.db = db
        self.size = size  # how many of each kind the ranking holds

    async def tags(
        self,
        offset: int,
        limit: int,
        viewer_id: int | None = None,
        now: datetime | None = None,
    ) -> list[TagView]:
        """The trending tags; with a viewer, each says whether the viewer follows it."""
        async with self.db.session() as session:
            server_rules = await spam.current_rules(session)
            ids = await store.ranking(session, TrendKind.TAG, 0, self.size)
            found = await store.tags_by_ids(session, ids)
            shown = [found[i] for i in ids if i in found]
            # Tags holding a hidden keyword do not trend (offset counts in what is shown).
            tags = [t for t in shown if not spam.tag_hidden(server_rules, t.name)]
            tags = tags[offset : offset + limit]
            ids = [t.id for t in tags]
            following = (
                None
                if viewer_id is None
                else await tag_follow_store.followed_among(session, viewer_id, ids)
            )
            return await tag_views(session, tags, now or utcnow(), following)

    async def links(self, offset: int, limit: int, now: datetime | None = None) -> list[LinkView]:
        async with self.db.session() as session:
            server_rules = await spam.current_rules(session)
            ids = await store.ranking(session, TrendKind.LINK, 0, self.size)
            found = await store.links_by_ids(session, ids)
            kept = [
                i for i in ids if i in found and not spam.link_hidden(server_rules, found[i].url)
            ][offset : offset + limit]
            history = await history_of(session, TrendKind.LINK, kept, now or utcnow())
            return [LinkView(id=i, url=found[i].url, history=history[i]) for i in kept]

    async def statuses(self, viewer_id: int | None, offset: int, limit: int) -> StatusBundle:
        """The viewer's view of the ranking: only public statuses they may see, none by
        accounts they muted or blocked (or that blocked them); `offset` counts in that view."""
        async with self.db.session() as session:
            ids = await store.ranking(session, TrendKind.STATUS, 0, self.size)
            prebuilt = rules.rules_for(viewer_id)
            server_rules = await spam.current_rules(session)
            shown = (
                prebuilt.timeline & rules.listed_filter() & spam.publicly_shown_sql(server_rules)
            )
            found = await status_store.get_many(session, ids, shown, prebuilt.params)
            ordered = [found[i] for i in ids if i in found][offset : offset + limit]
            return await load_statuses(session, viewer_id, ordered, PUBLIC)

    async def admin_tags(self, admin: Account, now: datetime | None = None) -> list[AdminTagView]:
        """For admins: the ranked tags and the hidden ones, each marked."""
        check_staff(admin)
        async with self.db.session() as session:
            ranked = await store.ranking(session, TrendKind.TAG, 0, self.size, include_hidden=True)
            hidden = await store.hidden(session, TrendKind.TAG)
            ids = list(dict.fromkeys([*ranked, *hidden]))
            found = await store.tags_by_ids(session, ids)
            views = await tag_views(session, [found[i] for i in ids if i in found], now or utcnow())
            banned = set(hidden)
            return [AdminTagView(tag=v, hidden=v.id in banned) for v in views]

    async def admin_tag(
        self, admin: Account, tag_id: int, now: datetime | None = None
    ) -> AdminTagView:
        check_staff(admin)
        async with self.db.session() as session:
            found = await store.tags_by_ids(session, [tag_id])
            if tag_id not in found:
                raise NotFound()
            views = await tag_views(session, [found[tag_id]], now or utcnow())
            banned = await store.hidden_among(session, TrendKind.TAG, [tag_id])
            return AdminTagView(tag=views[0], hidden=tag_id in banned)

    async def admin_link(
        self, admin: Account, link_id: int, now: datetime | None = None
    ) -> LinkView:
        check_staff(admin)
        async with self.db.session() as session:
            found = await store.links_by_ids(session, [link_id])
            if link_id not in found:
                raise NotFound()
            history = await history_of(session, TrendKind.LINK, [link_id], now or utcnow())
            return LinkView(id=link_id, url=found[link_id].url, history=history[link_id])
