"""Who is what in a group, and what each role may do. The visibility of group posts is in
policy/visibility.py, which uses `is_member_sql` from here."""

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from myna.lib.errors import Forbidden, NotFound
from myna.models import Group, GroupInvite, GroupMember, GroupPrivacy, GroupRole
from myna.store import groups as group_store


def is_member_sql(
    viewer_id: int | ColumnElement[int],
    group_id: ColumnElement[int | None] | InstrumentedAttribute[int | None],
) -> ColumnElement[bool]:
    """SQL: the viewer is a member (any role) of the group `group_id` refers to."""
    return exists().where(GroupMember.group_id == group_id, GroupMember.account_id == viewer_id)


def is_public_group_sql(
    group_id: ColumnElement[int | None] | InstrumentedAttribute[int | None],
) -> ColumnElement[bool]:
    """SQL: the group is public: anyone may read its posts."""
    return exists().where(Group.id == group_id, Group.privacy == GroupPrivacy.PUBLIC)


async def member_role(session: AsyncSession, group_id: int, account_id: int) -> str | None:
    return await group_store.role(session, group_id, account_id)


async def check_can_post(session: AsyncSession, author_id: int, group_id: int) -> None:
    """Only members post to a group. A group the author may not even see (secret, not a
    member) is missing to them; one they see but do not belong to is forbidden."""
    group = await session.get(Group, group_id)
    role = await member_role(session, group_id, author_id) if group is not None else None
    if group is None or (role is None and group.privacy == GroupPrivacy.SECRET):
        raise NotFound()
    if role is None:
        raise Forbidden("Only members can post to this group")


async def members_among(session: AsyncSession, group_id: int, account_ids: list[int]) -> set[int]:
    """Which of these accounts belong to the group: only they hear of mentions in its posts."""
    if not account_ids:
        return set()
    stmt = select(GroupMember.account_id).where(
        GroupMember.group_id == group_id, GroupMember.account_id.in_(account_ids)
    )
    return set(await session.scalars(stmt))


# Group management: who may see a group and what each role may do to whom.

MANAGERS = frozenset({GroupRole.OWNER, GroupRole.ADMIN})


def listed(privacy: str) -> bool:
    """Whether a group shows to anyone in lists and service discovery (all but secret ones);
    `listed_sql` is the same rule in SQL, with a member's own secret groups added."""
    return privacy != GroupPrivacy.SECRET


def listed_sql(viewer_id: int | None) -> ColumnElement[bool]:
    """SQL on `groups`: the group shows in search and lists for the viewer. Secret groups show
    only to their members."""
    listed = Group.privacy != GroupPrivacy.SECRET
    if viewer_id is None:
        return listed
    return or_(listed, is_member_sql(viewer_id, Group.id))


def may_see_group(privacy: str, role: str | None, invited: bool) -> bool:
    """Public and restricted groups are seen by anyone; a secret one by its members and the
    accounts invited to it (who must see it to accept)."""
    return privacy != GroupPrivacy.SECRET or role is not None or invited


async def access_group(
    session: AsyncSession, viewer_id: int | None, group_id: int
) -> tuple[Group, str | None]:
    """The group and the viewer's role in it, or NotFound: a secret group the viewer may not
    see and a missing one look the same."""
    group = await group_store.get(session, group_id)
    if group is None:
        raise NotFound()
    role = await group_store.role(session, group_id, viewer_id) if viewer_id else None
    invited = (
        viewer_id is not None
        and role is None
        and group.privacy == GroupPrivacy.SECRET
        and await group_store.exists(session, GroupInvite, group_id, viewer_id)
    )
    if not may_see_group(group.privacy, role, invited):
        raise NotFound()
    return group, role


def may_read_posts(privacy: str, role: str | None) -> bool:
    """Members read a group's posts; anyone reads a public group's. (The visibility rule
    filters group posts the same way: this answers before asking for them.)"""
    return role is not None or privacy == GroupPrivacy.PUBLIC


def may_list_members(privacy: str, role: str | None) -> bool:
    """Members of a secret group are listed to its members only."""
    return privacy != GroupPrivacy.SECRET or role is not None


def check_member(role: str | None) -> None:
    if role is None:
        raise Forbidden("You are not a member of this group")


def check_manager(role: str | None) -> None:
    """Owners and admins moderate: edit the group, handle requests, invite, remove, ban."""
    if role not in MANAGERS:
        raise Forbidden("Only the group's owner and admins may do this")


def check_owner(role: str | None) -> None:
    """Only the owner changes roles, transfers ownership and deletes the group."""
    if role != GroupRole.OWNER:
        raise Forbidden("Only the group's owner may do this")


def check_may_moderate(actor_role: str | None, target_role: str | None, *, self_: bool) -> None:
    """Removing or banning: the owner may act on anyone but themself; an admin only on plain
    members and non-members; nobody on themself (leaving is its own action)."""
    check_manager(actor_role)
    if self_:
        raise Forbidden("You cannot do this to yourself; leave the group instead")
    if target_role == GroupRole.OWNER:
        raise Forbidden("The group's owner cannot be removed or banned")
    if target_role == GroupRole.ADMIN and actor_role != GroupRole.OWNER:
        raise Forbidden("Only the owner may remove or ban an admin")


def check_may_leave(role: str | None) -> None:
    if role == GroupRole.OWNER:
        raise Forbidden("The owner cannot leave; transfer ownership first")


async def access_group_feed(session: AsyncSession, viewer_id: int | None, group_id: int) -> Group:
    """The group whose timeline the viewer asks for. A secret group is missing to anyone but
    its members; what a non-member of a restricted group then reads is filtered empty by the
    visibility rule."""
    group = await session.get(Group, group_id)
    if group is None:
        raise NotFound()
    if group.privacy == GroupPrivacy.SECRET:
        role = await member_role(session, group_id, viewer_id) if viewer_id is not None else None
        if role is None:
            raise NotFound()
    return group


async def may_delete_in_group(session: AsyncSession, viewer_id: int, group_id: int) -> bool:
    """Owners and admins may delete any post in their group."""
    return await member_role(session, group_id, viewer_id) in MANAGERS
