"""What an archive's files say (docs/data.md), in the shapes of Mastodon's archive so tools
that read one read ours: ActivityStreams JSON for the profile, the statuses (an outbox of
Create activities with Note objects, reposts as Announce), likes and bookmarks; Mastodon's
CSV exports for follows, blocks, mutes, lists and bookmarks. Pure functions of rows."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from myna.lib import mastodon_csv
from myna.lib.clock import iso
from myna.lib.html import render_plain
from myna.models import Account, MediaAttachment, Status, Visibility

AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = f"{AS}#Public"
MEDIA_DIR = "media_attachments"


@dataclass(frozen=True)
class Uris:
    """Where this server's accounts and statuses are, as the API's entities give them."""

    base_url: str
    domain: str

    def account(self, username: str) -> str:
        return f"{self.base_url}/users/{username}"

    def followers(self, username: str) -> str:
        return f"{self.account(username)}/followers"

    def profile(self, username: str) -> str:
        return f"{self.base_url}/@{username}"

    def status(self, username: str, status_id: int) -> str:
        return f"{self.account(username)}/statuses/{status_id}"

    def status_url(self, username: str, status_id: int) -> str:
        return f"{self.profile(username)}/{status_id}"

    def group(self, handle: str) -> str:
        return f"{self.base_url}/groups/{handle}"

    def tag(self, name: str) -> str:
        return f"{self.base_url}/tags/{quote(name, safe='')}"

    def address(self, username: str) -> str:
        return f"{username}@{self.domain}"


def media_path(kind: str, key: str) -> str:
    """Where a stored file goes in the zip: `media_attachments/<kind>/<key>`."""
    return f"{MEDIA_DIR}/{kind}/{key}"


def _picture(key: str | None, kind: str) -> dict[str, Any] | None:
    if key is None:
        return None
    extension = key.rsplit(".", 1)[-1]
    media_type = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}.get(extension)
    return {"type": "Image", "mediaType": media_type, "url": media_path(kind, key)}


def actor(account: Account, uris: Uris) -> dict[str, Any]:
    name = account.username
    out: dict[str, Any] = {
        "@context": AS,
        "id": uris.account(name),
        "type": "Person",
        "preferredUsername": name,
        "name": account.display_name,
        "summary": render_plain(account.note),
        "url": uris.profile(name),
        "published": iso(account.created_at),
        "manuallyApprovesFollowers": account.locked,
        "discoverable": account.discoverable,
        "followers": uris.followers(name),
        "outbox": "outbox.json",
        "likes": "likes.json",
        "bookmarks": "bookmarks.json",
    }
    icon, image = _picture(account.avatar_key, "avatars"), _picture(account.header_key, "headers")
    if icon is not None:
        out["icon"] = icon
    if image is not None:
        out["image"] = image
    return out


def addressing(
    status: Status, followers: str, mentioned: list[str], group: str | None
) -> tuple[list[str], list[str]]:
    """(to, cc) of a status, as ActivityPub addresses its audience."""
    if status.visibility == Visibility.PUBLIC:
        return [PUBLIC], [followers, *mentioned]
    if status.visibility == Visibility.UNLISTED:
        return [followers], [PUBLIC, *mentioned]
    if status.visibility == Visibility.DIRECT:
        return mentioned, []
    if status.visibility == Visibility.GROUP:
        return ([group] if group else []), mentioned
    return [followers], mentioned  # followers only (a list's audience among them)


@dataclass(frozen=True)
class Context:
    """What a batch of statuses refers to, loaded once per batch."""

    statuses: dict[int, tuple[Status, str]]  # replied, quoted and reposted, with authors
    usernames: dict[int, str]  # accounts replied to
    mentions: dict[int, list[str]]
    tags: dict[int, list[str]]
    media: dict[int, list[MediaAttachment]]
    groups: dict[int, str]


def _ref(uris: Uris, ctx: Context, status_id: int | None) -> str | None:
    if status_id is None or status_id not in ctx.statuses:
        return None
    _status, author = ctx.statuses[status_id]
    return uris.status(author, status_id)


def _attachment(media: MediaAttachment) -> dict[str, Any]:
    return {
        "type": "Document",
        "mediaType": media.content_type,
        "url": media_path("files", media.file_key),
        "name": media.description,
        "blurhash": media.blurhash,
        "focalPoint": [media.focus_x, media.focus_y],
        "width": media.width,
        "height": media.height,
    }


def activity(status: Status, author: str, uris: Uris, ctx: Context) -> dict[str, Any] | None:
    """The outbox item of one of the author's statuses: Create of a Note, or Announce for a
    repost (None for a repost whose original is gone)."""
    uri = uris.status(author, status.id)
    mentioned = [uris.account(name) for name in ctx.mentions.get(status.id, [])]
    group = ctx.groups.get(status.group_id) if status.group_id is not None else None
    to, cc = addressing(
        status, uris.followers(author), mentioned, uris.group(group) if group else None
    )
    base = {
        "id": f"{uri}/activity",
        "actor": uris.account(author),
        "published": iso(status.created_at),
        "to": to,
        "cc": cc,
    }
    if status.reblog_of_id is not None:
        original = _ref(uris, ctx, status.reblog_of_id)
        return None if original is None else {**base, "type": "Announce", "object": original}
    tag: list[dict[str, Any]] = [
        {"type": "Mention", "href": uris.account(name), "name": f"@{uris.address(name)}"}
        for name in ctx.mentions.get(status.id, [])
    ]
    tag += [
        {
            "type": "Hashtag",
            "href": f"{uris.base_url}/tags/{quote(name, safe='')}",
            "name": f"#{name}",
        }
        for name in ctx.tags.get(status.id, [])
    ]
    replied = _ref(uris, ctx, status.in_reply_to_id)
    if replied is None and status.in_reply_to_id is not None:
        replied_author = ctx.usernames.get(status.in_reply_to_account_id or 0)
        if replied_author is not None:
            replied = uris.status(replied_author, status.in_reply_to_id)
    note: dict[str, Any] = {
        "id": uri,
        "type": "Note",
        "summary": status.spoiler_text or None,
        "inReplyTo": replied,
        "published": iso(status.created_at),
        "updated": iso(status.edited_at) if status.edited_at else None,
        "url": uris.status_url(author, status.id),
        "attributedTo": uris.account(author),
        "to": to,
        "cc": cc,
        "sensitive": status.sensitive,
        "content": status.content,
        "contentMap": {status.language: status.content} if status.language else {},
        "source": {"content": status.text, "mediaType": "text/plain"},
        "attachment": [_attachment(m) for m in ctx.media.get(status.id, [])],
        "tag": tag,
    }
    quoted = _ref(uris, ctx, status.quote_of_id)
    if quoted is not None:
        note["quoteUri"] = quoted  # as Misskey and Fedibird mark a quote
    return {**base, "type": "Create", "object": note}


def outbox_head() -> bytes:
    """The outbox's opening, up to its items: they are written one by one after it."""
    return (
        '{"@context":"' + AS + '","id":"outbox.json","type":"OrderedCollection","orderedItems":['
    ).encode()


def outbox_tail(total: int) -> bytes:
    """The outbox's end, with the count of the items written (known only then)."""
    return f'],"totalItems":{total}}}'.encode()


def collection(name: str, items: Sequence[str]) -> dict[str, Any]:
    return {
        "@context": AS,
        "id": name,
        "type": "OrderedCollection",
        "totalItems": len(items),
        "orderedItems": list(items),
    }


def following_csv(uris: Uris, rows: Iterable[tuple[str, bool, bool]]) -> str:
    return mastodon_csv.write(
        ((uris.address(name), _bool(reblogs), _bool(notify), "") for name, reblogs, notify in rows),
        header=mastodon_csv.FOLLOWING_HEADER,
    )


def blocked_csv(uris: Uris, names: Iterable[str]) -> str:
    return mastodon_csv.write((uris.address(name),) for name in names)


def muted_csv(uris: Uris, rows: Iterable[tuple[str, bool]]) -> str:
    return mastodon_csv.write(
        ((uris.address(name), _bool(hide)) for name, hide in rows),
        header=mastodon_csv.MUTES_HEADER,
    )


def lists_csv(uris: Uris, rows: Iterable[tuple[str, str]]) -> str:
    return mastodon_csv.write((title, uris.address(name)) for title, name in rows)


def bookmarks_csv(status_uris: Iterable[str]) -> str:
    return mastodon_csv.write((uri,) for uri in status_uris)


def _bool(value: bool) -> str:
    return "true" if value else "false"
