"""Who may be suggested to whom as an account to follow, and why.

Account A may be suggested to viewer V when A is not V, A has not opted out of discovery, V
neither follows A nor has asked to, neither has blocked the other, V has not muted A, and V
has not dismissed A as a suggestion. The reasons (Mastodon's `sources`) are friends of
friends (accounts followed by the accounts V follows most recently, ranked by how many of
them follow A) and the most followed verified accounts (verification is an admin's mark, as
Mastodon's staff-featured accounts are)."""

import enum

from sqlalchemy import ColumnElement, and_, exists

from myna.models import Account, Follow, FollowRequest, Mute, SuggestionDismissal
from myna.policy.moderation import listed_author_sql
from myna.policy.visibility import not_blocked

# How many of the viewer's followings (the most recent) friends-of-friends counts over: the
# work of one suggestion read stays bounded however many accounts the viewer follows.
RECENT_FOLLOWINGS = 200


class SuggestionSource(enum.StrEnum):
    FRIENDS_OF_FRIENDS = "friends_of_friends"
    FEATURED = "featured"


def suggestible_filter(viewer_id: int) -> ColumnElement[bool]:
    """SQL over `Account`: the accounts that may be suggested to the viewer."""
    follows = exists().where(Follow.account_id == viewer_id, Follow.target_account_id == Account.id)
    requested = exists().where(
        FollowRequest.account_id == viewer_id, FollowRequest.target_account_id == Account.id
    )
    muted = exists().where(Mute.account_id == viewer_id, Mute.target_account_id == Account.id)
    dismissed = exists().where(
        SuggestionDismissal.account_id == viewer_id,
        SuggestionDismissal.target_account_id == Account.id,
    )
    return and_(
        Account.id != viewer_id,
        Account.discoverable.is_(True),
        listed_author_sql(Account.id),
        ~follows,
        ~requested,
        not_blocked(viewer_id, Account.id),
        ~muted,
        ~dismissed,
    )
