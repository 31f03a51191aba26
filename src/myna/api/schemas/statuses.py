"""The Status entity, rendered from a StatusBundle (everything already batch-loaded)."""

from typing import Any
from urllib.parse import quote

from myna.api.schemas.accounts import render_account
from myna.api.schemas.enums import visibility_to_wire
from myna.api.schemas.filters import render_results
from myna.api.schemas.media import MediaUrl, render_media
from myna.api.schemas.polls import render_poll
from myna.lib.clock import iso
from myna.models import Status
from myna.reads.bundle import StatusBundle


class StatusRenderer:
    def __init__(self, base_url: str, media_url: MediaUrl | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        # Storage.url of the configured backend; by default the app's own /system/media/.
        self.media_url: MediaUrl = media_url or (lambda key: f"{self.base_url}/system/media/{key}")

    def many(self, bundle: StatusBundle) -> list[dict[str, Any]]:
        return [self.one(bundle, status) for status in bundle.statuses]

    def first(self, bundle: StatusBundle) -> dict[str, Any]:
        return self.one(bundle, bundle.statuses[0])

    def one(self, bundle: StatusBundle, status: Status, *, depth: int = 0) -> dict[str, Any]:
        base = self.base_url
        author = bundle.accounts[status.account_id]
        reblog = None
        if status.reblog_of_id is not None:
            original = bundle.related.get(status.reblog_of_id)
            reblog = self.one(bundle, original, depth=depth) if original is not None else None
        mentions = [
            {
                "id": str(a.id),
                "username": a.username,
                "acct": a.username,
                "url": f"{base}/@{a.username}",
            }
            for a in (bundle.accounts.get(i) for i in bundle.mentions.get(status.id, []))
            if a is not None
        ]
        tags = [
            {"name": tag.name, "url": f"{base}/tags/{quote(tag.name, safe='')}"}
            for tag in bundle.tags.get(status.id, [])
        ]
        app = bundle.apps.get(status.app_id) if status.app_id is not None else None
        return {
            "id": str(status.id),
            "uri": f"{base}/users/{author.username}/statuses/{status.id}",
            "url": f"{base}/@{author.username}/{status.id}",
            "created_at": iso(status.created_at),
            "edited_at": iso(status.edited_at) if status.edited_at else None,
            "account": render_account(author, base),
            "content": status.content,
            "text": None,
            "visibility": visibility_to_wire(status.visibility),
            # A sensitized author's media always sit behind a warning.
            "sensitive": status.sensitive or author.sensitized_at is not None,
            "spoiler_text": status.spoiler_text,
            "language": status.language,
            "in_reply_to_id": str(status.in_reply_to_id) if status.in_reply_to_id else None,
            "in_reply_to_account_id": (
                str(status.in_reply_to_account_id) if status.in_reply_to_account_id else None
            ),
            "reblog": reblog,
            "quote": self._quote(bundle, status, depth),
            # Myna: the group (微群) a status with visibility "group" was posted to.
            "group_id": str(status.group_id) if status.group_id is not None else None,
            # Myna: the list a status was addressed to (visibility "private"), for its author
            # only: who is in which list is the author's own business.
            "list_id": (
                str(status.list_id)
                if status.list_id is not None and bundle.viewer_id == status.account_id
                else None
            ),
            "application": {"name": app.name, "website": app.website} if app else None,
            "media_attachments": [
                render_media(media, self.media_url) for media in bundle.media.get(status.id, [])
            ],
            "mentions": mentions,
            "tags": tags,
            "emojis": [],
            "card": None,
            "poll": render_poll(bundle.polls[status.id]) if status.id in bundle.polls else None,
            "replies_count": bundle.replies.get(status.id, 0),
            "reblogs_count": bundle.reblogs.get(status.id, 0),
            "quotes_count": bundle.quotes.get(status.id, 0),
            "favourites_count": bundle.favourites.get(status.id, 0),
            "favourited": status.id in bundle.favourited,
            "reblogged": status.id in bundle.reblogged,
            "muted": False,
            "bookmarked": status.id in bundle.bookmarked,
            "pinned": status.id in bundle.pinned,
            "filtered": render_results(bundle.filtered.get(status.id, ())),
        }

    def _quote(self, bundle: StatusBundle, status: Status, depth: int) -> dict[str, Any] | None:
        if status.quote_of_id is None:
            return None
        if depth >= 1:  # a quote inside a quote is shallow, as on Mastodon
            return {"state": "accepted", "quoted_status_id": str(status.quote_of_id)}
        quoted = bundle.related.get(status.quote_of_id)
        if quoted is None:
            state = (
                "deleted" if status.quote_of_id not in bundle.existing_quotes else "unauthorized"
            )
            return {"state": state, "quoted_status": None}
        return {"state": "accepted", "quoted_status": self.one(bundle, quoted, depth=depth + 1)}

    def deleted(self, bundle: StatusBundle, status: Status) -> dict[str, Any]:
        """A deleted status as Mastodon answers DELETE: with its source text, for redrafting."""
        out = self.one(bundle, status)
        out["text"] = status.text
        return out
