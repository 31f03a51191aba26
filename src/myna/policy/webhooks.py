"""What an app's webhooks may hear of: the events there are, the scope each needs, and which
statuses announce themselves.

An app hears of an account's events only while that account authorizes it (holds a live token
of the app) with the scope the event needs: what its token could read through the API anyway.
`status.created` is sent for public and unlisted statuses only (not followers-only, direct,
group or list posts, whatever the token's scopes); a `mention` only when the mentioned account
may see the status (the visibility rule: blocks, groups and lists included).

Group events (`group.status.created`, `group.member.joined`) go to the apps a group's owner or
an admin added to that group, and to no other: checked when they are recorded and again
before every attempt, so removing the app stops what is pending."""

from sqlalchemy.ext.asyncio import AsyncSession

from myna.models import Status
from myna.policy import scopes as scope_rules
from myna.policy.visibility import OPEN
from myna.store import group_apps as group_app_store

STATUS_CREATED = "status.created"
MENTION = "mention"
FOLLOW = "follow"
FOLLOW_REQUEST = "follow_request"
GROUP_STATUS_CREATED = "group.status.created"
GROUP_MEMBER_JOINED = "group.member.joined"

# Group events: heard by the apps a group's owner or an admin added to the group (while they
# stay added), not through any account's token.
GROUP_EVENTS = frozenset({GROUP_STATUS_CREATED, GROUP_MEMBER_JOINED})

# Event -> the scope the authorizing account's token must carry (None: a group event).
EVENTS: dict[str, str | None] = {
    STATUS_CREATED: "read:statuses",
    MENTION: "read:notifications",
    FOLLOW: "read:notifications",
    FOLLOW_REQUEST: "read:notifications",
    GROUP_STATUS_CREATED: None,
    GROUP_MEMBER_JOINED: None,
}


def unknown_events(events: list[str]) -> list[str]:
    return [event for event in events if event not in EVENTS]


def token_allows(event: str, token_scopes: str) -> bool:
    """Whether a token with these (space-separated) scopes may hear of `event`."""
    needed = EVENTS.get(event)
    return needed is not None and scope_rules.allows(scope_rules.expand(token_scopes), needed)


def announces(status: Status) -> bool:
    """Whether posting `status` is a `status.created` event: open statuses only, never a
    group or list post (or a repost, which is not posted through the same path)."""
    return (
        status.visibility in OPEN
        and status.group_id is None
        and status.list_id is None
        and status.reblog_of_id is None
    )


async def group_event_allowed(
    session: AsyncSession, app_id: int, group_id: int, event: str, object_id: int
) -> bool:
    """Whether a recorded group event may (still) go to the app: it is added to the group, and
    the post is still in the group (`group.status.created`) or the account still a member
    (`group.member.joined`). Asked again before every attempt."""
    if event not in GROUP_EVENTS or not await group_app_store.is_added(session, group_id, app_id):
        return False
    if event == GROUP_STATUS_CREATED:
        return await group_app_store.status_in_group(session, group_id, object_id)
    return await group_app_store.is_member(session, group_id, object_id)
