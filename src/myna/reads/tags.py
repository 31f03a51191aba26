"""Tag reads: one tag by name with its last seven days of use (public posts only), and the
same view for any batch of tags (trends, followed tags), in a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from myna.db.database import Database
from myna.lib.clock import as_utc, utcnow
from myna.lib.errors import NotFound
from myna.lib.text import tag_key
from myna.models import Tag, TrendKind
from myna.store import statuses as status_store
from myna.store import tag_follows as tag_follow_store
from myna.store import trends as store

HISTORY_DAYS = 7
DAY_SECONDS = 86400


@dataclass(frozen=True, slots=True)
class TagDay:
    day: int  # the UTC day's start, unix seconds
    uses: int  # public statuses that used the tag that day
    accounts: int  # distinct accounts among them


@dataclass(frozen=True, slots=True)
class TagView:
    id: int
    name: str
    history: list[TagDay]  # newest day first, HISTORY_DAYS of them
    # Whether the viewer follows the tag: None when no viewer is known (the field is then
    # left out of the entity). Followed-tag reads fill it in.
    following: bool | None = None


def history_days(
    per_day: dict[int, tuple[int, int]], today: int, days: int = HISTORY_DAYS
) -> list[TagDay]:
    """`today` and `per_day`'s keys are days since the epoch; newest first, zeros filled."""
    out = []
    for day in range(today, today - days, -1):
        uses, accounts = per_day.get(day, (0, 0))
        out.append(TagDay(day=day * DAY_SECONDS, uses=uses, accounts=accounts))
    return out


def day_of(now: datetime) -> int:
    return int(as_utc(now).timestamp()) // DAY_SECONDS


async def history_of(
    session: AsyncSession, kind: str, target_ids: list[int], now: datetime
) -> dict[int, list[TagDay]]:
    """Seven days of history for each target, in one query."""
    today = day_of(now)
    per_target = await store.daily(session, kind, target_ids, today - HISTORY_DAYS + 1, today)
    return {t: history_days(per_target.get(t, {}), today) for t in target_ids}


async def tag_views(
    session: AsyncSession,
    tags: list[Tag],
    now: datetime,
    following: set[int] | None = None,
) -> list[TagView]:
    """Views of `tags` in their order. `following`: the ids of those the viewer follows
    (None when there is no viewer: `following` is then left unset)."""
    history = await history_of(session, TrendKind.TAG, [t.id for t in tags], now)
    return [
        TagView(
            id=tag.id,
            name=tag.name,
            history=history[tag.id],
            following=None if following is None else tag.id in following,
        )
        for tag in tags
    ]


class TagReads:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def one(self, viewer_id: int | None, name: str, now: datetime | None = None) -> TagView:
        """A tag by name (`#Myna`, `myna` and the full-width form are one tag); NotFound if
        no post ever used it."""
        async with self.db.session() as session:
            tag = await status_store.tag_by_key(session, tag_key(name.strip().strip("#")))
            if tag is None:
                raise NotFound()
            following = (
                None
                if viewer_id is None
                else await tag_follow_store.followed_among(session, viewer_id, [tag.id])
            )
            views = await tag_views(session, [tag], now or utcnow(), following)
            return views[0]
