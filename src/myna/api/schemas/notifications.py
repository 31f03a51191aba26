"""The Notification entity."""

from typing import Any

from myna.api.schemas.accounts import render_account
from myna.api.schemas.media import MediaUrl
from myna.api.schemas.moderation import render_report, render_warning
from myna.api.schemas.statuses import StatusRenderer
from myna.lib.clock import iso
from myna.reads.notifications import NotificationPage


def render_notifications(
    page: NotificationPage, base_url: str, media_url: MediaUrl | None = None
) -> list[dict[str, Any]]:
    statuses = {s.id: s for s in page.statuses.statuses}
    renderer = StatusRenderer(base_url, media_url)
    out = []
    for n in page.notifications:
        status = statuses.get(n.status_id) if n.status_id is not None else None
        out.append(
            {
                "id": str(n.id),
                "type": n.type,
                "created_at": iso(n.created_at),
                "group_key": f"ungrouped-{n.id}",
                "account": render_account(page.accounts[n.from_account_id], base_url),
                "status": renderer.one(page.statuses, status) if status is not None else None,
            }
        )
        warning = page.warnings.get(n.audit_id) if n.audit_id is not None else None
        if warning is not None:
            target = page.accounts[n.from_account_id]  # the account acted on, which is told
            out[-1]["moderation_warning"] = render_warning(warning, target, base_url)
        report = page.reports.get(n.report_id) if n.report_id is not None else None
        if report is not None:
            out[-1]["report"] = render_report(
                report,
                page.report_status_ids.get(report.id, []),
                page.accounts[report.target_account_id],
                base_url,
            )
    return out
