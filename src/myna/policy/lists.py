"""Lists: whose list is whose, which statuses a list's feed receives, whose home an exclusive
list keeps statuses out of, and who hears a status addressed to a list (a "circle"). Whether a
viewer may see a list-audience status is decided in policy/visibility.py, like everything else.

A list's feed receives, on write, the statuses of its members that its owner still follows:
posts and reposts (not reposts when the owner turned them off for that account), never direct
or group posts, and list-audience posts only when the owner is in that audience. Replies
(to someone other than their author) follow the list's `replies_policy`:
  - `list`: replies to another member of the list, or to the list's owner;
  - `followed`: replies to an account the owner follows, or to the owner;
  - `none`: no replies at all.
"""

import enum

from sqlalchemy import ColumnElement, Select, and_, exists, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from myna.lib.errors import NotFound
from myna.models import AccountList, Follow, ListMember, Status, Visibility
from myna.store import lists as store


class RepliesPolicy(enum.StrEnum):
    FOLLOWED = "followed"
    LIST = "list"
    NONE = "none"


async def access_own_list(session: AsyncSession, owner_id: int, list_id: int) -> AccountList:
    """The viewer's own list; anyone else's, like a missing one, is not found."""
    found = await store.get(session, list_id)
    if found is None or found.account_id != owner_id:
        raise NotFound()
    return found


Col = ColumnElement[int] | InstrumentedAttribute[int]


def _feed_rule(
    list_id: Col, owner_id: Col, policy: ColumnElement[str] | InstrumentedAttribute[str]
) -> ColumnElement[bool]:
    """SQL over `Status`: the status belongs in that list's feed (see the module docstring).
    The list is given as columns (fan-out, over every list) or literals (one list's backfill)."""
    member = exists().where(
        ListMember.list_id == list_id, ListMember.account_id == Status.account_id
    )
    owner_follows = exists().where(
        Follow.account_id == owner_id,
        Follow.target_account_id == Status.account_id,
        or_(Status.reblog_of_id.is_(None), Follow.show_reblogs.is_(True)),
    )
    replied_to = Status.in_reply_to_account_id
    reply_ok = or_(
        replied_to.is_(None),
        replied_to == Status.account_id,
        and_(
            policy != RepliesPolicy.NONE.value,
            or_(
                replied_to == owner_id,
                and_(
                    policy == RepliesPolicy.LIST.value,
                    exists().where(
                        ListMember.list_id == list_id, ListMember.account_id == replied_to
                    ),
                ),
                and_(
                    policy == RepliesPolicy.FOLLOWED.value,
                    exists().where(
                        Follow.account_id == owner_id, Follow.target_account_id == replied_to
                    ),
                ),
            ),
        ),
    )
    audience_ok = or_(
        Status.list_id.is_(None),
        exists().where(ListMember.list_id == Status.list_id, ListMember.account_id == owner_id),
    )
    return and_(
        Status.group_id.is_(None),
        Status.visibility != Visibility.DIRECT,
        member,
        owner_follows,
        reply_ok,
        audience_ok,
    )


def lists_receiving(status_id: int) -> Select[int]:
    """The lists whose feed gets `status_id` on write."""
    return (
        select(AccountList.id)
        .join(Status, Status.id == status_id)
        .where(_feed_rule(AccountList.id, AccountList.account_id, AccountList.replies_policy))
    )


def into_list_feed(the_list: AccountList, author_ids: list[int]) -> ColumnElement[bool]:
    """SQL over `Status`: the statuses of `author_ids` that belong in the list's feed (the
    backfill when they are added)."""
    return and_(Status.account_id.in_(author_ids), list_feed(the_list))


def list_feed(the_list: AccountList) -> ColumnElement[bool]:
    """SQL over `Status`: everything the list's feed would hold had it received every status
    by the rule above, given its members and the owner's follows as they are now (a rebuild
    of the feed from the database)."""
    return _feed_rule(
        literal(the_list.id), literal(the_list.account_id), literal(the_list.replies_policy)
    )


def kept_out_of_home(owner_id: Col | int, author_id: Col | int) -> ColumnElement[bool]:
    """SQL: the owner put the author in one of their exclusive lists, so the author's statuses
    go to that list's feed instead of the owner's home."""
    return exists().where(
        AccountList.account_id == owner_id,
        AccountList.exclusive.is_(True),
        ListMember.list_id == AccountList.id,
        ListMember.account_id == author_id,
    )


def exclusive_in_home(viewer_id: int) -> ColumnElement[bool]:
    """SQL over `Status`: statuses the viewer's exclusive lists keep out of their home feed
    (read time, so turning `exclusive` on applies to what the feed already holds)."""
    members = (
        select(ListMember.account_id)
        .join(AccountList, AccountList.id == ListMember.list_id)
        .where(AccountList.account_id == viewer_id, AccountList.exclusive.is_(True))
    )
    return and_(Status.group_id.is_(None), Status.account_id.in_(members))


def list_audience(list_id: int, author_id: int) -> Select[int]:
    """Who may see a status addressed to the list: its members who follow the author (the
    author is added by the callers that need it)."""
    return (
        select(ListMember.account_id)
        .join(
            Follow,
            and_(Follow.account_id == ListMember.account_id, Follow.target_account_id == author_id),
        )
        .where(ListMember.list_id == list_id)
    )
