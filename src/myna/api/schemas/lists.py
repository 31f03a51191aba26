"""The List entity."""

from typing import Any

from myna.models import AccountList


def render_list(found: AccountList) -> dict[str, Any]:
    return {
        "id": str(found.id),
        "title": found.title,
        "replies_policy": found.replies_policy,
        "exclusive": found.exclusive,
    }
