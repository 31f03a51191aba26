"""Status reads: one status, its thread, and every timeline."""

from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from myna.backends.timelines import TimelineBackend
from myna.db.database import Database
from myna.lib.paging import Page
from myna.lib.text import tag_key
from myna.models import Account, Favourite, Status, StatusTag
from myna.policy import spam
from myna.policy import visibility as rules
from myna.policy.access import access_account, access_status
from myna.policy.audience import home_pulls
from myna.policy.filters import ACCOUNT, HOME, PUBLIC, THREAD
from myna.policy.groups import access_group_feed
from myna.policy.lists import exclusive_in_home
from myna.reads.bundle import StatusBundle, load_statuses
from myna.store import accounts as account_store
from myna.store import media as media_store
from myna.store import statuses as store

THREAD_LIMIT = 4096


@dataclass
class Context:
    ancestors: StatusBundle
    descendants: StatusBundle


@dataclass
class AccountPage:
    cursor_ids: list[int]  # the ids that page (favourite ids, repost ids), in order
    accounts: list[Account]


class StatusReads:
    def __init__(self, db: Database, timelines: TimelineBackend, *, pull_threshold: int) -> None:
        self.db = db
        self.timelines = timelines
        self.pull_threshold = pull_threshold

    async def one(self, viewer_id: int | None, status_id: int) -> StatusBundle:
        async with self.db.session() as session:
            status = await access_status(session, viewer_id, status_id)
            return await load_statuses(session, viewer_id, [status])

    async def many(self, viewer_id: int | None, ids: list[int]) -> StatusBundle:
        """The given statuses the viewer may see, in the order asked; hidden ones are absent."""
        async with self.db.session() as session:
            prebuilt = rules.rules_for(viewer_id)
            found = await store.get_many(session, ids, prebuilt.visible, prebuilt.params)
            ordered = [found[i] for i in dict.fromkeys(ids) if i in found]
            return await load_statuses(session, viewer_id, ordered)

    async def bundle(self, viewer_id: int | None, statuses: list[Status]) -> StatusBundle:
        """Render data for statuses an action returned (already checked by the action)."""
        async with self.db.session() as session:
            return await load_statuses(session, viewer_id, statuses)

    async def context(self, viewer_id: int | None, status_id: int) -> Context:
        async with self.db.session() as session:
            status = await access_status(session, viewer_id, status_id)
            visible = rules.timeline_filter(viewer_id)
            ancestors: list[Status] = []
            seen = {status.id}
            if status.in_reply_to_id is not None:
                chain = await store.ancestor_chain(
                    session, status.in_reply_to_id, rules.visible_filter(viewer_id), THREAD_LIMIT
                )
                # Walk up until the chain breaks at a status the viewer may not see.
                parent = chain.get(status.in_reply_to_id)
                while parent is not None and parent.id not in seen:
                    seen.add(parent.id)
                    ancestors.append(parent)
                    parent = chain.get(parent.in_reply_to_id) if parent.in_reply_to_id else None
            ancestors.reverse()
            descendants: list[Status] = []
            frontier = [status.id]
            while frontier and len(descendants) < THREAD_LIMIT:
                children = await store.replies_to(session, frontier, visible)
                children = [c for c in children if c.id not in seen]
                seen.update(c.id for c in children)
                descendants.extend(children)
                frontier = [c.id for c in children]
            descendants = _depth_first(status.id, descendants)
            return Context(
                ancestors=await load_statuses(session, viewer_id, ancestors, THREAD),
                descendants=await load_statuses(session, viewer_id, descendants, THREAD),
            )

    async def home(self, viewer_id: int, page: Page) -> StatusBundle:
        async with self.db.session() as session:
            prebuilt = rules.rules_for(viewer_id)
            statuses = await self.timelines.home_page(
                session,
                viewer_id,
                page,
                and_(prebuilt.timeline, ~exclusive_in_home(viewer_id)),
                await home_pulls(session, viewer_id, self.pull_threshold),
                prebuilt.params,
            )
            return await load_statuses(session, viewer_id, statuses, HOME)

    async def group(self, viewer_id: int | None, group_id: int, page: Page) -> StatusBundle:
        """A group's timeline: its posts the viewer may see (members only, unless the group is
        public), replies included, as a group chat reads."""
        async with self.db.session() as session:
            await access_group_feed(session, viewer_id, group_id)
            prebuilt = rules.rules_for(viewer_id)
            where = [Status.group_id == group_id, prebuilt.timeline]
            statuses = await store.page(session, where, page, prebuilt.params)
            return await load_statuses(session, viewer_id, statuses, PUBLIC)

    async def public(
        self, viewer_id: int | None, page: Page, *, only_media: bool = False
    ) -> StatusBundle:
        async with self.db.session() as session:
            prebuilt = rules.rules_for(viewer_id)
            where = [
                prebuilt.listed,
                spam.publicly_shown_sql(await spam.current_rules(session)),
                prebuilt.timeline,
                Status.reblog_of_id.is_(None),
                (Status.in_reply_to_id.is_(None))
                | (Status.in_reply_to_account_id == Status.account_id),
            ]
            if only_media:
                where.append(media_store.has_media())
            statuses = await store.page(session, where, page, prebuilt.params)
            return await load_statuses(session, viewer_id, statuses, PUBLIC)

    async def tag(self, viewer_id: int | None, name: str, page: Page) -> StatusBundle:
        async with self.db.session() as session:
            tag = await store.tag_by_key(session, tag_key(name))
            if tag is None:
                return await load_statuses(session, viewer_id, [])
            prebuilt = rules.rules_for(viewer_id)
            where = [
                Status.id.in_(select(StatusTag.status_id).where(StatusTag.tag_id == tag.id)),
                prebuilt.listed,
                spam.publicly_shown_sql(await spam.current_rules(session)),
                prebuilt.timeline,
                Status.reblog_of_id.is_(None),
            ]
            statuses = await store.page(session, where, page, prebuilt.params)
            return await load_statuses(session, viewer_id, statuses, PUBLIC)

    async def by_account(
        self,
        viewer_id: int | None,
        account_id: int,
        page: Page,
        *,
        exclude_replies: bool = False,
        exclude_reblogs: bool = False,
        tagged: str | None = None,
        only_media: bool = False,
    ) -> StatusBundle:
        """An account's statuses; its pins are `CollectionReads.pinned`."""
        async with self.db.session() as session:
            await access_account(session, account_id)
            where = [Status.account_id == account_id, rules.visible_filter(viewer_id)]
            if only_media:  # reposts carry no media, so this leaves them out too
                where.append(media_store.has_media())
            if exclude_replies:
                where.append(
                    Status.in_reply_to_id.is_(None) | (Status.in_reply_to_account_id == account_id)
                )
            if exclude_reblogs:
                where.append(Status.reblog_of_id.is_(None))
            if tagged:
                tag = await store.tag_by_key(session, tag_key(tagged))
                if tag is None:
                    return await load_statuses(session, viewer_id, [])
                where.append(
                    Status.id.in_(select(StatusTag.status_id).where(StatusTag.tag_id == tag.id))
                )
            statuses = await store.page(session, where, page)
            return await load_statuses(session, viewer_id, statuses, ACCOUNT)

    async def quotes_of(self, viewer_id: int | None, status_id: int, page: Page) -> StatusBundle:
        """The reposts with comment (quotes) of a status the viewer may see, those the viewer
        may see, newest first: the "Reposts" tab of a status page."""
        async with self.db.session() as session:
            await access_status(session, viewer_id, status_id)
            prebuilt = rules.rules_for(viewer_id)
            where = [Status.quote_of_id == status_id, prebuilt.timeline]
            statuses = await store.page(session, where, page, prebuilt.params)
            return await load_statuses(session, viewer_id, statuses, THREAD)

    async def favourited_by(self, viewer_id: int | None, status_id: int, page: Page) -> AccountPage:
        async with self.db.session() as session:
            await access_status(session, viewer_id, status_id)
            rows = await store.favouriters_page(
                session, status_id, page, rules.not_blocked(viewer_id, Favourite.account_id)
            )
            return await _account_page(session, rows)

    async def reblogged_by(self, viewer_id: int | None, status_id: int, page: Page) -> AccountPage:
        async with self.db.session() as session:
            await access_status(session, viewer_id, status_id)
            rows = await store.rebloggers_page(
                session, status_id, page, rules.visible_filter(viewer_id)
            )
            return await _account_page(session, rows)


async def _account_page(session: AsyncSession, rows: list[tuple[int, int]]) -> AccountPage:
    accounts = await account_store.get_many(session, (account_id for _, account_id in rows))
    kept = [(cursor, accounts[a]) for cursor, a in rows if a in accounts]
    return AccountPage(cursor_ids=[c for c, _ in kept], accounts=[a for _, a in kept])


def _depth_first(root_id: int, replies: list[Status]) -> list[Status]:
    """Order a thread's replies as people read them: each reply followed by its own replies."""
    children: dict[int, list[Status]] = {}
    for reply in replies:
        assert reply.in_reply_to_id is not None
        children.setdefault(reply.in_reply_to_id, []).append(reply)
    out: list[Status] = []
    stack = list(reversed(children.get(root_id, [])))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(children.get(node.id, [])))
    return out
