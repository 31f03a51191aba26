"""Broker messages: ids and the facts a streaming process needs to route and filter them.
Entities are rendered by the streaming process that delivers them (once per message), so a
message stays small and never carries more than its recipients may see.

Channels:
  user:{account}          home-timeline events for that account (update, delete, status.update)
  notification:{account}  notifications for that account
  direct:{account}        conversations, typing and presence for that account
  control:{account}       "your relations (or filters) changed": streaming reloads its cache
  author:{account}        statuses of an author above the fan-out threshold (pulled at read)
  public                  public statuses (every status is local: public:local is the same)
  hashtag:{tag key}       public statuses with that tag or topic
  group:{group}           a group's posts, and its members typing and coming online, for its members
  im                      the IM gateway's own: codes to send, links made, changed or undone
"""

from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

from myna.lib.ids import new_id


def user(account_id: int) -> str:
    return f"user:{account_id}"


def notification(account_id: int) -> str:
    return f"notification:{account_id}"


def direct(account_id: int) -> str:
    return f"direct:{account_id}"


def control(account_id: int) -> str:
    return f"control:{account_id}"


def author(account_id: int) -> str:
    return f"author:{account_id}"


PUBLIC = "public"


def group(group_id: int) -> str:
    return f"group:{group_id}"


IM = "im"


def hashtag(key: str) -> str:
    return f"hashtag:{key}"


@dataclass(frozen=True, slots=True)
class Message:
    """`event` is Mastodon's event name (update, delete, notification, conversation,
    status.update, filters_changed) or Myna's (typing, presence, relations, revoked)."""

    event: str
    status_id: int | None = None
    notification_id: int | None = None
    conversation_id: int | None = None
    # Whose content this is (the author, the reposted and the quoted authors): for block and
    # mute checks. The first is the author.
    account_ids: list[int] = field(default_factory=list)
    visibility: str | None = None
    # Accounts mentioned in the status: a mention is what lets a direct post be seen.
    mentioned_ids: list[int] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    # For a group status, or a member typing or coming online in a group: its group (only
    # members, who listen on its channel, may receive it).
    group_id: int | None = None
    # For a status addressed to a list (a circle): that list. Streaming cannot know who is in
    # it, so such a status is published only on its audience's own `user:` channels and
    # refused on every other channel.
    list_id: int | None = None
    # One publish goes to many channels (a copy per follower): the copies share this id, so a
    # streaming process renders the status once per publish, not once per copy.
    id: int = field(default_factory=new_id)

    def encode(self) -> bytes:
        return orjson.dumps(asdict(self))

    @classmethod
    def decode(cls, raw: bytes) -> "Message":
        return cls(**orjson.loads(raw))
