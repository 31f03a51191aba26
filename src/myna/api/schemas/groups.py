"""The Group entity (a Myna extension) and the group member entry."""

from typing import Any

from myna.api.schemas.accounts import render_account
from myna.lib.clock import iso
from myna.reads.groups import GroupView, Member


def render_group(view: GroupView, base_url: str) -> dict[str, Any]:
    group = view.group
    return {
        "id": str(group.id),
        "handle": group.handle,
        "name": group.name,
        "description": group.description,
        "privacy": group.privacy,
        "members_count": group.members_count,
        "statuses_count": group.statuses_count,
        "created_at": iso(group.created_at),
        "url": f"{base_url}/groups/{group.handle}",
        "owner": render_account(view.owner, base_url),
        "role": view.role,
        "requested": view.requested,
        "invited": view.invited,
        "in_home": view.in_home,
    }


def render_member(member: Member, base_url: str) -> dict[str, Any]:
    return {
        "account": render_account(member.account, base_url),
        "role": member.role,
        "joined_at": iso(member.joined_at),
    }
