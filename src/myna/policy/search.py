"""What search may show a viewer: the one visibility rule, and Mastodon's search rules on top.

A status is found by search when the viewer may see it in a list (`timeline_filter`: the
visibility rule with blocks either way, and the viewer's mutes), and it is not an unlisted
status of someone else's: unlisted means "not in public places", and search is one (Mastodon
leaves unlisted statuses out of search too). So an anonymous searcher finds public statuses
and the posts of public groups; a signed-in one also the followers-only, list, direct and group
posts they are entitled to, and their own unlisted ones. A limited author's posts are found by
the author's followers only. Reposts are not indexed (the original
is); a quote is a status of its own.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from myna.models import Account, Status, Visibility
from myna.policy.visibility import limited_author_ok, listed_account_for, not_blocked, rules_for


@dataclass(frozen=True, slots=True)
class SearchRule:
    where: ColumnElement[bool]
    params: dict[str, Any]


def searchable(viewer_id: int | None) -> SearchRule:
    """SQL on `Status`: the statuses search may show the viewer, with the bound values the
    prebuilt visibility rule needs."""
    prebuilt = rules_for(viewer_id)
    not_unlisted = Status.visibility != Visibility.UNLISTED
    if viewer_id is not None:
        not_unlisted = or_(not_unlisted, Status.account_id == viewer_id)
    return SearchRule(
        and_(prebuilt.timeline, not_unlisted, limited_author_ok(viewer_id)), prebuilt.params
    )


def indexed(status: Status) -> bool:
    """Which statuses the search index holds: originals and quotes, not plain reposts (they
    have no text; the original is found instead)."""
    return status.reblog_of_id is None


def account_searchable(viewer_id: int | None) -> ColumnElement[bool]:
    """SQL on `Account`: the accounts search may show the viewer: none across a block, no
    suspended one, and a limited one only to its followers."""
    return and_(not_blocked(viewer_id, Account.id), listed_account_for(viewer_id))
