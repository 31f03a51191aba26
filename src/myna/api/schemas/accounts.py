"""Account, Relationship and Token entities."""

from typing import Any

from myna.api.schemas.enums import visibility_to_wire
from myna.api.schemas.media import MediaUrl
from myna.lib.clock import iso
from myna.lib.html import render_plain
from myna.models import Account, AccountRole
from myna.reads.accounts import profile_pictures
from myna.store.relations import Relations


def render_account(
    account: Account,
    base_url: str,
    *,
    source: bool = False,
    follow_requests_count: int = 0,
    media_url: MediaUrl | None = None,
) -> dict[str, Any]:
    """`media_url` is the storage's `url` (api.deps.media_url); without it, stored pictures
    are given at the app's own /system/media/, right for the directory storage only."""
    pictures = profile_pictures(account, media_url, base_url)
    # Pictures are stored as stills (a GIF keeps its first frame): static is the same file.
    avatar, header = pictures.avatar, pictures.header
    out: dict[str, Any] = {
        "id": str(account.id),
        "username": account.username,
        "acct": account.username,
        "display_name": account.display_name,
        "locked": account.locked,
        "bot": account.bot,
        "discoverable": account.discoverable,
        "indexable": account.discoverable,
        "group": False,
        "created_at": iso(account.created_at),
        "note": render_plain(account.note),
        "url": f"{base_url}/@{account.username}",
        "uri": f"{base_url}/users/{account.username}",
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "followers_count": account.followers_count,
        "following_count": account.following_count,
        "statuses_count": account.statuses_count,
        "last_status_at": account.last_status_at.date().isoformat()
        if account.last_status_at
        else None,
        "hide_collections": False,
        "noindex": not account.discoverable,
        "emojis": [],
        "roles": [],
        "fields": [],
        "verified": account.verified,
        # Myna: why the account carries its "V" (Weibo's 认证原因)
        "verified_reason": account.verified_reason or None,
    }
    # Mastodon's flags, present when true. Nothing of a suspended account's profile shows.
    if account.silenced_at is not None:
        out["limited"] = True
    if account.suspended_at is not None:
        out.update(
            suspended=True,
            display_name="",
            note="",
            followers_count=0,
            following_count=0,
            statuses_count=0,
            last_status_at=None,
        )
    if source:
        out["source"] = {
            "note": account.note,
            "fields": [],
            "privacy": visibility_to_wire(account.default_visibility),
            "sensitive": False,
            "language": account.default_language or None,
            "follow_requests_count": follow_requests_count,
            "hide_collections": False,
            "discoverable": account.discoverable,
            "indexable": account.discoverable,
        }
        out["role"] = render_role(account.role)
    return out


# Mastodon's Role entity. Permissions are its bit flags: administrator (1) implies them all; a
# moderator may view the dashboard (8) and the audit log (4), and manage reports (16),
# hashtags and trends (256) and users (1024).
ROLES: dict[str, dict[str, Any]] = {
    AccountRole.USER: {"id": "0", "name": "", "permissions": "0", "highlighted": False},
    AccountRole.MODERATOR: {
        "id": "1",
        "name": "Moderator",
        "permissions": str(4 | 8 | 16 | 256 | 1024),
        "highlighted": True,
    },
    AccountRole.ADMIN: {"id": "2", "name": "Admin", "permissions": "1", "highlighted": True},
}


def render_role(role: str) -> dict[str, Any]:
    return {**ROLES.get(role, ROLES[AccountRole.USER]), "color": ""}


def render_relationship(target_id: int, rel: Relations) -> dict[str, Any]:
    follow = rel.following.get(target_id)
    request = rel.requested.get(target_id)
    mute = rel.muting.get(target_id)
    options = follow or request
    return {
        "id": str(target_id),
        "following": follow is not None,
        "showing_reblogs": options.show_reblogs if options else False,
        "notifying": options.notify if options else False,
        "languages": None,
        "followed_by": target_id in rel.followed_by,
        "blocking": target_id in rel.blocking,
        "blocked_by": target_id in rel.blocked_by,
        "muting": mute is not None,
        "muting_notifications": bool(mute and mute.hide_notifications),
        "requested": request is not None,
        "requested_by": target_id in rel.requested_by,
        "domain_blocking": False,
        "endorsed": False,
        "note": "",
    }
