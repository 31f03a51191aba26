"""Mastodon's stream names, the scope each needs, which broker channels feed it, and which
events it carries."""

from dataclasses import dataclass

from myna.events import messages as ch
from myna.policy import filters
from myna.reads.streaming import ViewerState

# Events each stream passes on; anything else arriving on its channels is not for it.
USER_EVENTS = frozenset({"update", "delete", "status.update", "notification"})
NOTIFICATION_EVENTS = frozenset({"notification"})
PUBLIC_EVENTS = frozenset({"update", "delete", "status.update"})
DIRECT_EVENTS = frozenset({"conversation", "conversation.read", "typing", "presence"})
# A group stream: the group's posts, and its members typing and coming online or going offline.
GROUP_EVENTS = PUBLIC_EVENTS | {"typing", "presence"}


@dataclass(frozen=True)
class StreamSpec:
    name: str
    scope: str
    needs_user: bool
    events: frozenset[str]


SPECS = {
    "user": StreamSpec("user", "read:statuses", True, USER_EVENTS),
    "user:notification": StreamSpec(
        "user:notification", "read:notifications", True, NOTIFICATION_EVENTS
    ),
    "public": StreamSpec("public", "read:statuses", False, PUBLIC_EVENTS),
    "public:local": StreamSpec("public:local", "read:statuses", False, PUBLIC_EVENTS),
    "public:remote": StreamSpec("public:remote", "read:statuses", False, PUBLIC_EVENTS),
    "public:media": StreamSpec("public:media", "read:statuses", False, PUBLIC_EVENTS),
    "public:local:media": StreamSpec("public:local:media", "read:statuses", False, PUBLIC_EVENTS),
    "public:remote:media": StreamSpec("public:remote:media", "read:statuses", False, PUBLIC_EVENTS),
    "hashtag": StreamSpec("hashtag", "read:statuses", False, PUBLIC_EVENTS),
    "hashtag:local": StreamSpec("hashtag:local", "read:statuses", False, PUBLIC_EVENTS),
    "direct": StreamSpec("direct", "read:statuses", True, DIRECT_EVENTS),
    "group": StreamSpec("group", "read:statuses", True, GROUP_EVENTS),
}
RESERVED: frozenset[str] = frozenset()
# The filter context (policy/filters.py) each stream's statuses are read in, as the REST
# timeline it mirrors: a viewer's `hide` filters drop them, the others annotate them.
FILTER_CONTEXTS = {
    "user": filters.HOME,
    "group": filters.PUBLIC,
    **{name: filters.PUBLIC for name in SPECS if name.startswith(("public", "hashtag"))},
}
# Nothing is remote and nothing carries media yet: these streams are valid and silent.
SILENT = frozenset({"public:remote", "public:media", "public:local:media", "public:remote:media"})


def channels(stream: str, viewer_id: int | None, key: str | None, state: ViewerState) -> list[str]:
    """The broker channels that feed `stream` for this viewer (`key`: the tag key of a
    hashtag stream, the group id of a group stream)."""
    if stream in SILENT:
        return []
    if stream == "user":
        assert viewer_id is not None
        return [
            ch.user(viewer_id),
            ch.notification(viewer_id),
            *(ch.author(a) for a in sorted(state.pulled_authors)),
            *(ch.group(g) for g in sorted(state.home_groups)),
        ]
    if stream == "group":
        assert key is not None
        group_id = int(key)
        return [ch.group(group_id)] if group_id in state.groups else []
    if stream == "user:notification":
        assert viewer_id is not None
        return [ch.notification(viewer_id)]
    if stream in ("public", "public:local"):
        return [ch.PUBLIC]
    if stream in ("hashtag", "hashtag:local"):
        assert key is not None
        return [ch.hashtag(key)]
    if stream == "direct":
        assert viewer_id is not None
        return [ch.direct(viewer_id)]
    raise KeyError(stream)


def filter_context(stream: str) -> str | None:
    return FILTER_CONTEXTS.get(stream)


def label(stream: str, tag: str | None) -> list[str]:
    """The `stream` field of an event: ["hashtag", "name"] for tag streams, ["group", "id"]
    for group streams."""
    keyed = stream.startswith("hashtag") or stream == "group"
    return [stream, tag] if keyed and tag else [stream]
