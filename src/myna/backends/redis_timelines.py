"""Home and list feeds in Redis (scale-out mode): the TimelineBackend of backends/timelines.py,
with each feed a capped sorted set of status ids instead of rows in a SQL table.

Keys, under MYNA_REDIS_PREFIX:
    feed:home:{account_id}, feed:list:{list_id}   sorted set: the feed's status ids
    <feed key>:reposts                             hash: the repost rule's memory (below)

Order without rounding. Status ids are 64-bit (milliseconds << 16 | counter, lib/ids.py, about
2**57 today) and a sorted-set score is a double with a 53-bit mantissa, so scoring by id would
round neighbouring ids to one score and page wrongly at max_id/since_id/min_id. Every member
gets score 0 instead, and is the id written as 19 zero-padded decimal digits (ids are below
2**63, which has 19 digits): with equal scores Redis orders members byte by byte, which for
fixed-width digits is numeric order. Pages are lexicographic ranges (ZRANGE ... BYLEX, with
"(" bounds for the exclusive max_id/since_id/min_id), ranks are id order, and the cap keeps
the highest ranks. Exact, whatever the ids.

Markers. Two members sort below every id: `COMPLETE` (19 zeros, id 0, which no status has)
says the feed was built from the database, so an empty feed is still a warm one and a read
does not rebuild it again; `BUILDING` ("-") says a rebuild is reading the database, so that
fan-out writes the feed meanwhile instead of missing it. Pages read above `COMPLETE`, the cap
counts ids only.

Warmth only. A missing feed (Redis restarted or flushed, an account never read) is not
written by fan-out, which would make a feed of only the newest statuses look complete; the
first read rebuilds it from the database with `policy.audience.home_feed` (or
`policy.lists.list_feed`): the newest `cap` statuses the fan-out rules would have given it,
filled oldest first through the repost rule. The rebuild marks the feed BUILDING before it
reads the database, so a status committed meanwhile is either read or written by its fan-out
(on PostgreSQL, where each statement sees what was committed before it began).

After commit. Fan-out and the other writes compute everything they need from the database
inside the caller's transaction (the database is the truth) and write Redis in a
`db.on_commit` hook: one Lua script call per `BATCH` feeds (one round trip), which checks and
writes each feed atomically. A rolled-back transaction never reaches Redis.
A failed write is logged (the write it followed stands); the feeds it missed are stale until
rebuilt (`rebuild_home`, `rebuild_list`).

The repost rule (a repost skips feeds that already show the reposted status or another repost
of it) keeps, per feed, a hash `o:<original> -> <repost>` and `r:<repost> -> <original>`,
trimmed with the feed. A remembered repost may have been deleted since (Redis keeps deleted
ids; reads skip them): before commit, fan-out reads what each recipient's feed remembers and
asks the database which of those reposts still exist; a dead one does not block the new
repost, and the script drops it from the feed.

`holders` has no reverse index to read: it recomputes the status's recipients from the
database (`home_recipients` with the author's current follower count), the accounts whose feed
got it or would get it on a rebuild. A follower whose feed skipped a repost by the repost
rule is included: a small superset, harmless because the streaming side checks the
visibility rule for each receiver (streaming/connection.py `may_receive`) and a client
ignores a delete or update of a status it does not show.

Redis Cluster: a script may touch only keys of one hash slot. A feed and its `:reposts` hash
would share one through a `{...}` hash tag around the feed's id, and fan-out would group its
feeds by slot (CLUSTER KEYSLOT) before calling the script on each group.
"""

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any, TypeVar

from redis.exceptions import RedisError
from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from myna.backends.jobs import Jobs
from myna.backends.timelines import BACKFILL_ON_FOLLOW, merge_pulled
from myna.db.database import on_commit
from myna.lib.paging import Page
from myna.models import Account, AccountList, Status
from myna.policy.audience import home_feed, home_recipients
from myna.policy.lists import list_feed
from myna.store.paging import newest_first

log = logging.getLogger("myna.timelines")
T = TypeVar("T")

WIDTH = 19  # decimal digits of the largest id (2**63 - 1)
COMPLETE = "0" * WIDTH
BUILDING = "-"
FIRST_ID = "(" + COMPLETE  # lexicographic bound: every id, no marker
BATCH = 1000  # feeds per pipelined round trip
SQL_BATCH = 1000  # ids per IN (...) list
REPOSTS = ":reposts"

# Shared Lua: the repost rule's memory, adding one status, and the cap.
_LUA_LIB = f"""
local function forget(reposts, m)
  local original = redis.call('HGET', reposts, 'r:' .. m)
  if original then
    redis.call('HDEL', reposts, 'r:' .. m)
    if redis.call('HGET', reposts, 'o:' .. original) == m then
      redis.call('HDEL', reposts, 'o:' .. original)
    end
  end
end

-- Add status `m` (a repost of `original`, unless that is ''), unless the feed already shows
-- the original or a repost of it; `dead` names a remembered repost known to be deleted.
-- `delivered`: `m` is a new status's delivery, so if the feed shows a repost of it already,
-- the two deliveries ran out of order and `m` takes the repost's place, as it would have had
-- they run in order. (A backfill after a follow keeps both, as the SQL store does.)
local function add(feed, reposts, m, original, dead, delivered)
  if original ~= '' then
    if redis.call('ZSCORE', feed, original) then return 0 end
    local shown = redis.call('HGET', reposts, 'o:' .. original)
    if shown then
      if shown ~= dead then return 0 end
      redis.call('ZREM', feed, shown)
      forget(reposts, shown)
    end
    redis.call('HSET', reposts, 'o:' .. original, m, 'r:' .. m, original)
  elseif delivered then
    local repost = redis.call('HGET', reposts, 'o:' .. m)
    if repost then
      redis.call('ZREM', feed, repost)
      forget(reposts, repost)
    end
  end
  redis.call('ZADD', feed, 0, m)
  return 1
end

-- Keep the `cap` highest ids (the markers sort first and stay).
local function trim(feed, reposts, cap)
  local markers = redis.call('ZLEXCOUNT', feed, '-', '[{COMPLETE}')
  local extra = redis.call('ZCARD', feed) - markers - cap
  if extra <= 0 then return end
  local last = markers + extra - 1
  local gone = redis.call('ZRANGE', feed, markers, last)
  redis.call('ZREMRANGEBYRANK', feed, markers, last)
  for _, m in ipairs(gone) do forget(reposts, m) end
end
"""

# KEYS: pairs (feed, reposts). ARGV: cap, status, original or '', then for each feed the
# dead repost it remembers or ''. Writes the warm feeds (cold ones are left to their rebuild);
# returns how many feeds got the status.
_PUSH = (
    _LUA_LIB
    + """
local cap, m, original = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local added = 0
for i = 1, #KEYS, 2 do
  local feed = KEYS[i]
  if redis.call('EXISTS', feed) == 1 then
    if add(feed, KEYS[i + 1], m, original, ARGV[3 + (i + 1) / 2], true) == 1 then
      trim(feed, KEYS[i + 1], cap)
      added = added + 1
    end
  end
end
return added
"""
)

# KEYS: pairs (feed, reposts). ARGV: original. For each feed, what it shows of the original:
# '*' the original itself, a repost's member, or '' nothing.
_SHOWN = """
local shown = {}
for i = 1, #KEYS, 2 do
  if redis.call('ZSCORE', KEYS[i], ARGV[1]) then
    shown[#shown + 1] = '*'
  else
    shown[#shown + 1] = redis.call('HGET', KEYS[i + 1], 'o:' .. ARGV[1]) or ''
  end
end
return shown
"""

# KEYS: feed, reposts. ARGV: cap, mode, then pairs (status, original or ''), oldest first.
# mode 'warm': only into a feed that exists (a backfill); 'fill': a rebuild, which marks the
# feed COMPLETE. Returns how many were added, -1 when the feed is cold.
_MANY = (
    _LUA_LIB
    + f"""
if ARGV[2] == 'warm' and redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local added = 0
for i = 3, #ARGV, 2 do
  added = added + add(KEYS[1], KEYS[2], ARGV[i], ARGV[i + 1], '', false)
end
if ARGV[2] == 'fill' then
  redis.call('ZADD', KEYS[1], 0, '{COMPLETE}')
  redis.call('ZREM', KEYS[1], '{BUILDING}')
end
trim(KEYS[1], KEYS[2], tonumber(ARGV[1]))
return added
"""
)

# KEYS: feed, reposts. ARGV: statuses to take out.
_REMOVE = (
    _LUA_LIB
    + """
for i = 1, #ARGV do
  if redis.call('ZREM', KEYS[1], ARGV[i]) == 1 then forget(KEYS[2], ARGV[i]) end
end
return 0
"""
)

# KEYS: feed. ARGV: '1' forwards (oldest first) or '0', low bound, high bound, count.
# Returns nil when the feed is not complete (missing, or still being rebuilt).
_PAGE = f"""
if not redis.call('ZSCORE', KEYS[1], '{COMPLETE}') then return false end
if ARGV[1] == '1' then
  return redis.call('ZRANGE', KEYS[1], ARGV[2], ARGV[3], 'BYLEX', 'LIMIT', 0, ARGV[4])
end
return redis.call('ZRANGE', KEYS[1], ARGV[3], ARGV[2], 'BYLEX', 'REV', 'LIMIT', 0, ARGV[4])
"""


def member(status_id: int) -> str:
    """A status id as a feed member: fixed-width digits, so byte order is numeric order."""
    return f"{status_id:0{WIDTH}d}"


def _chunks(items: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class RedisTimelines:
    """Scale-out backend: capped feeds in Redis, written after commit (module docstring)."""

    def __init__(
        self,
        url: str,
        prefix: str = "myna:",
        *,
        cap: int = 800,
        pull_threshold: int = 10_000,
        jobs: Jobs | None = None,
        inline_limit: int = 1000,
        batch: int = BATCH,
    ) -> None:
        from redis import asyncio as redis

        self._redis: Any = redis.from_url(url, decode_responses=True)
        self._prefix = prefix
        self.cap = cap
        self.pull_threshold = pull_threshold
        # Audiences above `inline_limit` feeds are delivered by a job (`deliver_feeds`, run by
        # `myna worker`) instead of in the request after commit.
        self.jobs = jobs
        self.inline_limit = inline_limit
        self.batch = batch
        self._push = self._redis.register_script(_PUSH)
        self._many = self._redis.register_script(_MANY)
        self._shown = self._redis.register_script(_SHOWN)
        self._remove = self._redis.register_script(_REMOVE)
        self._page = self._redis.register_script(_PAGE)

    def home_key(self, account_id: int) -> str:
        return f"{self._prefix}feed:home:{account_id}"

    def list_key(self, list_id: int) -> str:
        return f"{self._prefix}feed:list:{list_id}"

    async def close(self) -> None:
        await self._redis.aclose()

    # Fan-out

    async def fan_out(
        self,
        session: AsyncSession,
        status_id: int,
        recipients: Select[int],
        reblog_of_id: int | None = None,
    ) -> list[int]:
        owners = list(dict.fromkeys(await session.scalars(recipients)))
        return await self._fan_out(session, self.home_key, owners, status_id, reblog_of_id)

    async def fan_out_lists(
        self,
        session: AsyncSession,
        status_id: int,
        lists: Select[int],
        reblog_of_id: int | None = None,
    ) -> list[int]:
        owners = list(dict.fromkeys(await session.scalars(lists)))
        return await self._fan_out(session, self.list_key, owners, status_id, reblog_of_id)

    async def _fan_out(
        self,
        session: AsyncSession,
        key_of: Callable[[int], str],
        owners: list[int],
        status_id: int,
        reblog_of_id: int | None,
    ) -> list[int]:
        """Returns the feeds that get the status: every recipient, less those the repost rule
        skips. Cold feeds are counted in (their rebuild brings the status) but not written."""
        dead: dict[str, str] = {}
        if reblog_of_id is not None and owners:
            owners, dead = await self._repost_rule(session, key_of, owners, reblog_of_id)
        if owners:
            keys = [key_of(owner) for owner in owners]
            if self.jobs is not None and len(keys) > self.inline_limit:
                kind = "home" if key_of == self.home_key else "list"
                # The author's own feed is written at once: whoever posts sees the post at
                # home as soon as it is answered, whatever the size of the audience.
                status = await session.get(Status, status_id)  # the action's: no query
                own = key_of(status.account_id) if status and kind == "home" else None
                if own in keys:
                    keys.remove(own)
                    on_commit(
                        session,
                        partial(
                            self._after_commit, self.push, [own], status_id, reblog_of_id, dead
                        ),
                    )
                job = partial(
                    self.jobs.enqueue,
                    "deliver_feeds",
                    keys,
                    status_id,
                    reblog_of_id,
                    dead,
                    job_id=f"deliver:{kind}:{status_id}",
                )
                on_commit(session, partial(self._after_commit, job))
            else:
                on_commit(
                    session,
                    partial(self._after_commit, self.push, keys, status_id, reblog_of_id, dead),
                )
        return owners

    async def _repost_rule(
        self,
        session: AsyncSession,
        key_of: Callable[[int], str],
        owners: list[int],
        reblog_of_id: int,
    ) -> tuple[list[int], dict[str, str]]:
        """Before commit: which feeds already show the original or a live repost of it
        (skipped), and which remember a repost that was deleted since (`dead`, by feed key)."""
        original = member(reblog_of_id)
        shown: list[str] = []
        for chunk in _chunks(owners, BATCH):
            names: list[str] = []
            for owner in chunk:
                names += [key_of(owner), key_of(owner) + REPOSTS]
            shown += await self._shown(keys=names, args=[original])
        remembered = sorted({int(seen) for seen in shown if seen not in ("", "*")})
        alive: set[int] = set()
        for ids in _chunks(remembered, SQL_BATCH):
            alive.update(await session.scalars(select(Status.id).where(Status.id.in_(ids))))
        kept: list[int] = []
        dead: dict[str, str] = {}
        for owner, seen in zip(owners, shown, strict=True):
            if seen == "*" or (seen and int(seen) in alive):
                continue
            if seen:
                dead[key_of(owner)] = seen
            kept.append(owner)
        return kept, dead

    async def push(
        self,
        keys: Sequence[str],
        status_id: int,
        reblog_of_id: int | None = None,
        dead: dict[str, str] | None = None,
    ) -> None:
        """Write one status into the feeds `keys` that are warm, `BATCH` feeds per round
        trip. Idempotent: delivering it twice leaves each feed as once."""
        status = member(status_id)
        original = member(reblog_of_id) if reblog_of_id is not None else ""
        dead = dead or {}
        for chunk in _chunks(keys, self.batch):
            names: list[str] = []
            args: list[Any] = [self.cap, status, original]
            for key in chunk:
                names += [key, key + REPOSTS]
                args.append(dead.get(key, ""))
            await self._push(keys=names, args=args)

    async def _after_commit(self, write: Callable[..., Awaitable[Any]], *args: Any) -> None:
        try:
            await write(*args)
        except RedisError:
            # The transaction stands; the feeds this missed are stale until rebuilt.
            log.exception("could not write timelines (or their delivery job) to Redis")

    # Who holds a status

    async def holders(self, session: AsyncSession, status_id: int) -> list[int]:
        status = await session.get(Status, status_id)
        if status is None or status.group_id is not None:
            return []  # group posts are never fanned out
        followers = await session.scalar(
            select(Account.followers_count).where(Account.id == status.account_id)
        )
        recipients = home_recipients(status, followers or 0, self.pull_threshold)
        return list(dict.fromkeys(await session.scalars(recipients)))

    # Reads

    async def home_page(
        self,
        session: AsyncSession,
        viewer_id: int,
        page: Page,
        where: ColumnElement[bool],
        pulled: Sequence[ColumnElement[bool]] = (),
        params: Mapping[str, Any] | None = None,
    ) -> list[Status]:
        fed = await self._read(
            session,
            self.home_key(viewer_id),
            page,
            where,
            partial(self._rebuild_home, session, viewer_id, replace=False),
            params,
        )
        return await merge_pulled(session, fed, page, where, pulled, params)

    async def list_page(
        self, session: AsyncSession, list_id: int, page: Page, where: ColumnElement[bool]
    ) -> list[Status]:
        fed = await self._read(
            session,
            self.list_key(list_id),
            page,
            where,
            partial(self._rebuild_list, session, list_id, replace=False),
        )
        return newest_first(fed, page)

    async def _read(
        self,
        session: AsyncSession,
        key: str,
        page: Page,
        where: ColumnElement[bool],
        rebuild: Callable[[], Awaitable[int]],
        params: Mapping[str, Any] | None = None,
    ) -> list[Status]:
        """Up to `page.limit` statuses of the feed that pass `where`, in the page's order
        (newest first, or oldest first with min_id). Ids that `where` drops (muted, blocked,
        deleted, kept out by an exclusive list) are made up for by reading on, in batches
        twice as large each time, until the page is full or the feed ends."""
        forwards = page.forwards
        high = "(" + member(page.max_id) if page.max_id is not None else "+"
        if forwards:
            low = "(" + member(max(page.min_id or 0, page.since_id or 0))
        else:
            low = "(" + member(page.since_id) if page.since_id is not None else FIRST_ID
        batch = max(page.limit, 1)
        found: list[Status] = []
        rebuilt = False
        while True:
            ids = await self._page(keys=[key], args=["1" if forwards else "0", low, high, batch])
            if ids is None:
                if rebuilt:  # gone again at once (flushed meanwhile): nothing to serve
                    return found
                await rebuild()
                rebuilt = True
                continue
            if not ids:
                return found
            wanted = [int(m) for m in ids]
            loaded = {
                status.id: status
                for status in await session.scalars(
                    select(Status).where(Status.id.in_(wanted), where), params
                )
            }
            found.extend(loaded[i] for i in wanted if i in loaded)
            if len(found) >= page.limit:
                return found[: page.limit]
            if len(ids) < batch:
                return found
            if forwards:
                low = "(" + ids[-1]
            else:
                high = "(" + ids[-1]
            batch = min(batch * 2, BATCH)

    # Follows and list members

    async def add_author(
        self, session: AsyncSession, viewer_id: int, which: ColumnElement[bool]
    ) -> None:
        await self._backfill(session, self.home_key(viewer_id), which)

    async def add_to_list(
        self, session: AsyncSession, list_id: int, which: ColumnElement[bool]
    ) -> None:
        await self._backfill(session, self.list_key(list_id), which)

    async def _backfill(self, session: AsyncSession, key: str, which: ColumnElement[bool]) -> None:
        """The newest statuses chosen by `which`, into the feed after commit (if it is warm:
        a cold feed's rebuild brings them)."""
        rows = (
            await session.execute(
                select(Status.id, Status.reblog_of_id)
                .where(which)
                .order_by(Status.id.desc())
                .limit(BACKFILL_ON_FOLLOW)
            )
        ).all()
        if rows:
            pairs = [(row[0], row[1]) for row in reversed(rows)]
            on_commit(session, partial(self._after_commit, self._write_many, key, pairs, "warm"))

    async def remove_author(self, session: AsyncSession, viewer_id: int, author_id: int) -> None:
        await self._take_out(session, self.home_key(viewer_id), Status.account_id == author_id)

    async def remove_from_home(
        self, session: AsyncSession, viewer_id: int, which: ColumnElement[bool]
    ) -> None:
        await self._take_out(session, self.home_key(viewer_id), which)

    async def remove_from_list(
        self, session: AsyncSession, list_id: int, author_ids: list[int]
    ) -> None:
        await self._take_out(session, self.list_key(list_id), Status.account_id.in_(author_ids))

    async def _take_out(self, session: AsyncSession, key: str, whose: ColumnElement[bool]) -> None:
        """Which of the feed's ids are `whose` is asked of the database; they leave the feed
        after commit."""
        held = [int(m) for m in await self._redis.zrange(key, FIRST_ID, "+", bylex=True)]
        theirs: list[int] = []
        for ids in _chunks(held, SQL_BATCH):
            theirs.extend(await session.scalars(select(Status.id).where(Status.id.in_(ids), whose)))
        if theirs:
            members = [member(i) for i in theirs]
            on_commit(session, partial(self._after_commit, self._remove_members, key, members))

    async def _remove_members(self, key: str, members: list[str]) -> None:
        await self._remove(keys=[key, key + REPOSTS], args=members)

    async def _write_many(self, key: str, pairs: list[tuple[int, int | None]], mode: str) -> int:
        args: list[Any] = [self.cap, mode]
        for status_id, reblog_of_id in pairs:
            args += [member(status_id), member(reblog_of_id) if reblog_of_id is not None else ""]
        return int(await self._many(keys=[key, key + REPOSTS], args=args))

    # Rebuilds (warmth)

    async def rebuild_home(self, session: AsyncSession, account_id: int) -> int:
        """Replace the home feed with one built from the database; returns the ids it holds."""
        return await self._rebuild_home(session, account_id, replace=True)

    async def rebuild_list(self, session: AsyncSession, list_id: int) -> int:
        """Replace a list's feed with one built from the database; returns the ids it holds
        (0 and no feed for a list that does not exist)."""
        return await self._rebuild_list(session, list_id, replace=True)

    async def _rebuild_home(self, session: AsyncSession, account_id: int, *, replace: bool) -> int:
        return await self._rebuild(
            session, self.home_key(account_id), home_feed(account_id, self.pull_threshold), replace
        )

    async def _rebuild_list(self, session: AsyncSession, list_id: int, *, replace: bool) -> int:
        the_list = await session.get(AccountList, list_id)
        if the_list is None:
            key = self.list_key(list_id)
            await self._redis.delete(key, key + REPOSTS)
            return 0
        return await self._rebuild(session, self.list_key(list_id), list_feed(the_list), replace)

    async def _rebuild(
        self, session: AsyncSession, key: str, rule: ColumnElement[bool], replace: bool
    ) -> int:
        """Mark the feed BUILDING (so fan-out writes it from now on), read the newest `cap`
        statuses of `rule`, and fill them in oldest first (the repost rule), marking the feed
        COMPLETE. With `replace`, what the feed held before is dropped first."""
        await self._start_building(key, replace)
        rows = (
            await session.execute(
                select(Status.id, Status.reblog_of_id)
                .where(rule)
                .order_by(Status.id.desc())
                .limit(self.cap)
            )
        ).all()
        return await self._finish_building(key, [(row[0], row[1]) for row in reversed(rows)])

    async def fill_home(self, account_id: int, feed: list[tuple[int, int | None]]) -> int:
        """Replace a home feed with these (status id, reposted id) pairs, oldest first, through
        the repost rule, and mark it complete: `myna seed` computes feeds in bulk in SQL."""
        key = self.home_key(account_id)
        await self._start_building(key, replace=True)
        return await self._finish_building(key, feed)

    async def _start_building(self, key: str, replace: bool) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            if replace:
                pipe.delete(key, key + REPOSTS)
            pipe.zadd(key, {BUILDING: 0})
            await pipe.execute()

    async def _finish_building(self, key: str, pairs: list[tuple[int, int | None]]) -> int:
        await self._write_many(key, pairs, "fill")
        return int(await self._redis.zlexcount(key, FIRST_ID, "+"))
