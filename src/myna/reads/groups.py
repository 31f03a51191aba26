"""Group reads: one group, my groups, search, members and join requests, each group with the
viewer's place in it, batch-loaded (a fixed number of queries per page)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from myna.backends.presence import Presence
from myna.db.database import Database
from myna.lib.errors import NotFound
from myna.lib.paging import Page
from myna.models import Account, Group, GroupInvite, GroupRequest
from myna.policy import groups as rules
from myna.policy.audience import group_others
from myna.store import accounts as account_store
from myna.store import groups as store

SEARCH_MAX = 40
INVITATIONS_MAX = 40


@dataclass
class GroupView:
    """A group as one viewer sees it."""

    group: Group
    owner: Account
    role: str | None
    requested: bool
    invited: bool
    in_home: bool | None


@dataclass
class GroupList:
    cursor_ids: list[int]  # membership ids, which page the list
    groups: list[GroupView]


@dataclass
class Member:
    account: Account
    role: str
    joined_at: datetime


@dataclass
class MemberList:
    cursor_ids: list[int]
    members: list[Member]


@dataclass
class RequestList:
    cursor_ids: list[int]
    accounts: list[Account]


async def _views(
    session: AsyncSession, viewer_id: int | None, groups: list[Group]
) -> list[GroupView]:
    ids = [g.id for g in groups]
    owners = await account_store.get_many(session, (g.owner_id for g in groups))
    if viewer_id is not None:
        memberships = await store.memberships(session, viewer_id, ids)
        requested = await store.group_ids_with(session, GroupRequest, viewer_id, ids)
        invited = await store.group_ids_with(session, GroupInvite, viewer_id, ids)
    else:
        memberships, requested, invited = {}, set(), set()
    out = []
    for group in groups:
        owner = owners.get(group.owner_id)
        if owner is None:  # the owner's account was deleted with its groups
            continue
        member = memberships.get(group.id)
        out.append(
            GroupView(
                group=group,
                owner=owner,
                role=member.role if member else None,
                requested=group.id in requested,
                invited=group.id in invited,
                in_home=member.in_home if member else None,
            )
        )
    return out


class GroupReads:
    def __init__(self, db: Database, presence: Presence) -> None:
        self.db = db
        self.presence = presence

    async def one(self, viewer_id: int | None, group_id: int) -> GroupView:
        async with self.db.session() as session:
            group, _role = await rules.access_group(session, viewer_id, group_id)
            views = await _views(session, viewer_id, [group])
        if not views:
            raise NotFound()
        return views[0]

    async def by_handle(self, viewer_id: int | None, handle: str) -> GroupView:
        """The group with this handle (any case), as `one` sees it."""
        async with self.db.session() as session:
            group_id = await store.id_by_handle(session, handle)
            if group_id is None:
                raise NotFound()
            group, _role = await rules.access_group(session, viewer_id, group_id)
            views = await _views(session, viewer_id, [group])
        if not views:
            raise NotFound()
        return views[0]

    async def invitations(self, viewer_id: int) -> list[GroupView]:
        """The groups the viewer holds an invitation to (and is not a member of), newest
        invitation first: what they may accept by joining or decline by leaving."""
        stmt = (
            select(Group)
            .join(GroupInvite, GroupInvite.group_id == Group.id)
            .where(GroupInvite.account_id == viewer_id)
            .order_by(GroupInvite.created_at.desc(), Group.id.desc())
            .limit(INVITATIONS_MAX)
        )
        async with self.db.session() as session:
            groups = list(await session.scalars(stmt))
            views = await _views(session, viewer_id, groups)
        return [view for view in views if view.role is None]

    async def after_write(self, viewer_id: int, group_id: int) -> GroupView:
        """The group as the viewer sees it right after a write the viewer was allowed to
        make. Not access-checked: someone who has just left a secret group gets its entity
        (role null) once, in answer to leaving."""
        async with self.db.session() as session:
            group = await store.get(session, group_id)
            views = await _views(session, viewer_id, [group]) if group is not None else []
        if not views:
            raise NotFound()
        return views[0]

    async def mine(self, viewer_id: int, page: Page) -> GroupList:
        async with self.db.session() as session:
            rows = await store.page_of_account(session, viewer_id, page)
            views = await _views(session, viewer_id, [g for _, g in rows])
        return GroupList(cursor_ids=[r for r, _ in rows], groups=views)

    async def search(self, viewer_id: int | None, query: str, limit: int) -> list[GroupView]:
        query = query.strip().lstrip("!@")
        if not query:
            return []
        async with self.db.session() as session:
            found = await store.search(
                session, query, rules.listed_sql(viewer_id), min(limit, SEARCH_MAX)
            )
            return await _views(session, viewer_id, found)

    async def members(self, viewer_id: int | None, group_id: int, page: Page) -> MemberList:
        """Anyone lists the members of a public or restricted group; of a secret one, only
        its members (to others it does not exist)."""
        async with self.db.session() as session:
            group, role = await rules.access_group(session, viewer_id, group_id)
            if not rules.may_list_members(group.privacy, role):
                raise NotFound()
            rows = await store.page_members(session, group_id, page)
        return MemberList(
            cursor_ids=[m.id for m, _ in rows],
            members=[Member(account=a, role=m.role, joined_at=m.created_at) for m, a in rows],
        )

    async def requests(self, viewer_id: int, group_id: int, page: Page) -> RequestList:
        async with self.db.session() as session:
            _group, role = await rules.access_group(session, viewer_id, group_id)
            rules.check_manager(role)
            rows = await store.page_requests(session, group_id, page)
        return RequestList(cursor_ids=[r for r, _ in rows], accounts=[a for _, a in rows])

    async def members_online(self, viewer_id: int, group_id: int) -> list[int]:
        """Which of the group's other members (not those across a block from the viewer) are
        connected to streaming now. Members only: to anyone else the group is not found."""
        async with self.db.session() as session:
            if await rules.member_role(session, group_id, viewer_id) is None:
                raise NotFound()
            others = list(await session.scalars(group_others(group_id, viewer_id)))
        return sorted(await self.presence.online_among(others))
