"""`myna seed`: a realistic social graph, written in bulk, for benchmarks and demos.

Made in this order, each in batches so memory stays bounded by the number of accounts (a few
arrays of N numbers), never by the number of follows or statuses:

1. accounts: usernames and display names, Chinese and English; all share one genuine argon2id
   hash of `SeedPlan.password` (hashing costs about 0.1 s each; a million of them would take a
   day);
2. follows: each account follows a lognormal number of others (mean `SeedPlan.follows`),
   drawn by a power law over popularity ranks, plus a few "stars" followed by a set share of
   everyone (`star_shares`; the first, at 0.9, has 50,000+ followers from 56,000 accounts);
3. statuses over the last `days` days, by a lognormal activity per account (stars post more):
   originals with #tags, #话题# topics, @mentions and links; replies to recent statuses (some
   continuing one's own thread); reposts of recent public statuses, stars' most of all; their
   mentions, tags and the mention and repost notifications the actions would have sent;
4. counters (followers, followings, statuses, last status) recounted from the rows;
5. home feeds, as if every status had been fanned out when posted (`policy/bulk_feeds.py`),
   capped per account like a timeline store: rows of the SQL table, or through the Redis
   store's `fill_home(account_id, feed)`.
6. the full-text search indexes (statuses and accounts), by the batches of `myna search
   reindex`.

Ids come from `myna.lib.ids` with the row's own time, issued in time order per table, so they
sort like real ones. Direct messages, groups, lists, favourites and follow notifications are
not made.
"""

import math
import random
import time
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict, deque
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import accumulate
from typing import Any, Protocol

from myna.actions.apps import AppActions
from myna.actions.search import SearchActions
from myna.backends.search import search_index
from myna.backends.timelines import DerivedFeeds
from myna.db.database import Database
from myna.lib import passwords, seed_text
from myna.lib import text as text_rules
from myna.lib.errors import ValidationFailed
from myna.lib.html import render_status
from myna.lib.ids import new_id
from myna.models import (
    Account,
    Follow,
    HomeTimelineEntry,
    Mention,
    Notification,
    NotificationType,
    Status,
    StatusTag,
    Tag,
    Visibility,
)
from myna.policy.bulk_feeds import FAN_OUT_COLUMNS, counted_sql, home_rows
from myna.store import seed as store
from myna.store.seed import Row

DAY_MS = 86_400_000
ACCOUNT_COLUMNS = [column.name for column in Account.__table__.columns]
FOLLOW_COLUMNS = ["id", "account_id", "target_account_id", "created_at", "show_reblogs", "notify"]
STATUS_COLUMNS = [
    "id", "account_id", "text", "content", "spoiler_text", "sensitive", "visibility",
    "language", "in_reply_to_id", "in_reply_to_account_id", "reblog_of_id", "created_at",
]  # fmt: skip
STATUS_TABLES = [t.__tablename__ for t in (Status, Mention, StatusTag, Notification, Tag)]
NOTIFICATION_COLUMNS = ["id", "account_id", "from_account_id", "type", "status_id", "created_at"]
RECENT = 20_000  # statuses remembered as reply and repost targets
RECENT_STARS = 2_000
HOME_ROWS_PER_STATEMENT = 500_000  # about; each statement sorts its rows twice
SEED_SCOPES = "read write follow"


class Progress(Protocol):
    def stage(self, name: str, total: int) -> None: ...

    def advance(self, amount: int) -> None: ...


class NoProgress:
    def stage(self, name: str, total: int) -> None:
        pass

    def advance(self, amount: int) -> None:
        pass


@dataclass(frozen=True)
class SeedPlan:
    accounts: int = 60_000
    statuses: int = 200_000
    seed: int = 1
    follows: float = 100.0  # mean followings per account (less on graphs too small for it)
    star_shares: tuple[float, ...] = (0.9, 0.5, 0.25)  # share of everyone following each star
    replies: float = 0.25
    reposts: float = 0.15
    days: float = 30.0
    password: str = "myna-seed-password"
    base_url: str = "http://127.0.0.1:8000"
    pull_threshold: int = 10_000
    home_cap: int = 800
    batch: int = 20_000  # rows per bulk insert

    def check(self) -> None:
        if self.accounts < 10:
            raise ValidationFailed("seed at least 10 accounts")
        if self.statuses < 0 or self.follows < 1 or self.days <= 0 or self.batch < 100:
            raise ValidationFailed("statuses >= 0, follows >= 1, days > 0, batch >= 100")
        if not 0 <= self.replies + self.reposts <= 1:
            raise ValidationFailed("replies + reposts must be a share between 0 and 1")


@dataclass
class SeedReport:
    counts: dict[str, int] = field(default_factory=dict)
    stars: list[tuple[int, str, int]] = field(default_factory=list)  # id, username, followers
    seconds: dict[str, float] = field(default_factory=dict)
    home: str = ""  # how home feeds were filled


@dataclass
class _Recent:
    status_id: int
    author: int  # account index


class _Graph:
    """Who is popular (followed) and who is active (posts), as cumulative weights over
    account indices; `stars` are the indices followed by a set share of everyone."""

    def __init__(self, plan: SeedPlan, rng: random.Random) -> None:
        n = plan.accounts
        order = list(range(n))
        rng.shuffle(order)
        self.stars = order[: min(len(plan.star_shares), max(1, n // 100))]
        self.body = array("q", order[len(self.stars) :])
        # Popularity by rank: a power law with a flattened head, so that below the stars the
        # most followed have a few thousand followers and the median about a hundred.
        self.popularity = array(
            "d", accumulate((rank + 10) ** -0.6 for rank in range(len(self.body)))
        )
        activity = [rng.lognormvariate(0.0, 1.0) for _ in range(n)]
        for star in self.stars:  # each star writes about 0.3% of all statuses
            activity[star] = 0.003 * n * math.exp(0.5)
        self.activity = array("d", accumulate(activity))
        del activity, order
        self.star_set = set(self.stars)

    def popular(self, rng: random.Random, count: int) -> list[int]:
        ranks = rng.choices(range(len(self.body)), cum_weights=self.popularity, k=count)
        return [self.body[rank] for rank in ranks]

    def active(self, rng: random.Random) -> int:
        return rng.choices(range(len(self.activity)), cum_weights=self.activity)[0]


class Seeder:
    def __init__(
        self, db: Database, feeds: DerivedFeeds | None, plan: SeedPlan, progress: Progress
    ) -> None:
        """`feeds`: the timeline store when it is not the database's own table (Redis)."""
        plan.check()
        self.db = db
        self.feeds = feeds
        self.plan = plan
        self.progress = progress
        self.rng = random.Random(plan.seed)
        self.report = SeedReport()
        self.ids = array("q")  # account index -> id
        now = int(time.time() * 1000)
        span = int(plan.days * DAY_MS)
        self.statuses_from = now - 60_000 - span
        self.follows_from = self.statuses_from - 30 * DAY_MS
        self.accounts_from = self.follows_from - 400 * DAY_MS
        self.tags: dict[str, int] = {}

    async def run(self) -> SeedReport:
        async with self.db.session() as session:
            if await store.account_count(session):
                raise ValidationFailed("myna seed needs a database without accounts")
        started = time.perf_counter()
        graph = _Graph(self.plan, self.rng)
        await self._timed("accounts", self._accounts(graph))
        await self._timed("follows", self._follows(graph), deferring=[Follow.__tablename__])
        await self._timed("statuses", self._statuses(graph), deferring=STATUS_TABLES)
        await self._timed("counters", self._counters())
        # The SQL store's table is filled, so its index is built afterwards.
        deferring = [HomeTimelineEntry.__tablename__] if self.feeds is None else []
        await self._timed("home feeds", self._warm_feeds(), deferring=deferring)
        await self._timed("search index", self._search_index())
        await self._timed("analyze", store.analyze(self.db.engine))
        async with self.db.session() as session:
            self.report.stars = await store.top_followed(session, len(graph.stars))
        self.report.seconds["total"] = time.perf_counter() - started
        return self.report

    async def _timed(self, name: str, work: Awaitable[None], deferring: Sequence[str] = ()) -> None:
        """Run a stage and time it, building the plain indexes of the `deferring` tables
        afterwards (counted in)."""
        started = time.perf_counter()
        async with store.indexes_deferred(self.db.engine, deferring):
            await work
        self.report.seconds[name] = time.perf_counter() - started

    def _count(self, name: str, amount: int = 1) -> None:
        self.report.counts[name] = self.report.counts.get(name, 0) + amount

    async def _write(self, batches: list[tuple[Any, list[str], list[Row]]]) -> None:
        async with self.db.transaction() as session:
            await store.prepare_bulk(session)
            for table, columns, rows in batches:
                await store.insert_rows(session, table, columns, rows)

    # 1. accounts

    async def _accounts(self, graph: _Graph) -> None:
        plan, rng = self.plan, self.rng
        self.progress.stage("accounts", plan.accounts)
        password_hash = passwords.hash_password(plan.password)
        step = (self.follows_from - self.accounts_from) / plan.accounts
        rows: list[Row] = []
        for index in range(plan.accounts):
            at_ms = self.accounts_from + int(index * step)
            account_id = new_id(at_ms)
            self.ids.append(account_id)
            name = seed_text.username(index, plan.seed)
            values = {
                "id": account_id,
                "username": name,
                "username_key": name.lower(),
                "email": f"{name}@seed.invalid",
                "password_hash": password_hash,
                "display_name": seed_text.display_name(rng),
                "note": "",
                "avatar_key": None,
                "header_key": None,
                "locked": False,
                "bot": False,
                "discoverable": True,
                "verified": index in graph.star_set,
                "role": "",
                "verified_reason": "",
                "approved": True,
                "sign_up_reason": "",
                "silenced_at": None,
                "suspended_at": None,
                "disabled_at": None,
                "sensitized_at": None,
                "locale": "",
                "default_visibility": "public",
                "default_language": "",
                "created_at": _at(at_ms),
                "followers_count": 0,
                "following_count": 0,
                "statuses_count": 0,
                "last_status_at": None,
            }
            rows.append(tuple(values[column] for column in ACCOUNT_COLUMNS))
            if len(rows) >= plan.batch:
                await self._flush_accounts(rows)
        await self._flush_accounts(rows)

    async def _flush_accounts(self, rows: list[Row]) -> None:
        await self._write([(Account.__table__, ACCOUNT_COLUMNS, rows)])
        self._count("accounts", len(rows))
        self.progress.advance(len(rows))
        rows.clear()

    # 2. follows

    def _mean_follows(self) -> float:
        return min(self.plan.follows, (self.plan.accounts - 1) / 4)

    async def _follows(self, graph: _Graph) -> None:
        plan, rng = self.plan, self.rng
        shares = plan.star_shares[: len(graph.stars)]
        body_mean = max(1.0, self._mean_follows() - sum(shares))
        sigma = 1.0
        mu = math.log(body_mean) - sigma * sigma / 2
        most = max(1, min(len(graph.body) - 1, 5_000))
        expected = plan.accounts * self._mean_follows()
        step = 30 * DAY_MS / (expected * 1.25)  # ids in time order, far below 65,536 per ms
        self.progress.stage("follows", plan.accounts)
        rows: list[Row] = []
        done = sequence = 0
        for index in range(plan.accounts):
            targets = {
                star
                for star, share in zip(graph.stars, shares, strict=True)
                if rng.random() < share
            }
            want = min(most, max(1, int(rng.lognormvariate(mu, sigma))))
            body: set[int] = set()
            for _attempt in range(4):
                body.update(graph.popular(rng, want - len(body) + 4))
                body.discard(index)
                if len(body) >= want:
                    break
            targets.update(rng.sample(sorted(body), want) if len(body) > want else body)
            targets.discard(index)
            created = _at(self.follows_from + int(sequence * step))
            follower = self.ids[index]
            for target in targets:
                at_ms = self.follows_from + int(sequence * step)
                sequence += 1
                rows.append((new_id(at_ms), follower, self.ids[target], created, True, False))
            done += 1
            if len(rows) >= plan.batch:
                await self._flush_follows(rows, done)
                done = 0
        await self._flush_follows(rows, done)

    async def _flush_follows(self, rows: list[Row], accounts: int) -> None:
        await self._write([(Follow.__table__, FOLLOW_COLUMNS, rows)])
        self._count("follows", len(rows))
        self.progress.advance(accounts)
        rows.clear()

    # 3. statuses

    async def _statuses(self, graph: _Graph) -> None:
        plan, rng = self.plan, self.rng
        self.progress.stage("statuses", plan.statuses)
        recent: deque[_Recent] = deque(maxlen=RECENT)
        recent_stars: deque[_Recent] = deque(maxlen=RECENT_STARS)
        reposted: OrderedDict[int, set[int]] = OrderedDict()  # status id -> reposter indices
        step = (int(plan.days * DAY_MS)) / max(1, plan.statuses)
        out = _Batch()
        for number in range(plan.statuses):
            at_ms = self.statuses_from + int((number + rng.random()) * step)
            roll = rng.random()
            made: _Recent | None = None
            if roll < plan.reposts and recent:
                if not self._repost(graph, out, at_ms, recent, recent_stars, reposted):
                    made = self._original(graph, out, at_ms)  # that repost was taken
            elif roll < plan.reposts + plan.replies and recent:
                made = self._reply(graph, out, at_ms, recent, recent_stars)
            else:
                made = self._original(graph, out, at_ms)
            # Reposts are not targets themselves (a repost of a repost reposts the original),
            # nor are followers-only statuses (they cannot be reposted).
            if made is not None:
                recent.append(made)
                if made.author in graph.star_set:
                    recent_stars.append(made)
            if len(out.statuses) >= plan.batch:
                await self._flush_statuses(out)
        await self._flush_statuses(out)

    def _pick(self, recent: deque[_Recent], stars: deque[_Recent]) -> _Recent:
        """A recent status, the newest likelier; a third of the time a star's."""
        pool = stars if stars and self.rng.random() < 0.35 else recent
        back = min(len(pool) - 1, int(self.rng.expovariate(1 / 1_000)))
        return pool[len(pool) - 1 - back]

    def _original(self, graph: _Graph, out: "_Batch", at_ms: int) -> _Recent | None:
        rng = self.rng
        author = graph.active(rng)
        mention = None
        if rng.random() < 0.08:
            mention = graph.popular(rng, 1)[0]
            if mention == author:
                mention = None
        name = seed_text.username(mention, self.plan.seed) if mention is not None else None
        text, language = seed_text.post(rng, name)
        roll = rng.random()
        visibility = (
            Visibility.PUBLIC
            if roll < 0.85
            else Visibility.UNLISTED
            if roll < 0.95
            else Visibility.FOLLOWERS
        )
        status_id = self._status(out, at_ms, author, text, language, visibility, mention)
        self._count("originals")
        return _Recent(status_id, author) if visibility != Visibility.FOLLOWERS else None

    def _reply(
        self,
        graph: _Graph,
        out: "_Batch",
        at_ms: int,
        recent: deque[_Recent],
        stars: deque[_Recent],
    ) -> _Recent | None:
        rng = self.rng
        parent = self._pick(recent, stars)
        author = parent.author if rng.random() < 0.15 else graph.active(rng)
        own = author == parent.author
        name = None if own else seed_text.username(parent.author, self.plan.seed)
        text, language = seed_text.reply(rng, name)
        visibility = Visibility.PUBLIC if rng.random() < 0.9 else Visibility.UNLISTED
        status_id = self._status(
            out,
            at_ms,
            author,
            text,
            language,
            visibility,
            None if own else parent.author,
            parent=parent,
        )
        self._count("replies")
        return _Recent(status_id, author)

    def _repost(
        self,
        graph: _Graph,
        out: "_Batch",
        at_ms: int,
        recent: deque[_Recent],
        stars: deque[_Recent],
        reposted: OrderedDict[int, set[int]],
    ) -> bool:
        """False when the drawn account may not repost the drawn status (its own, or one it
        reposted already)."""
        original = self._pick(recent, stars)
        reposter = graph.active(self.rng)
        reposters = reposted.setdefault(original.status_id, set())
        if reposter == original.author or reposter in reposters:
            return False
        reposters.add(reposter)
        reposted.move_to_end(original.status_id)
        while len(reposted) > RECENT:
            reposted.popitem(last=False)
        status_id = new_id(at_ms)
        created = _at(at_ms)
        out.statuses.append(
            (status_id, self.ids[reposter], "", "", "", False, Visibility.PUBLIC.value, None,
             None, None, original.status_id, created)
        )  # fmt: skip
        out.notifications.append(
            (new_id(at_ms), self.ids[original.author], self.ids[reposter],
             NotificationType.REBLOG.value, original.status_id, created)
        )  # fmt: skip
        self._count("reposts")
        self._count("notifications")
        return True

    def _status(
        self,
        out: "_Batch",
        at_ms: int,
        author: int,
        text: str,
        language: str,
        visibility: Visibility,
        mentioned: int | None,
        parent: _Recent | None = None,
    ) -> int:
        status_id = new_id(at_ms)
        created = _at(at_ms)
        parsed = text_rules.parse(text)
        urls = {
            name.lower(): f"{self.plan.base_url.rstrip('/')}/@{name}" for name in parsed.mentions
        }
        content = render_status(parsed, base_url=self.plan.base_url.rstrip("/"), mention_urls=urls)
        out.statuses.append(
            (status_id, self.ids[author], text, content, "", False, visibility.value, language,
             parent.status_id if parent else None, self.ids[parent.author] if parent else None,
             None, created)
        )  # fmt: skip
        if mentioned is not None:
            out.mentions.append((new_id(at_ms), status_id, self.ids[mentioned]))
            out.notifications.append(
                (new_id(at_ms), self.ids[mentioned], self.ids[author],
                 NotificationType.MENTION.value, status_id, created)
            )  # fmt: skip
            self._count("mentions")
            self._count("notifications")
        for name in parsed.tags:
            key = text_rules.tag_key(name)
            tag_id = self.tags.get(key)
            if tag_id is None:
                tag_id = self.tags[key] = new_id(at_ms)
                out.tags.append((tag_id, name, key, created))
                self._count("tags")
            out.status_tags.append((status_id, tag_id))
            self._count("status tags")
        return status_id

    async def _flush_statuses(self, out: "_Batch") -> None:
        await self._write(
            [
                (Tag.__table__, ["id", "name", "key", "created_at"], out.tags),
                (Status.__table__, STATUS_COLUMNS, out.statuses),
                (Mention.__table__, ["id", "status_id", "account_id"], out.mentions),
                (StatusTag.__table__, ["status_id", "tag_id"], out.status_tags),
                (Notification.__table__, NOTIFICATION_COLUMNS, out.notifications),
            ]
        )
        self._count("statuses", len(out.statuses))
        self.progress.advance(len(out.statuses))
        out.clear()

    # 4. counters

    async def _counters(self) -> None:
        self.progress.stage("counters", len(self.ids))
        for first, last, size in self._ranges(5_000):
            async with self.db.transaction() as session:
                await store.recount(session, first, last, counted_sql())
            self.progress.advance(size)

    def _ranges(self, size: int) -> list[tuple[int, int, int]]:
        """(first id, last id, accounts) of consecutive runs of seeded accounts."""
        return [
            (self.ids[start], self.ids[min(len(self.ids), start + size) - 1],
             min(len(self.ids), start + size) - start)
            for start in range(0, len(self.ids), size)
        ]  # fmt: skip

    # 6. the full-text search index

    async def _search_index(self) -> None:
        search = SearchActions(self.db, search_index(self.db.engine.dialect.name))
        self.progress.stage("search", await search.count_indexable())
        done = await search.do_reindex(self.progress.advance)
        self._count("search index rows", done.indexed)
        self._count("account search rows", done.accounts)

    # 5. home feeds

    async def _warm_feeds(self) -> None:
        """With a covering index of what the fan-out rule reads, and fresh statistics."""
        engine = self.db.engine
        async with store.temporary_index(engine, "ix_seed_fan_out", FAN_OUT_COLUMNS):
            await store.analyze(engine)
            await self._home_feeds()

    async def _home_feeds(self) -> None:
        """The SQL store: one INSERT ... SELECT per batch of accounts. A derived store (Redis)
        gets the same rows through its `fill_home`, account by account."""
        plan = self.plan
        self.progress.stage("home feeds", len(self.ids))
        per_account = max(1.0, plan.statuses / plan.accounts * self._mean_follows())
        size = max(1, int(HOME_ROWS_PER_STATEMENT / min(per_account, plan.home_cap)))
        statistics = not self.db.is_sqlite  # see store.analyze
        feeds = self.feeds
        self.report.home = (
            "home_timeline rows by the fan-out rule, in bulk"
            if feeds is None
            else f"{type(feeds).__name__}.fill_home with the fan-out rule's rows, in bulk"
        )
        for first, last, accounts in self._ranges(size):
            rows = home_rows(first, last, plan.pull_threshold, plan.home_cap, statistics=statistics)
            if feeds is None:
                async with self.db.transaction() as session:
                    await store.prepare_bulk(session)
                    self._count("home rows", await store.fill_home(session, rows))
            else:
                async with self.db.session() as session:
                    await store.prepare_bulk(session)
                    found = await store.feeds(session, rows)
                # Every account of the run, an empty feed too: it is complete, not cold.
                run = self.ids[bisect_left(self.ids, first) : bisect_right(self.ids, last)]
                for account_id in run:
                    feed = found.get(account_id, [])
                    await feeds.fill_home(account_id, feed)
                    self._count("home rows", len(feed))
            self.progress.advance(accounts)


@dataclass
class _Batch:
    tags: list[Row] = field(default_factory=list)
    statuses: list[Row] = field(default_factory=list)
    mentions: list[Row] = field(default_factory=list)
    status_tags: list[Row] = field(default_factory=list)
    notifications: list[Row] = field(default_factory=list)

    def clear(self) -> None:
        for rows in (self.tags, self.statuses, self.mentions, self.status_tags):
            rows.clear()
        self.notifications.clear()


def _at(at_ms: int) -> datetime:
    return datetime.fromtimestamp(at_ms / 1000, UTC)


async def issue_tokens(
    db: Database, apps: AppActions, count: int = 0, account_ids: Sequence[int] | None = None
) -> list[tuple[int, str, str]]:
    """(account id, username, bearer token) for `account_ids`, or for `count` accounts picked
    at random, through the real token action (the database keeps only digests)."""
    if account_ids is None and count <= 0:
        return []
    async with db.session() as session:
        if account_ids is None:
            chosen = await store.sample_accounts(session, count)
        else:
            chosen = await store.usernames(session, account_ids)
    app = await apps.do_ensure_app("Myna seed", SEED_SCOPES)
    issued = []
    for account_id, username in chosen:
        _token, raw = await apps.do_issue_token(app.id, account_id, SEED_SCOPES)
        issued.append((account_id, username, raw))
    return issued


async def do_seed(
    db: Database, feeds: DerivedFeeds | None, plan: SeedPlan, progress: Progress | None = None
) -> SeedReport:
    """`feeds`: Container.derived_feeds (None: the feeds are the database's own table)."""
    return await Seeder(db, feeds, plan, progress or NoProgress()).run()
