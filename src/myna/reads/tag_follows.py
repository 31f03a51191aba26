"""The hashtags an account follows (GET /api/v1/followed_tags), as Tag views, in a fixed number
of queries per page."""

from dataclasses import dataclass

from myna.db.database import Database
from myna.lib.clock import utcnow
from myna.lib.paging import Page
from myna.reads.tags import TagView, tag_views
from myna.store import tag_follows as store


@dataclass
class FollowedTags:
    cursor_ids: list[int]  # the follows' ids, which page the list
    tags: list[TagView]


class TagFollowReads:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def followed(self, viewer_id: int, page: Page) -> FollowedTags:
        async with self.db.session() as session:
            rows = await store.page_followed(session, viewer_id, page)
            tags = [tag for _, tag in rows]
            views = await tag_views(session, tags, utcnow(), {tag.id for tag in tags})
        return FollowedTags(cursor_ids=[follow_id for follow_id, _ in rows], tags=views)
