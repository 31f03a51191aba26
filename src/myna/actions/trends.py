"""Hot topics (热搜). Recording happens in the posting (liking, reposting) transaction: one
upserted row per target, hour and account, so the write path stays one small statement per
tag or link and one account adds at most 1 to an hour. The ranking is computed from the
recent hours in bounded queries, stored in `trends` by the housekeeping sweep (one process
at a time, claimed in the database) and read from there by every process.

Score of a target: over the last `window_hours` hours (the current one included), each hour
whose distinct accounts `o` exceed the target's own expected accounts per hour `e` (its mean
over the `baseline_days` before the window, at least `baseline_floor`) adds
`w * (o - e)² / e`, with `w` halving every `half_life_hours` back in time. Nothing trends
with fewer than `min_accounts` distinct accounts in the window."""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from myna.actions.moderation import audit
from myna.db.database import Database
from myna.lib.clock import utcnow
from myna.lib.errors import NotFound
from myna.lib.ids import new_id
from myna.lib.text import parse, tag_key
from myna.models import AuditAction, Status, TrendKind, TrendUse
from myna.policy import moderation
from myna.policy import visibility as rules
from myna.policy.access import access_status
from myna.policy.moderation import check_staff
from myna.store import accounts as account_store
from myna.store import statuses as status_store
from myna.store import trends as store

LINK_MAX_CHARS = 2000  # longer links are not ranked (nor stored twice)


@dataclass(frozen=True, slots=True)
class TrendRules:
    window_hours: int = 6
    baseline_days: int = 7
    half_life_hours: float = 2.0
    min_accounts: int = 5
    baseline_floor: float = 1.0
    size: int = 100
    candidates: int = 2000
    refresh_seconds: float = 60.0


def score(
    per_hour: Mapping[int, int], last_hour: int, expected: float, trend_rules: TrendRules
) -> float:
    """How far above its usual level a target is, recent hours weighing most."""
    total = 0.0
    for age in range(trend_rules.window_hours):
        observed = per_hour.get(last_hour - age, 0)
        if observed > expected:
            weight = 0.5 ** (age / trend_rules.half_life_hours)
            total += weight * (observed - expected) ** 2 / expected
    return total


# --- recording, inside the caller's transaction ----------------------------------------------


def link_key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def _links_of(text: str) -> list[str]:
    # The fragment never changes which page is meant.
    out = [url.split("#", 1)[0] for url in parse(text).links]
    return list(dict.fromkeys(url for url in out if len(url) <= LINK_MAX_CHARS))


async def _link_ids(session: AsyncSession, urls: list[str], now: datetime) -> list[int]:
    if not urls:
        return []
    keys = {link_key(url): url for url in urls}
    await store.add_links(
        session,
        [{"id": new_id(), "url": url, "key": key, "created_at": now} for key, url in keys.items()],
    )
    return [link.id for link in (await store.links_by_keys(session, keys)).values()]


async def record_post(session: AsyncSession, status: Status) -> None:
    """A new status: its tags (already attached) and links count, if it is public."""
    if not rules.counts_in_trends(status):
        return
    hour = store.hour_of(status.created_at)
    tag_ids = await store.tag_ids_of(session, status.id)
    await store.record(session, TrendKind.TAG, tag_ids, hour, status.account_id)
    link_ids = await _link_ids(session, _links_of(status.text), status.created_at)
    await store.record(session, TrendKind.LINK, link_ids, hour, status.account_id)


async def forget_uses(session: AsyncSession, status: Status) -> None:
    """Before a public status's tags or links change (an edit: `record_post` follows) or it is
    deleted: what they counted for counts no more."""
    if not rules.counts_in_trends(status):
        return
    hour = store.hour_of(status.created_at)
    tag_ids = await store.tag_ids_of(session, status.id)
    await store.unrecord(session, TrendKind.TAG, tag_ids, hour, status.account_id)
    keys = [link_key(url) for url in _links_of(status.text)]
    link_ids = [link.id for link in (await store.links_by_keys(session, keys)).values()]
    await store.unrecord(session, TrendKind.LINK, link_ids, hour, status.account_id)


async def forget_post(session: AsyncSession, status: Status) -> None:
    """Before a status is deleted: its uses, its own engagement, and for a repost its
    engagement with the original."""
    if status.reblog_of_id is not None:
        hour = store.hour_of(status.created_at)
        await store.unrecord(
            session, TrendKind.STATUS, [status.reblog_of_id], hour, status.account_id
        )
        return
    await forget_uses(session, status)
    await store.forget_target(session, TrendKind.STATUS, status.id)


async def record_engagement(
    session: AsyncSession, status: Status, account_id: int, at: datetime
) -> None:
    """A like or repost of `status` (an original) by someone other than its author."""
    if rules.counts_in_trends(status) and account_id != status.account_id:
        await store.record(session, TrendKind.STATUS, [status.id], store.hour_of(at), account_id)


async def forget_engagement(
    session: AsyncSession, status: Status, account_id: int, at: datetime
) -> None:
    await store.unrecord(session, TrendKind.STATUS, [status.id], store.hour_of(at), account_id)


# --- ranking and moderation ------------------------------------------------------------------


class TrendActions:
    def __init__(self, db: Database, trend_rules: TrendRules | None = None) -> None:
        self.db = db
        self.rules = trend_rules or TrendRules()

    async def sweep(self, now: datetime) -> int:
        """Housekeeping: recompute the rankings that are due; how many were."""
        if self.rules.refresh_seconds <= 0:
            return 0
        due = now - timedelta(seconds=self.rules.refresh_seconds)
        return await self._refresh(now, due)

    async def do_refresh(self, now: datetime | None = None) -> int:
        """Recompute every ranking as of `now` (tests pass a scripted time; `myna trends
        refresh`)."""
        now = now or utcnow()
        return await self._refresh(now, now)

    async def _refresh(self, now: datetime, due: datetime) -> int:
        done = 0
        for kind in TrendKind:
            async with self.db.transaction() as session:
                if await store.claim_refresh(session, kind, now, due):
                    await store.replace_ranking(session, kind, await self._rank(session, kind, now))
                    done += 1
        return done

    async def _rank(
        self, session: AsyncSession, kind: str, now: datetime
    ) -> list[tuple[int, float]]:
        r = self.rules
        last = store.hour_of(now)
        first = last - r.window_hours + 1
        # Limited and suspended accounts move no trend (uses are kept: lifting it counts them).
        counted = moderation.listed_author_sql(TrendUse.account_id)
        found = await store.candidates(
            session, kind, first, last, r.min_accounts, r.candidates, counted
        )
        targets = list(found)
        per_hour = await store.accounts_per_hour(session, kind, targets, first, last, counted)
        baseline_hours = r.baseline_days * 24
        usual = await store.account_hours(session, kind, targets, first - baseline_hours, first - 1)
        scored = []
        for target in targets:
            expected = max(r.baseline_floor, usual.get(target, 0) / baseline_hours)
            value = score(per_hour.get(target, {}), last, expected, r)
            if value > 0:
                scored.append((target, value))
        scored.sort(key=lambda item: (-item[1], -item[0]))
        return scored[: r.size]

    async def do_hide(self, admin_id: int | None, kind: TrendKind, target_id: int) -> None:
        """Hide a tag, link or status from the trends (Mastodon's reject); its posts stay.
        `admin_id` None: the operator (the CLI). A moderator's review goes in the audit log."""
        async with self.db.transaction() as session:
            await self._check_target(session, admin_id, kind, target_id)
            await store.hide(session, kind, target_id, utcnow())
            await self._audit(session, admin_id, AuditAction.TREND_HIDE, kind, target_id)

    async def do_unhide(self, admin_id: int | None, kind: TrendKind, target_id: int) -> None:
        """Let it trend again (Mastodon's approve)."""
        async with self.db.transaction() as session:
            await self._check_target(session, admin_id, kind, target_id)
            await store.unhide(session, kind, target_id)
            await self._audit(session, admin_id, AuditAction.TREND_SHOW, kind, target_id)

    async def _audit(
        self,
        session: AsyncSession,
        admin_id: int | None,
        action: AuditAction,
        kind: TrendKind,
        target_id: int,
    ) -> None:
        actor = await account_store.get(session, admin_id) if admin_id is not None else None
        if actor is None:
            return  # the operator, at the command line
        label = ""
        if kind is TrendKind.TAG:
            tags = await store.tags_by_ids(session, [target_id])
            label = f"#{tags[target_id].name}" if target_id in tags else ""
        elif kind is TrendKind.LINK:
            links = await store.links_by_ids(session, [target_id])
            label = links[target_id].url if target_id in links else ""
        await audit(session, actor, action, (f"trend_{kind.value}", target_id, label[:200]))

    async def do_review(
        self, admin_id: int | None, kind: TrendKind, target_id: int, *, hidden: bool
    ) -> None:
        """An admin's review: hidden from the trends, or allowed to trend again."""
        if hidden:
            await self.do_hide(admin_id, kind, target_id)
        else:
            await self.do_unhide(admin_id, kind, target_id)

    async def tag_id(self, name: str) -> int:
        """A tag's id by name (`#Myna`, `myna`): NotFound if no post used it."""
        async with self.db.session() as session:
            tag = await status_store.tag_by_key(session, tag_key(name.strip().strip("#")))
            if tag is None:
                raise NotFound()
            return tag.id

    async def _check_target(
        self, session: AsyncSession, admin_id: int | None, kind: TrendKind, target_id: int
    ) -> None:
        """The caller is a moderator or an admin (None: the operator, from the CLI) and the
        target exists; a status must also be one the caller may see."""
        if admin_id is not None:
            check_staff(await account_store.get(session, admin_id))
        if kind is TrendKind.STATUS and admin_id is not None:
            await access_status(session, admin_id, target_id)
            return
        if kind is TrendKind.TAG:
            found = bool(await store.tags_by_ids(session, [target_id]))
        elif kind is TrendKind.LINK:
            found = bool(await store.links_by_ids(session, [target_id]))
        else:
            found = await status_store.get(session, target_id) is not None
        if not found:
            raise NotFound()
