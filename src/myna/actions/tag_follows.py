"""Following hashtags: a followed tag's public posts reach the follower's home feed from then on
(policy/audience.py `tag_followers`); unfollowing takes those that came only for the tag out
again, so the feed stays what a rebuild from the database gives. Following a tag nobody used
yet creates it, as on Mastodon. Only the follower's own state changes: no event is
published."""

from myna.backends.timelines import TimelineBackend
from myna.db.database import Database
from myna.lib import text as text_rules
from myna.lib.clock import utcnow
from myna.lib.errors import NotFound, ValidationFailed
from myna.lib.ids import new_id
from myna.models import Tag
from myna.policy.audience import left_home_on_tag_unfollow
from myna.store import statuses as status_store
from myna.store import tag_follows as store
from myna.store.upsert import insert_ignore


def check_tag_name(raw: str) -> str:
    """The tag's name as a post would write it (`#Myna`, `Myna` and `#Myna#` name one tag);
    ValidationFailed unless a post could use it, as a `#tag` or a `#话题#` topic."""
    name = raw.strip().strip("#")
    if name and name in (text_rules.parse(f"#{name}").tags + text_rules.parse(f"#{name}#").tags):
        return name
    raise ValidationFailed("Validation failed: Name is not a valid hashtag or topic")


class TagFollowActions:
    def __init__(self, db: Database, timelines: TimelineBackend, pull_threshold: int) -> None:
        self.db = db
        self.timelines = timelines
        self.pull_threshold = pull_threshold

    async def do_follow(self, viewer_id: int, raw_name: str) -> Tag:
        name = check_tag_name(raw_name)
        key = text_rules.tag_key(name)
        now = utcnow()
        async with self.db.transaction() as session:
            # ON CONFLICT DO NOTHING: a post or another follow creating it at once is no error.
            await insert_ignore(
                session, Tag, [{"id": new_id(), "name": name, "key": key, "created_at": now}]
            )
            tag = await status_store.tag_by_key(session, key)
            if tag is None:  # pragma: no cover - inserted or already there just above
                raise NotFound()
            await store.follow(session, new_id(), viewer_id, tag.id, now)
            return tag

    async def do_unfollow(self, viewer_id: int, raw_name: str) -> Tag:
        """NotFound for a tag no post or follow ever created."""
        name = check_tag_name(raw_name)
        async with self.db.transaction() as session:
            tag = await status_store.tag_by_key(session, text_rules.tag_key(name))
            if tag is None:
                raise NotFound()
            if await store.unfollow(session, viewer_id, tag.id):
                await self.timelines.remove_from_home(
                    session,
                    viewer_id,
                    left_home_on_tag_unfollow(viewer_id, tag.id, self.pull_threshold),
                )
            return tag
