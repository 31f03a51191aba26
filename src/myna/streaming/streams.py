"""Mastodon's stream names, the scope each needs, which broker channels feed it, and which
events it carries."""

from dataclasses import dataclass

from myna.events import messages as ch

# Events each stream passes on; anything else arriving on its channels is not for it.
USER_EVENTS = frozenset({"update", "delete", "status.update", "notification"})
NOTIFICATION_EVENTS = frozenset({"notification"})
PUBLIC_EVENTS = frozenset({"update", "delete", "status.update"})
DIRECT_EVENTS = frozenset({"conversation", "typing", "presence"})


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
}
# Reserved for groups (微群): named so clients get "not yet" rather than "unknown".
RESERVED = frozenset({"group"})
# Nothing is remote and nothing carries media yet: these streams are valid and silent.
SILENT = frozenset({"public:remote", "public:media", "public:local:media", "public:remote:media"})


def channels(
    stream: str, viewer_id: int | None, tag_key: str | None, pulled_authors: set[int]
) -> list[str]:
    """The broker channels that feed `stream` for this viewer."""
    if stream in SILENT:
        return []
    if stream == "user":
        assert viewer_id is not None
        return [
            ch.user(viewer_id),
            ch.notification(viewer_id),
            *(ch.author(a) for a in sorted(pulled_authors)),
        ]
    if stream == "user:notification":
        assert viewer_id is not None
        return [ch.notification(viewer_id)]
    if stream in ("public", "public:local"):
        return [ch.PUBLIC]
    if stream in ("hashtag", "hashtag:local"):
        assert tag_key is not None
        return [ch.hashtag(tag_key)]
    if stream == "direct":
        assert viewer_id is not None
        return [ch.direct(viewer_id)]
    raise KeyError(stream)


def label(stream: str, tag: str | None) -> list[str]:
    """The `stream` field of an event: ["hashtag", "name"] for tag streams."""
    return [stream, tag] if stream.startswith("hashtag") and tag else [stream]
