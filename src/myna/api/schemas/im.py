"""The ImLink entity (a Myna extension): an account's link to an XMPP address."""

from typing import Any

from myna.config import Settings
from myna.lib.clock import iso
from myna.models import Account, ImLink


def render_im_link(link: ImLink | None, account: Account, settings: Settings) -> dict[str, Any]:
    enabled = bool(settings.xmpp_secret)
    linked = link is not None and link.confirmed_at is not None
    sent_at = link.code_sent_at if link is not None and not linked else None
    return {
        "enabled": enabled,
        "address": link.address if link is not None else None,
        "state": "none" if link is None else ("linked" if linked else "pending"),
        "notify": bool(link and link.notify),
        "code_sent_at": iso(sent_at) if sent_at else None,
        "linked_at": iso(link.confirmed_at) if link and link.confirmed_at else None,
        "gateway_address": (
            f"{account.username.lower()}@{settings.xmpp_domain}" if enabled else None
        ),
        "rooms_domain": settings.xmpp_rooms_domain if enabled else None,
    }
