"""Who receives a status in their home feed (and, later, which streams an event reaches).
Receiving is not seeing: every read still passes policy/visibility.py."""

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, and_, exists, literal, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from myna.models import (
    Account,
    ConversationMember,
    Follow,
    GroupMember,
    ListMember,
    Mention,
    Mute,
    Status,
    StatusTag,
    TagFollow,
    Visibility,
)
from myna.policy.lists import Col, kept_out_of_home, list_audience
from myna.policy.visibility import LISTED, blocked_between
from myna.store import groups as group_store
from myna.store import relations as relation_store


def home_recipients(status: Status, author_followers: int, pull_threshold: int) -> Select[int]:
    """Account ids whose home feed gets `status` on write.

    - The author always does.
    - Followers do, except: a reply reaches only followers who also follow the account
      replied to, or are that account (as on Mastodon); a repost skips followers who turned reposts
      off; a direct status reaches only followers it mentions; a status addressed to a list
      reaches only the followers in that list; followers who put the author in one of their
      exclusive lists read the author there, not at home.
    - Authors with more than `pull_threshold` followers are not fanned out at all: their
      followers pull them at read time (the hybrid model). Statuses addressed to a list are
      always fanned out (to the list's members only), never pulled or sent to the author's
      channel.
    - The followers of the status's tags receive it too, whatever the author's follower
      count, when it reaches tag followers (`tag_followers`).
    """
    author = select(literal(status.account_id).label("account_id"))
    pulled = author_followers > pull_threshold and status.list_id is None
    tagged = tag_followers(status, pulled=pulled)
    if pulled:
        if tagged is None:
            return author
        return select(union(author, tagged).subquery().c.account_id)
    followers = select(Follow.account_id).where(Follow.target_account_id == status.account_id)
    if status.in_reply_to_account_id not in (None, status.account_id):
        followers = select(Follow.account_id).where(
            Follow.target_account_id == status.account_id,
            or_(
                Follow.account_id == status.in_reply_to_account_id,
                Follow.account_id.in_(
                    select(Follow.account_id).where(
                        Follow.target_account_id == status.in_reply_to_account_id
                    )
                ),
            ),
        )
    if status.reblog_of_id is not None:
        followers = followers.where(Follow.show_reblogs.is_(True))
    if status.visibility == Visibility.DIRECT:
        followers = followers.where(
            exists().where(Mention.status_id == status.id, Mention.account_id == Follow.account_id)
        )
    if status.list_id is not None:
        followers = followers.where(
            Follow.account_id.in_(list_audience(status.list_id, status.account_id))
        )
    followers = followers.where(~kept_out_of_home(Follow.account_id, status.account_id))
    parts = [author, followers] if tagged is None else [author, followers, tagged]
    return select(union(*parts).subquery().c.account_id)


def reaches_tag_followers(status: Status) -> bool:
    """Whether a status goes to the home feeds of its tags' followers: what the tag's page
    lists (publicly listed statuses, not reposts; never group or list-audience statuses), as
    Mastodon delivers public statuses to hashtag followers."""
    return (
        status.visibility in LISTED
        and status.reblog_of_id is None
        and status.group_id is None
        and status.list_id is None
    )


def tag_followers(status: Status, *, pulled: bool = False) -> Select[int] | None:
    """The followers of the status's tags whose home feed gets it (None when it reaches no tag
    followers): not those across a block from its author, nor those who muted the author or
    keep the author in an exclusive list. When the author's followers pull it (`pulled`: the
    author is above the pull threshold) and it is no reply to another account, those who
    follow the author are left to the pull too: their home merges it at read time and their
    stream hears it on the author's channel, so it reaches them once. The tags are read from
    the database, so call it after they are attached."""
    if not reaches_tag_followers(status):
        return None
    followers = select(TagFollow.account_id).where(
        TagFollow.tag_id.in_(select(StatusTag.tag_id).where(StatusTag.status_id == status.id)),
        ~blocked_between(status.account_id, TagFollow.account_id),
        ~_muted(TagFollow.account_id, status.account_id),
        ~kept_out_of_home(TagFollow.account_id, status.account_id),
    )
    if pulled and status.in_reply_to_account_id in (None, status.account_id):
        followers = followers.where(
            ~exists().where(
                Follow.account_id == TagFollow.account_id,
                Follow.target_account_id == status.account_id,
            )
        )
    return followers


def left_home_on_tag_unfollow(
    viewer_id: int, tag_id: int, pull_threshold: int
) -> ColumnElement[bool]:
    """SQL over `Status`: after the viewer stopped following a tag (the follow already
    deleted), the statuses carrying it that no longer belong in the viewer's home feed: those
    `home_feed` does not give (a followed author's, the viewer's own or another followed
    tag's stay)."""
    return and_(
        Status.id.in_(select(StatusTag.status_id).where(StatusTag.tag_id == tag_id)),
        ~home_feed(viewer_id, pull_threshold),
    )


def left_home_on_unfollow(viewer_id: int, author_id: int) -> ColumnElement[bool]:
    """SQL over `Status`: after the viewer stopped following an author, the author's statuses
    that leave the viewer's home feed: all but those a tag the viewer follows brought."""
    return and_(Status.account_id == author_id, ~_followed_tag(viewer_id))


def _muted(account_id: Col | int, author_id: Col | int) -> ColumnElement[bool]:
    return exists().where(Mute.account_id == account_id, Mute.target_account_id == author_id)


def _followed_tag(viewer_id: int) -> ColumnElement[bool]:
    """SQL over `Status`: what `tag_followers` gives the viewer, by the tags it follows now."""
    followed_tags = select(TagFollow.tag_id).where(TagFollow.account_id == viewer_id)
    return and_(
        Status.visibility.in_(LISTED),
        Status.reblog_of_id.is_(None),
        Status.list_id.is_(None),
        Status.id.in_(select(StatusTag.status_id).where(StatusTag.tag_id.in_(followed_tags))),
        ~blocked_between(viewer_id, Status.account_id),
        ~_muted(viewer_id, Status.account_id),
        ~kept_out_of_home(viewer_id, Status.account_id),
    )


def home_feed(viewer_id: int, pull_threshold: int) -> ColumnElement[bool]:
    """SQL over `Status`: the statuses the viewer's home feed gets by the rules of
    `home_recipients`, given follows, lists and follower counts as they are now: what a feed
    rebuilt from the database holds (the timeline backends keep feeds as derived data).

    Its own statuses, and a followed author's unless: it is a group post (never fanned out);
    the author is above the pull threshold (pulled at read time) and the status is not
    addressed to a list; it replies to an account the viewer does not follow (and is not);
    it is a repost
    and the viewer turned the author's reposts off; it is direct and does not mention the
    viewer; it is addressed to a list the viewer is not in; an exclusive list of the viewer's
    holds the author. And the public statuses carrying a tag the viewer follows, by the rule
    of `tag_followers`, whoever wrote them. The repost rule (one post seen once) is applied
    by the backend as it fills the feed, oldest first. A follow's backfill brings only recent
    statuses; a rebuild brings every status the rule allows, a superset (a tag's older
    posts too)."""
    followed = select(Follow.target_account_id).where(Follow.account_id == viewer_id)
    follows_author = exists().where(
        Follow.account_id == viewer_id,
        Follow.target_account_id == Status.account_id,
        or_(Status.reblog_of_id.is_(None), Follow.show_reblogs.is_(True)),
    )
    below_threshold = exists().where(
        Account.id == Status.account_id, Account.followers_count <= pull_threshold
    )
    mentioned = exists().where(Mention.status_id == Status.id, Mention.account_id == viewer_id)
    in_audience = exists().where(
        ListMember.list_id == Status.list_id, ListMember.account_id == viewer_id
    )
    fanned_out = and_(
        Status.account_id.in_(followed),
        follows_author,
        or_(Status.list_id.is_not(None), below_threshold),
        _reply_rule(viewer_id, followed),
        or_(Status.visibility != Visibility.DIRECT, mentioned),
        or_(Status.list_id.is_(None), in_audience),
        ~kept_out_of_home(viewer_id, Status.account_id),
    )
    return and_(
        Status.group_id.is_(None),
        or_(Status.account_id == viewer_id, fanned_out, _followed_tag(viewer_id)),
    )


def pulled_into_home(viewer_id: int, heavy_author_ids: Sequence[int]) -> ColumnElement[bool]:
    """SQL: statuses by followed accounts above the pull threshold that belong in the viewer's
    home feed (the same reply rule as fan-out)."""
    followed = select(Follow.target_account_id).where(Follow.account_id == viewer_id)
    return and_(Status.account_id.in_(heavy_author_ids), _reply_rule(viewer_id, followed))


def _reply_rule(viewer_id: int, followed: Select[int]) -> ColumnElement[bool]:
    """SQL over `Status`: not a reply, or one to its own author, to the viewer, or to an
    account the viewer follows (`followed`)."""
    return or_(
        Status.in_reply_to_account_id.is_(None),
        Status.in_reply_to_account_id == Status.account_id,
        Status.in_reply_to_account_id == viewer_id,
        Status.in_reply_to_account_id.in_(followed),
    )


async def home_pulls(
    session: AsyncSession, viewer_id: int, pull_threshold: int
) -> list[ColumnElement[bool]]:
    """SQL: what the viewer's home timeline pulls at read time, one condition per source so
    each is read along an index: statuses of followed accounts above the pull threshold, and
    posts of the groups the viewer shows at home (group feeds are never fanned out). None when
    the viewer has neither."""
    pulls = []
    heavy = await relation_store.followed_above(session, viewer_id, pull_threshold)
    if heavy:
        pulls.append(pulled_into_home(viewer_id, heavy))
    groups = await group_store.shown_at_home(session, viewer_id)
    if groups:
        pulls.append(and_(Status.visibility == Visibility.GROUP, Status.group_id.in_(groups)))
    return pulls


def muting_any(author_ids: list[int]) -> Select[int]:
    """The accounts that muted any of `author_ids`: they are not told of new statuses by them
    as they happen (the statuses stay out of their timelines when read, too). Asked of the
    authors, not of a fan-out's thousands of recipients: a mute list is short, and a statement
    with thousands of bound ids costs the server more to build than the answer."""
    return select(Mute.account_id).where(Mute.target_account_id.in_(author_ids))


def via_author_channel(status: Status, author_followers: int, pull_threshold: int) -> bool:
    """Statuses of authors above the threshold go out once, on the author's channel, to the
    followers listening there; direct and list-audience statuses never do (they reach their
    audience only, through its members' own channels)."""
    return (
        author_followers > pull_threshold
        and status.visibility != Visibility.DIRECT
        and status.list_id is None
    )


def on_public_streams(status: Status) -> bool:
    """The public and hashtag streams carry what the public timeline shows."""
    return (
        status.visibility == Visibility.PUBLIC
        and status.reblog_of_id is None
        and status.in_reply_to_account_id in (None, status.account_id)
    )


def direct_participants(author_id: int, mentioned_ids: list[int]) -> Select[int]:
    """The mentioned accounts that take part in a direct status's conversation (with its
    author): not those across a block from the author, who could not see it anyway."""
    return select(Account.id).where(
        Account.id.in_(mentioned_ids),
        Account.id != author_id,
        ~blocked_between(author_id, Account.id),
    )


def conversation_partners(account_id: int) -> Select[int]:
    """Who talks with `account_id`: both have written in a conversation they share (so a
    message nobody answered does not make its sender a partner), less anyone across a block.
    Partners see each other's presence."""
    mine = select(ConversationMember.conversation_id).where(
        ConversationMember.account_id == account_id,
        exists().where(
            Status.conversation_id == ConversationMember.conversation_id,
            Status.account_id == account_id,
        ),
    )
    return (
        select(ConversationMember.account_id)
        .where(
            ConversationMember.conversation_id.in_(mine),
            ConversationMember.account_id != account_id,
            exists().where(
                Status.conversation_id == ConversationMember.conversation_id,
                Status.account_id == ConversationMember.account_id,
            ),
            ~blocked_between(account_id, ConversationMember.account_id),
        )
        .distinct()
    )


def conversation_others(conversation_id: int, account_id: int) -> Select[int]:
    """The other members of a conversation that `account_id` may reach (typing notices): not
    those across a block from them."""
    return select(ConversationMember.account_id).where(
        ConversationMember.conversation_id == conversation_id,
        ConversationMember.account_id != account_id,
        ~blocked_between(account_id, ConversationMember.account_id),
    )


def presence_groups(account_id: int) -> Select[int]:
    """The groups whose members hear (on the group stream) when `account_id` comes online or
    goes offline: every group it belongs to. Members across a block from it are left out as
    the event is delivered (the streaming connection knows its viewer's blocks)."""
    return select(GroupMember.group_id).where(GroupMember.account_id == account_id)


def group_others(group_id: int, account_id: int) -> Select[int]:
    """The other members of a group that `account_id` may know about (whose presence it may
    ask for): not those across a block from it."""
    return select(GroupMember.account_id).where(
        GroupMember.group_id == group_id,
        GroupMember.account_id != account_id,
        ~blocked_between(account_id, GroupMember.account_id),
    )


def brought_home_on_follow(author_id: int) -> ColumnElement[bool]:
    """SQL: the statuses of a newly followed author that join the follower's home feed: their
    own posts and reposts, not replies, direct messages, group posts or statuses addressed to
    a list (those reach a home feed only by their own rules)."""
    return and_(
        Status.account_id == author_id,
        Status.in_reply_to_id.is_(None),
        Status.group_id.is_(None),
        Status.list_id.is_(None),
        Status.visibility != Visibility.DIRECT,
    )
