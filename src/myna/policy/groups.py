"""Who is what in a group, and what each role may do. The visibility of group posts is in
policy/visibility.py, which uses `is_member_sql` from here."""

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from myna.models import Group, GroupMember, GroupPrivacy


def is_member_sql(
    viewer_id: int, group_id: ColumnElement[int | None] | InstrumentedAttribute[int | None]
) -> ColumnElement[bool]:
    """SQL: the viewer is a member (any role) of the group `group_id` refers to."""
    return exists().where(GroupMember.group_id == group_id, GroupMember.account_id == viewer_id)


def is_public_group_sql(
    group_id: ColumnElement[int | None] | InstrumentedAttribute[int | None],
) -> ColumnElement[bool]:
    """SQL: the group is public: anyone may read its posts."""
    return exists().where(Group.id == group_id, Group.privacy == GroupPrivacy.PUBLIC)


async def member_role(session: AsyncSession, group_id: int, account_id: int) -> str | None:
    stmt = select(GroupMember.role).where(
        GroupMember.group_id == group_id, GroupMember.account_id == account_id
    )
    return await session.scalar(stmt)
