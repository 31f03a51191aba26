"""Mastodon's admin API for accounts and reports (/api/v1/admin/accounts, /api/v2/admin/accounts,
/api/v1/admin/reports). Every endpoint needs an admin scope and a moderator's or admin's token:
anyone else gets 403 (the endpoints' existence is no secret). Each act is written to the audit
log (GET /api/v1/myna/admin/audit_log)."""

from datetime import date

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from myna.actions.moderation import ACCOUNT_ACTIONS, MAX_TEXT_CHARS, UNDO_ACTIONS
from myna.api.deps import account_of, base_url, container, media_url, staff_scope
from myna.api.openapi import BOOL, ID, STR, array, doc, text
from myna.api.pagination import link_header, page_from
from myna.api.params import Params, path_id
from myna.api.responses import json_response
from myna.api.schemas.moderation import render_admin_account, render_admin_reports
from myna.lib.errors import ValidationFailed
from myna.models import Account, Report, ReportCategory
from myna.reads.moderation import MEASURES
from myna.reads.tokens import Caller
from myna.store.moderation import AccountQuery, ReportQuery

router = APIRouter(tags=["admin"])

READ_ACCOUNTS = "admin:read:accounts"
WRITE_ACCOUNTS = "admin:write:accounts"
READ_REPORTS = "admin:read:reports"
WRITE_REPORTS = "admin:write:reports"
STAFF_ONLY = (403,)
ADMIN_PAGE_LIMIT = 200  # Mastodon's admin lists give up to 200 at a time (100 by default)
STATUSES = ("active", "pending", "disabled", "silenced", "suspended", "sensitized")
_FILTER_TEXT = 100


def admin_account_response(request: Request, account: Account) -> Response:
    """One Admin::Account (the Myna admin routes answer with it too)."""
    return json_response(render_admin_account(account, base_url(request), media_url(request)))


def _admin_accounts(request: Request, found: list[Account]) -> Response:
    base, media = base_url(request), media_url(request)
    return json_response(
        [render_admin_account(a, base, media) for a in found],
        headers=link_header(request, [a.id for a in found]),
    )


def _text_filter(params: Params, name: str) -> str | None:
    return (params.text(name, max_length=_FILTER_TEXT) or "").strip() or None


# -------------------------------------------------------------------------------- accounts

V1_FLAGS = {name: BOOL for name in ("local", "remote", *STATUSES, "staff")}
FILTERS = {
    "username": text("ali"),
    "display_name": text("Alice"),
    "email": text("@example.org"),
}


@router.get(
    "/api/v1/admin/accounts",
    **doc(
        "Moderators: accounts, newest first, filtered by state (active, pending, disabled, "
        "silenced, suspended, sensitized: one flag), staff, or username prefix, display name "
        "or e-mail",
        returns="AdminAccount[]",
        scope=READ_ACCOUNTS,
        query={**V1_FLAGS, **FILTERS},
        paged=True,
        errors=STAFF_ONLY,
    ),
)
async def accounts_v1(
    request: Request, caller: Caller = Depends(staff_scope(READ_ACCOUNTS))
) -> Response:
    params = await Params.read(request)
    chosen = [name for name in STATUSES if params.flag(name)]
    if len(chosen) > 1:
        raise ValidationFailed("Validation failed: filter by one state at a time")
    if params.flag("remote"):
        return _admin_accounts(request, [])  # no other servers yet
    query = AccountQuery(
        status=chosen[0] if chosen else None,
        staff=bool(params.flag("staff")),
        username=_text_filter(params, "username"),
        display_name=_text_filter(params, "display_name"),
        email=_text_filter(params, "email"),
    )
    page = page_from(params, default=100, maximum=ADMIN_PAGE_LIMIT)
    found = await container(request).moderation_reads.accounts(account_of(caller), query, page)
    return _admin_accounts(request, found)


@router.get(
    "/api/v2/admin/accounts",
    **doc(
        "Moderators: accounts, newest first (Mastodon's v2 filters): origin local, status "
        f"({', '.join(STATUSES)}), permissions staff, username, display_name, email",
        returns="AdminAccount[]",
        scope=READ_ACCOUNTS,
        query={
            "origin": {"type": "string", "enum": ["local", "remote"]},
            "status": {"type": "string", "enum": list(STATUSES)},
            "permissions": {"type": "string", "enum": ["staff"]},
            **FILTERS,
        },
        paged=True,
        errors=STAFF_ONLY,
    ),
)
async def accounts_v2(
    request: Request, caller: Caller = Depends(staff_scope(READ_ACCOUNTS))
) -> Response:
    params = await Params.read(request)
    status = params.text("status", max_length=32)
    if status is not None and status not in STATUSES:
        raise ValidationFailed(f"Validation failed: status must be one of {', '.join(STATUSES)}")
    permissions = params.text("permissions", max_length=32)
    if permissions not in (None, "", "staff"):
        raise ValidationFailed("Validation failed: permissions must be staff")
    if params.text("origin", max_length=32) == "remote":
        return _admin_accounts(request, [])
    query = AccountQuery(
        status=status,
        staff=permissions == "staff",
        username=_text_filter(params, "username"),
        display_name=_text_filter(params, "display_name"),
        email=_text_filter(params, "email"),
    )
    page = page_from(params, default=100, maximum=ADMIN_PAGE_LIMIT)
    found = await container(request).moderation_reads.accounts(account_of(caller), query, page)
    return _admin_accounts(request, found)


@router.get(
    "/api/v1/admin/accounts/{account_id}",
    **doc(
        "Moderators: one account", returns="AdminAccount", scope=READ_ACCOUNTS, errors=STAFF_ONLY
    ),
)
async def account(
    request: Request, account_id: str, caller: Caller = Depends(staff_scope(READ_ACCOUNTS))
) -> Response:
    found = await container(request).moderation_reads.account(
        account_of(caller), path_id(account_id)
    )
    return admin_account_response(request, found)


@router.post(
    "/api/v1/admin/accounts/{account_id}/action",
    **doc(
        "Moderators: act on an account. type: none (a warning), sensitive (its media behind "
        "a warning), disable (no sign-in), silence (limit: out of public timelines, search "
        "and trends; followers still see it) or suspend (nothing shows, no sign-in; "
        "reversible for 30 days). report_id resolves that report; every action resolves the "
        "account's open reports. text is the moderator's note, kept in the audit log.",
        returns="Empty",
        scope=WRITE_ACCOUNTS,
        body={
            "type": {"type": "string", "enum": list(ACCOUNT_ACTIONS)},
            "report_id": ID,
            "text": STR,
            "warning_preset_id": {**ID, "description": "Ignored"},
            "send_email_notification": {**BOOL, "description": "Ignored: no e-mail is sent"},
        },
        required=("type",),
        errors=STAFF_ONLY,
    ),
)
async def account_action(
    request: Request, account_id: str, caller: Caller = Depends(staff_scope(WRITE_ACCOUNTS))
) -> Response:
    params = await Params.read(request)
    kind = params.required_text("type", max_length=32)
    await container(request).moderation_actions.do_account_action(
        account_of(caller).id,
        path_id(account_id),
        kind,
        text=params.text("text", default="", max_length=MAX_TEXT_CHARS) or "",
        report_id=params.id("report_id"),
    )
    return json_response({})


def _undo_route(kind: str, summary: str) -> None:
    @router.post(
        f"/api/v1/admin/accounts/{{account_id}}/{kind}",
        name=f"admin_account_{kind}",
        **doc(summary, returns="AdminAccount", scope=WRITE_ACCOUNTS, errors=STAFF_ONLY),
    )
    async def undo(
        request: Request, account_id: str, caller: Caller = Depends(staff_scope(WRITE_ACCOUNTS))
    ) -> Response:
        found = await container(request).moderation_actions.do_undo(
            account_of(caller).id, path_id(account_id), kind
        )
        return admin_account_response(request, found)


for _kind, _summary in (
    ("enable", "Moderators: let a disabled account sign in again"),
    ("unsilence", "Moderators: lift a limit"),
    ("unsuspend", "Moderators: lift a suspension (within 30 days: everything comes back)"),
    ("unsensitive", "Moderators: stop forcing the account's media behind a warning"),
):
    assert _kind in UNDO_ACTIONS
    _undo_route(_kind, _summary)


@router.delete(
    "/api/v1/admin/accounts/{account_id}",
    **doc(
        "Moderators: delete a suspended account's data, all of it, at once (otherwise it goes "
        "30 days after the suspension). Answers the account as it was",
        returns="AdminAccount",
        scope=WRITE_ACCOUNTS,
        errors=STAFF_ONLY,
    ),
)
async def delete_account(
    request: Request, account_id: str, caller: Caller = Depends(staff_scope(WRITE_ACCOUNTS))
) -> Response:
    c, target = container(request), path_id(account_id)
    found = await c.moderation_reads.account(account_of(caller), target)
    await c.account_deletion.do_delete_by_staff(account_of(caller).id, target)
    return admin_account_response(request, found)


@router.post(
    "/api/v1/admin/accounts/{account_id}/reject",
    **doc(
        "Moderators: turn down a sign-up that waits for approval (the account is deleted). "
        "Answers the account as it was",
        returns="AdminAccount",
        scope=WRITE_ACCOUNTS,
        errors=STAFF_ONLY,
    ),
)
async def reject(
    request: Request, account_id: str, caller: Caller = Depends(staff_scope(WRITE_ACCOUNTS))
) -> Response:
    c, target = container(request), path_id(account_id)
    found = await c.moderation_reads.account(account_of(caller), target)
    await c.account_deletion.do_reject(account_of(caller).id, target)
    return admin_account_response(request, found)


@router.post(
    "/api/v1/admin/accounts/{account_id}/approve",
    **doc(
        "Moderators: approve a sign-up that waits for approval",
        returns="AdminAccount",
        scope=WRITE_ACCOUNTS,
        errors=STAFF_ONLY,
    ),
)
async def approve(
    request: Request, account_id: str, caller: Caller = Depends(staff_scope(WRITE_ACCOUNTS))
) -> Response:
    found = await container(request).moderation_actions.do_approve(
        account_of(caller).id, path_id(account_id)
    )
    return admin_account_response(request, found)


# --------------------------------------------------------------------------------- reports


@router.get(
    "/api/v1/admin/reports",
    **doc(
        "Moderators: reports, newest first; resolved (false by default) and the filer "
        "(account_id) or the reported account (target_account_id)",
        returns="AdminReport[]",
        scope=READ_REPORTS,
        query={"resolved": BOOL, "account_id": ID, "target_account_id": ID},
        paged=True,
        errors=STAFF_ONLY,
    ),
)
async def reports(
    request: Request, caller: Caller = Depends(staff_scope(READ_REPORTS))
) -> Response:
    params = await Params.read(request)
    query = ReportQuery(
        resolved=bool(params.flag("resolved", default=False)),
        account_id=params.id("account_id"),
        target_account_id=params.id("target_account_id"),
    )
    page = page_from(params, default=100, maximum=ADMIN_PAGE_LIMIT)
    view = await container(request).moderation_reads.reports(account_of(caller), query, page)
    body = render_admin_reports(view, base_url(request), media_url(request))
    return json_response(body, headers=link_header(request, view.cursor_ids))


@router.get(
    "/api/v1/admin/reports/{report_id}",
    **doc("Moderators: one report", returns="AdminReport", scope=READ_REPORTS, errors=STAFF_ONLY),
)
async def report(
    request: Request, report_id: str, caller: Caller = Depends(staff_scope(READ_REPORTS))
) -> Response:
    view = await container(request).moderation_reads.report(account_of(caller), path_id(report_id))
    return json_response(render_admin_reports(view, base_url(request), media_url(request))[0])


async def _report_answer(request: Request, caller: Caller, found: Report) -> Response:
    view = await container(request).moderation_reads.view_of(account_of(caller), found)
    return json_response(render_admin_reports(view, base_url(request), media_url(request))[0])


@router.put(
    "/api/v1/admin/reports/{report_id}",
    **doc(
        "Moderators: change a report's category",
        returns="AdminReport",
        scope=WRITE_REPORTS,
        body={"category": {"type": "string", "enum": [c.value for c in ReportCategory]}},
        errors=STAFF_ONLY,
    ),
)
async def update_report(
    request: Request, report_id: str, caller: Caller = Depends(staff_scope(WRITE_REPORTS))
) -> Response:
    params = await Params.read(request)
    found = await container(request).moderation_actions.do_recategorise(
        account_of(caller).id,
        path_id(report_id),
        params.required_text("category", max_length=32),
    )
    return await _report_answer(request, caller, found)


@router.post(
    "/api/v1/admin/reports/{report_id}/assign_to_self",
    **doc(
        "Moderators: take a report", returns="AdminReport", scope=WRITE_REPORTS, errors=STAFF_ONLY
    ),
)
async def assign_to_self(
    request: Request, report_id: str, caller: Caller = Depends(staff_scope(WRITE_REPORTS))
) -> Response:
    found = await container(request).moderation_actions.do_assign(
        account_of(caller).id, path_id(report_id), to_self=True
    )
    return await _report_answer(request, caller, found)


@router.post(
    "/api/v1/admin/reports/{report_id}/unassign",
    **doc(
        "Moderators: give a report back to the queue",
        returns="AdminReport",
        scope=WRITE_REPORTS,
        errors=STAFF_ONLY,
    ),
)
async def unassign(
    request: Request, report_id: str, caller: Caller = Depends(staff_scope(WRITE_REPORTS))
) -> Response:
    found = await container(request).moderation_actions.do_assign(
        account_of(caller).id, path_id(report_id), to_self=False
    )
    return await _report_answer(request, caller, found)


@router.post(
    "/api/v1/admin/reports/{report_id}/resolve",
    **doc(
        "Moderators: mark a report resolved",
        returns="AdminReport",
        scope=WRITE_REPORTS,
        errors=STAFF_ONLY,
    ),
)
async def resolve(
    request: Request, report_id: str, caller: Caller = Depends(staff_scope(WRITE_REPORTS))
) -> Response:
    found = await container(request).moderation_actions.do_resolve(
        account_of(caller).id, path_id(report_id), resolved=True
    )
    return await _report_answer(request, caller, found)


@router.post(
    "/api/v1/admin/reports/{report_id}/reopen",
    **doc(
        "Moderators: reopen a resolved report",
        returns="AdminReport",
        scope=WRITE_REPORTS,
        errors=STAFF_ONLY,
    ),
)
async def reopen(
    request: Request, report_id: str, caller: Caller = Depends(staff_scope(WRITE_REPORTS))
) -> Response:
    found = await container(request).moderation_actions.do_resolve(
        account_of(caller).id, path_id(report_id), resolved=False
    )
    return await _report_answer(request, caller, found)


# ------------------------------------------------------------------------------ dashboard


def _day_param(params: Params, name: str) -> date:
    raw = (params.text(name, max_length=40) or "").strip()
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise ValidationFailed(f"Validation failed: {name} must be a date (YYYY-MM-DD)") from None


@router.post(
    "/api/v1/admin/measures",
    **doc(
        "Moderators: figures per day for the dashboard (Mastodon's measures): keys[] of "
        f"{', '.join(MEASURES)}; start_at and end_at are UTC days (both included)",
        returns="AdminMeasure[]",
        scope=READ_ACCOUNTS,
        body={
            "keys": array({"type": "string", "enum": list(MEASURES)}),
            "start_at": text("2026-11-01"),
            "end_at": text("2026-11-28"),
        },
        required=("keys", "start_at", "end_at"),
        errors=STAFF_ONLY,
    ),
)
async def measures(
    request: Request, caller: Caller = Depends(staff_scope(READ_ACCOUNTS))
) -> Response:
    params = await Params.read(request)
    keys = params.strings("keys")
    if not keys:
        raise ValidationFailed("Validation failed: keys can't be blank")
    found = await container(request).moderation_reads.measures(
        account_of(caller), keys, _day_param(params, "start_at"), _day_param(params, "end_at")
    )
    return json_response(
        [
            {
                "key": m.key,
                "unit": None,
                "total": str(m.total),
                "previous_total": str(m.previous_total),
                "data": [
                    {"date": f"{day.isoformat()}T00:00:00Z", "value": str(n)} for day, n in m.days
                ],
            }
            for m in found
        ]
    )
