"""Who may see which status: one rule, written twice on purpose (as Python for a single status
in hand, and as a SQL filter for every read path), with a test that holds the two together.

Viewer V may see status S when neither has blocked the other, and
  - S is V's own, or
  - S is public or unlisted, or
  - S is followers-only and V follows S's author, or
  - V is mentioned in S (this is what makes a direct status reach its audience);
and, for a repost, V may also see the reposted status. Anonymous viewers see public and
unlisted statuses only.

A group status (visibility `group`) follows its own rule instead: V may see it while V is a
member of its group, or when the group is public; being its author or being mentioned in it
grants nothing (a removed member sees nothing of the group, their own posts included).
Blocks apply to group statuses too.

A list-audience status (a "circle" post: followers-only with a `list_id`, one of its author's
lists) is narrower than followers-only: V may see it when V is its author, or V is a member of
that list and follows the author. Being mentioned in it grants nothing (a mentioned outsider
gets nothing, not even the notification), and it can never be reposted or quoted. Deleting the
list, or taking V out of it, takes the status away from V.

Nothing of a suspended author shows to anyone (policy/moderation.py): the rule starts with
that. A limited author's statuses keep this rule, but leave public places (`Rules.listed`,
`listed_filter`) for all but the author's followers.

Mutes do not hide a status from a direct look-up (as on Mastodon); they hide it from
timelines, tag pages and notifications: `timeline_filter` adds them.
"""

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, bindparam, exists, false, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, aliased
from sqlalchemy.orm.util import AliasedClass

from myna.models import Account, Block, Follow, ListMember, Mention, Mute, Status, Visibility
from myna.policy.groups import is_member_sql, is_public_group_sql
from myna.policy.moderation import listed_author_sql, shown_author_sql

OPEN = (Visibility.PUBLIC, Visibility.UNLISTED)
# Only open statuses can be reposted or quoted: a repost must never widen an audience.
SHAREABLE = OPEN
# Listed in public places (the public timeline, tag pages, an anonymous profile's count).
LISTED = (Visibility.PUBLIC,)


@dataclass(frozen=True, slots=True)
class Facts:
    """What the Python form of the rule needs to know about viewer and author."""

    follows_author: bool = False
    mentioned: bool = False
    blocked_either_way: bool = False
    # For group statuses: the viewer is a member of the group, or the group is public.
    group_member: bool = False
    group_public: bool = False
    # For list-audience statuses: the viewer is a member of the status's list.
    in_list: bool = False
    # The author is not suspended (a suspended author's statuses show to nobody).
    author_shown: bool = True


def may_see(viewer_id: int | None, status: Status, facts: Facts) -> bool:
    """The rule for one status (not its reposted original: check that one too)."""
    return may_see_parts(
        viewer_id, status.account_id, status.visibility, facts, list_id=status.list_id
    )


def may_see_parts(
    viewer_id: int | None,
    author_id: int,
    visibility: str,
    facts: Facts,
    *,
    list_id: int | None = None,
) -> bool:
    """The rule, for callers that hold a status's author, visibility and list but not the row
    (the streaming server filtering a broker message)."""
    if not facts.author_shown:
        return False
    if visibility == Visibility.GROUP:
        if viewer_id is not None and facts.blocked_either_way:
            return False
        return facts.group_public or (viewer_id is not None and facts.group_member)
    if viewer_id is None:
        return visibility in OPEN
    if facts.blocked_either_way:
        return False
    if list_id is not None:  # a list audience: no mention, no other visibility widens it
        return author_id == viewer_id or (facts.in_list and facts.follows_author)
    if author_id == viewer_id or visibility in OPEN:
        return True
    if visibility == Visibility.FOLLOWERS and facts.follows_author:
        return True
    return facts.mentioned


# A viewer in the SQL rules: an id, or the bound parameter of the prebuilt rules (`rules_for`).
Viewer = int | ColumnElement[int]


def blocked_between(
    viewer_id: Viewer, account_id: ColumnElement[int] | InstrumentedAttribute[int]
) -> ColumnElement[bool]:
    """Either has blocked the other."""
    return exists().where(
        or_(
            and_(Block.account_id == viewer_id, Block.target_account_id == account_id),
            and_(Block.account_id == account_id, Block.target_account_id == viewer_id),
        )
    )


def _own_rule(
    table: type[Status] | AliasedClass[Status], viewer_id: Viewer | None
) -> ColumnElement[bool]:
    in_group = table.visibility == Visibility.GROUP
    shown = shown_author_sql(table.account_id)
    if viewer_id is None:
        # A list-audience status is followers-only, never OPEN: anonymous viewers see none.
        return and_(
            shown,
            or_(table.visibility.in_(OPEN), and_(in_group, is_public_group_sql(table.group_id))),
        )
    follows = exists().where(
        Follow.account_id == viewer_id, Follow.target_account_id == table.account_id
    )
    mentioned = exists().where(Mention.status_id == table.id, Mention.account_id == viewer_id)
    group_ok = or_(is_member_sql(viewer_id, table.group_id), is_public_group_sql(table.group_id))
    in_list = table.list_id.is_not(None)
    list_member = exists().where(
        ListMember.list_id == table.list_id, ListMember.account_id == viewer_id
    )
    return and_(
        shown,
        ~blocked_between(viewer_id, table.account_id),
        or_(
            and_(in_group, group_ok),
            and_(
                ~in_group,
                in_list,
                or_(table.account_id == viewer_id, and_(list_member, follows)),
            ),
            and_(
                ~in_group,
                ~in_list,
                or_(
                    table.account_id == viewer_id,
                    table.visibility.in_(OPEN),
                    and_(table.visibility == Visibility.FOLLOWERS, follows),
                    mentioned,
                ),
            ),
        ),
    )


def visible_filter(viewer_id: Viewer | None) -> ColumnElement[bool]:
    """SQL: `Status` rows that viewer may see (None: anonymous)."""
    original = aliased(Status)
    original_ok = exists(
        select(original.id).where(
            original.id == Status.reblog_of_id, _own_rule(original, viewer_id)
        )
    )
    return and_(_own_rule(Status, viewer_id), or_(Status.reblog_of_id.is_(None), original_ok))


def muted_filter(viewer_id: Viewer | None) -> ColumnElement[bool]:
    """SQL: true for statuses by (or reposting) accounts the viewer has muted."""
    if viewer_id is None:
        return false()
    original = aliased(Status)
    muted_author = exists().where(
        Mute.account_id == viewer_id, Mute.target_account_id == Status.account_id
    )
    muted_original = exists(
        select(original.id)
        .where(original.id == Status.reblog_of_id)
        .where(
            exists().where(
                Mute.account_id == viewer_id, Mute.target_account_id == original.account_id
            )
        )
    )
    return or_(muted_author, muted_original)


def timeline_filter(viewer_id: Viewer | None) -> ColumnElement[bool]:
    """SQL: what may appear in the viewer's feeds: home, public and tag timelines and the
    replies under a thread. A muted account's own profile still lists its statuses (as on
    Mastodon: visiting a profile is asking to see it)."""
    if viewer_id is None:
        return visible_filter(None)
    return and_(visible_filter(viewer_id), ~muted_filter(viewer_id))


# The bound parameter that stands for the viewer in the prebuilt rules.
VIEWER = "myna_viewer_id"


@dataclass(frozen=True, slots=True)
class Rules:
    """`visible_filter` and `timeline_filter` for one viewer, prebuilt: the expression trees
    are built once per process with the viewer as the bound parameter VIEWER (they take
    milliseconds to build, a large share of a timeline read), and SQLAlchemy's compiled cache
    then knows them. Every statement that uses `visible` or `timeline` must be run with
    `params`; one run without them fails for want of a value, it never reads as someone
    else."""

    viewer_id: int | None
    visible: ColumnElement[bool]
    timeline: ColumnElement[bool]
    # What public places (the public timeline, tag pages, search) list for this viewer.
    listed: ColumnElement[bool]
    params: dict[str, Any] = field(default_factory=dict)


@cache
def _prebuilt(
    anonymous: bool,
) -> tuple[ColumnElement[bool], ColumnElement[bool], ColumnElement[bool]]:
    viewer = None if anonymous else bindparam(VIEWER, type_=BigInteger, required=True)
    return visible_filter(viewer), timeline_filter(viewer), listed_for(viewer)


def rules_for(viewer_id: int | None) -> Rules:
    visible, timeline, listed = _prebuilt(viewer_id is None)
    params = {} if viewer_id is None else {VIEWER: viewer_id}
    return Rules(viewer_id, visible, timeline, listed, params)


def limited_author_ok(viewer_id: Viewer | None) -> ColumnElement[bool]:
    """SQL over `Status`: its author is not limited, or the viewer is the author or follows
    them (a limited account's posts stay with its own audience)."""
    if viewer_id is None:
        return listed_author_sql(Status.account_id)
    follows = exists().where(
        Follow.account_id == viewer_id, Follow.target_account_id == Status.account_id
    )
    return or_(listed_author_sql(Status.account_id), Status.account_id == viewer_id, follows)


def listed_account_for(viewer_id: Viewer | None) -> ColumnElement[bool]:
    """SQL over `Account`: the account shows in public lists (search, suggestions) to the
    viewer: it is not suspended, and not limited unless the viewer is it or follows it."""
    if viewer_id is None:
        return listed_author_sql(Account.id)
    follows = exists().where(Follow.account_id == viewer_id, Follow.target_account_id == Account.id)
    return and_(
        shown_author_sql(Account.id),
        or_(listed_author_sql(Account.id), Account.id == viewer_id, follows),
    )


def listed_for(viewer_id: Viewer | None) -> ColumnElement[bool]:
    """SQL: statuses that belong in public places (public timeline, tag pages) for the viewer:
    public ones, by authors who are not limited (unless the viewer follows them)."""
    return and_(Status.visibility.in_(LISTED), limited_author_ok(viewer_id))


def listed_filter() -> ColumnElement[bool]:
    """SQL: statuses that belong in public places whoever looks (the hot lists): public ones
    by authors neither limited nor suspended."""
    return and_(Status.visibility.in_(LISTED), listed_author_sql(Status.account_id))


def counts_in_trends(status: Status) -> bool:
    """Whether a status moves the hot topics (its tags and links; liking or reposting it):
    public originals only. Unlisted, followers-only, list, direct and group posts never
    count, nor does a repost (it counts as engagement with its original)."""
    return (
        status.visibility in LISTED
        and status.reblog_of_id is None
        and status.list_id is None
        and status.group_id is None
    )


def shareable(status: Status) -> bool:
    """Whether a status may be reposted or quoted by someone who can see it (never a
    list-audience status, whatever its visibility)."""
    return status.visibility in SHAREABLE and status.list_id is None


def counted_in_profile(visibility: str, list_id: int | None = None) -> bool:
    """Whether a status counts in its author's public statuses_count: direct, group and
    list-audience statuses do not (a count must not tell of a secret group or circle)."""
    return visibility not in (Visibility.DIRECT, Visibility.GROUP) and list_id is None


def is_group(visibility: str | None) -> bool:
    return visibility == Visibility.GROUP


def repost_visibility_ok(visibility: str) -> bool:
    """A repost is shown publicly, unlisted or to the reposter's followers; never as a
    direct message or in a group (it would be visible to nobody, or to the wrong people)."""
    return visibility in (*OPEN, Visibility.FOLLOWERS)


def default_visibility_ok(visibility: str) -> bool:
    """What an account may post by default: direct and group posts need their audience."""
    return visibility in (*OPEN, Visibility.FOLLOWERS)


def list_audience_ok(visibility: str) -> bool:
    """A list is an audience only for a followers-only status (Mastodon's `private`): the
    list narrows the followers, it never widens another visibility."""
    return visibility == Visibility.FOLLOWERS


def is_direct(visibility: str | None) -> bool:
    """Direct statuses are messages in a conversation; nothing can be reposted as direct."""
    return visibility == Visibility.DIRECT


def not_blocked(
    viewer_id: int | None, account_id: InstrumentedAttribute[int]
) -> ColumnElement[bool]:
    """SQL: accounts the viewer may see listed (who liked a post, ...): none across a block."""
    if viewer_id is None:
        return true()
    return ~blocked_between(viewer_id, account_id)
