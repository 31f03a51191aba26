"""Search (`GET /api/v2/search`): statuses from the full-text index, accounts by username
prefix or by the words of their names, hashtags by name, each only as far as the viewer may see.

Statuses: the index gives the newest SCAN matches of the query (lib/search_text.py says what
matches), the visibility rule of search (policy/search.py) keeps those the viewer may find, the
newest CANDIDATES of them are ranked (relevance, recency, engagement: `score`) and the page is
cut from the ranking with `offset` and `limit`. Every step is bounded, whatever the size of the
index; `max_id` reaches further back than the window.

Accounts: those whose username starts with the query (an exact username first, then by
followers), then those whose username or display name has the query's words (the account
index, the same terms as statuses: `爱吃` finds `小明爱吃面`), by followers among the newest
ACCOUNT_SCAN matches. `discoverable` is not looked at: it keeps an account out of follow
suggestions (policy/suggestions.py), not out of a search for its name.
"""

import math
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from myna.backends.search import Hit, SearchIndex, Window
from myna.db.database import Database
from myna.lib import search_text
from myna.lib.clock import utcnow
from myna.lib.ids import id_to_ms
from myna.lib.text import tag_key
from myna.models import Account, Follow, Status
from myna.policy import spam
from myna.policy.filters import PUBLIC
from myna.policy.search import account_searchable, searchable
from myna.policy.visibility import rules_for
from myna.reads.bundle import StatusBundle, load_statuses
from myna.reads.tags import TagView, tag_views
from myna.store import search as store
from myna.store import statuses as status_store

ACCOUNTS, STATUSES, HASHTAGS = "accounts", "statuses", "hashtags"
TYPES = (ACCOUNTS, STATUSES, HASHTAGS)
# Index matches read per query, newest first, before the visibility rule.
SCAN = 1000
# Visible matches ranked per query: `offset` pages within them.
CANDIDATES = 200
# Name-index matches read per account query, newest accounts first.
ACCOUNT_SCAN = 1000

HOUR_MS = 3_600_000


@dataclass(frozen=True, slots=True)
class SearchQuery:
    q: str
    type: str | None = None  # one of TYPES; None: all three
    following: bool = False  # accounts: only those the viewer follows
    account_id: int | None = None  # statuses: only this account's
    max_id: int | None = None
    min_id: int | None = None
    offset: int = 0
    limit: int = 20

    def wants(self, kind: str) -> bool:
        return self.type is None or self.type == kind


@dataclass
class SearchResults:
    statuses: StatusBundle
    accounts: list[Account] = field(default_factory=list)
    hashtags: list[TagView] = field(default_factory=list)


def score(relevance: float, best: float, age_ms: int, engagement: int) -> float:
    """How high a match ranks: its text relevance as a share of the best match's (half the
    weight), how recent it is (a day-old post has half a fresh one's), and the replies, reposts
    and likes the viewer can see (logarithmic: the first few count most)."""
    share = relevance / best if best > 0 else 0.0
    recency = 1.0 / (1.0 + max(0, age_ms) / (24 * HOUR_MS))
    liked = min(1.0, math.log1p(max(0, engagement)) / math.log1p(1000))
    return 0.5 * share + 0.3 * recency + 0.2 * liked


class SearchReads:
    def __init__(self, db: Database, index: SearchIndex) -> None:
        self.db = db
        self.index = index

    async def search(self, viewer_id: int | None, query: SearchQuery) -> SearchResults:
        async with self.db.session() as session:
            statuses: list[Status] = []
            if query.wants(STATUSES):
                statuses = await self._statuses(session, viewer_id, query)
            results = SearchResults(
                statuses=await load_statuses(session, viewer_id, statuses, PUBLIC)
            )
            if query.wants(ACCOUNTS):
                results.accounts = await self._accounts(session, viewer_id, query)
            if query.wants(HASHTAGS):
                results.hashtags = await self._hashtags(session, viewer_id, query)
            return results

    async def _statuses(
        self, session: AsyncSession, viewer_id: int | None, query: SearchQuery
    ) -> list[Status]:
        match = search_text.query(query.q)
        if match is None:
            return []
        rule = searchable(viewer_id)
        hidden_ok = spam.publicly_shown_sql(await spam.current_rules(session))
        if viewer_id is not None:
            hidden_ok = or_(hidden_ok, Status.account_id == viewer_id)
        where: list[ColumnElement[bool]] = [rule.where, hidden_ok]
        if query.account_id is not None:
            where.append(Status.account_id == query.account_id)
        window = Window(SCAN, CANDIDATES, max_id=query.max_id, min_id=query.min_id)
        hits = await self.index.hits(session, match, window, where, rule.params)
        if not hits:
            return []
        prebuilt = rules_for(viewer_id)
        counts = await status_store.counts_of(
            session, [h.status_id for h in hits], prebuilt.visible, prebuilt.params
        )
        page = _ranked(hits, counts, int(utcnow().timestamp() * 1000))
        chosen = page[query.offset : query.offset + query.limit]
        found = await status_store.get_many(session, chosen)
        return [found[i] for i in chosen if i in found]

    async def _accounts(
        self, session: AsyncSession, viewer_id: int | None, query: SearchQuery
    ) -> list[Account]:
        prefix = query.q.strip().lstrip("@").split("@", 1)[0].strip()
        match = search_text.query(query.q)
        if not prefix and match is None:
            return []
        where: list[ColumnElement[bool]] = [account_searchable(viewer_id)]
        if query.following:
            if viewer_id is None:
                return []
            where.append(
                Account.id.in_(
                    select(Follow.target_account_id).where(Follow.account_id == viewer_id)
                )
            )
        named = None if match is None else self.index.accounts_matching(match, ACCOUNT_SCAN)
        return await store.accounts(
            session, prefix, named, where, offset=query.offset, limit=query.limit
        )

    async def _hashtags(
        self, session: AsyncSession, viewer_id: int | None, query: SearchQuery
    ) -> list[TagView]:
        key = tag_key(query.q.strip().strip("#").strip())
        if not key:
            return []
        rule = searchable(viewer_id)
        found = await store.tags(session, key, rule.where, rule.params)
        # The exact name first, then the most recently used.
        found.sort(key=lambda row: (row[0].key != key, -row[1]))
        chosen = [tag for tag, _ in found[query.offset : query.offset + query.limit]]
        following = (
            None
            if viewer_id is None
            else await store.followed_tags(session, viewer_id, [t.id for t in chosen])
        )
        return await tag_views(session, chosen, utcnow(), following)


def _ranked(hits: list[Hit], counts: status_store.Counts, now_ms: int) -> list[int]:
    best = max(h.relevance for h in hits)
    scored = []
    for hit in hits:
        i = hit.status_id
        engagement = (
            counts.replies.get(i, 0) + counts.reblogs.get(i, 0) + counts.favourites.get(i, 0)
        )
        value = score(hit.relevance, best, now_ms - id_to_ms(i), engagement)
        scored.append((-value, -i))
    scored.sort()
    return [-i for _, i in scored]
