"""Reports as their filer sees them (Mastodon's Report), and Mastodon's Admin::Account and
Admin::Report entities, and Myna's audit log entry."""

from typing import Any

from myna.api.schemas.accounts import render_account, render_role
from myna.api.schemas.media import MediaUrl
from myna.api.schemas.statuses import StatusRenderer
from myna.lib.clock import iso
from myna.models import Account, AuditAction, AuditEntry, Report
from myna.reads.moderation import ReportView


def render_report(
    report: Report, status_ids: list[int], target: Account, base: str
) -> dict[str, Any]:
    """Mastodon's Report, for the account that filed it."""
    return {
        "id": str(report.id),
        "action_taken": report.action_taken_at is not None,
        "action_taken_at": iso(report.action_taken_at) if report.action_taken_at else None,
        "category": report.category,
        "comment": report.comment,
        "forwarded": False,
        "created_at": iso(report.created_at),
        "status_ids": [str(s) for s in status_ids] or None,
        "rule_ids": None,
        "target_account": render_account(target, base),
    }


def render_admin_account(
    account: Account, base: str, media_url: MediaUrl | None = None
) -> dict[str, Any]:
    return {
        "id": str(account.id),
        "username": account.username,
        "domain": None,
        "created_at": iso(account.created_at),
        "email": account.email,
        "ip": None,
        "ips": [],
        "locale": account.locale or None,
        "invite_request": None,
        "role": render_role(account.role),
        "confirmed": True,
        "approved": account.approved,
        "disabled": account.disabled_at is not None,
        "silenced": account.silenced_at is not None,
        "suspended": account.suspended_at is not None,
        "sensitized": account.sensitized_at is not None,
        "account": render_account(account, base, media_url=media_url),
        "created_by_application_id": None,
        "invited_by_account_id": None,
        # Myna: the "V" and its reason
        "verified": account.verified,
        "verified_reason": account.verified_reason or None,
    }


def render_admin_reports(
    view: ReportView, base: str, media_url: MediaUrl | None = None, *, staff: bool = True
) -> list[dict[str, Any]]:
    """Admin::Report. For a group's managers (`staff` False) the people in it are plain
    Account entities: their e-mail addresses and moderation state are not theirs to read."""
    renderer = StatusRenderer(base, media_url)
    shown = {s.id: s for s in view.statuses.statuses}

    def admin(account_id: int | None) -> dict[str, Any] | None:
        account = view.accounts.get(account_id) if account_id is not None else None
        if account is None:
            return None
        if not staff:
            return render_account(account, base, media_url=media_url)
        return render_admin_account(account, base, media_url)

    out = []
    for report in view.reports:
        statuses = [shown[s] for s in view.status_ids.get(report.id, []) if s in shown]
        out.append(
            {
                "id": str(report.id),
                "action_taken": report.action_taken_at is not None,
                "action_taken_at": iso(report.action_taken_at) if report.action_taken_at else None,
                "category": report.category,
                "comment": report.comment,
                "forwarded": False,
                "created_at": iso(report.created_at),
                "updated_at": iso(report.updated_at),
                "account": admin(report.account_id),
                "target_account": admin(report.target_account_id),
                "assigned_account": admin(report.assigned_account_id),
                "action_taken_by_account": admin(report.action_taken_by_account_id),
                "statuses": [renderer.one(view.statuses, s) for s in statuses],
                "rules": [],
                "group_id": str(report.group_id) if report.group_id is not None else None,
            }
        )
    return out


def render_audit_entry(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": str(entry.id),
        "action": entry.action,
        "created_at": iso(entry.created_at),
        "actor_id": str(entry.actor_id) if entry.actor_id is not None else None,
        "actor_username": entry.actor_username or None,
        "target_type": entry.target_type,
        "target_id": str(entry.target_id),
        "target_label": entry.target_label or None,
        "text": entry.text,
    }


# Mastodon's AccountWarning `action` for each audited account action.
WARNING_ACTIONS = {
    AuditAction.WARN: "none",
    AuditAction.SENSITIVE: "sensitive",
    AuditAction.DISABLE: "disable",
    AuditAction.SILENCE: "silence",
    AuditAction.SUSPEND: "suspend",
}


def render_warning(entry: AuditEntry, target: Account, base: str) -> dict[str, Any]:
    """Mastodon's AccountWarning: what moderators did to the account and why (not who)."""
    return {
        "id": str(entry.id),
        "action": WARNING_ACTIONS.get(AuditAction(entry.action), "none"),
        "text": entry.text,
        "status_ids": None,
        "target_account": render_account(target, base),
        "appeal": None,
        "created_at": iso(entry.created_at),
    }
