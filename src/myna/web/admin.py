"""The moderation console (`/admin`) for moderators and admins: the overview with its
dashboard (web/dashboard.py), reports, accounts and the audit log; and the "Report" form that
anyone signed in finds under a post. The server's settings pages are web/admin_settings.py.

The console reads through `ModerationReads` and acts through `ModerationActions`, which check
the role and write the audit log: these routes only choose which forms to offer. Signed-out
visitors are sent to sign in; anyone else who is not staff gets the 403 page. A change answers
303 back to the page (POST-redirect-GET); a rejected one answers the page again with the
message and a 422, having written nothing (docs/web.md, The moderation console)."""

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from myna.actions.moderation import (
    ACCOUNT_ACTIONS,
    MAX_COMMENT_CHARS,
    MAX_TEXT_CHARS,
    MAX_VERIFIED_REASON_CHARS,
    UNDO_ACTIONS,
    NewReport,
)
from myna.lib.clock import utcnow
from myna.lib.errors import NotFound, ValidationFailed
from myna.lib.ids import parse_id
from myna.lib.paging import Page
from myna.models import Account, AccountRole, ReportCategory
from myna.policy import moderation as rules
from myna.store.moderation import AccountQuery, ReportQuery
from myna.web import dashboard, render, session
from myna.web.render import WebRoute

router = APIRouter(include_in_schema=False, route_class=WebRoute)

PAGE_SIZE = 20
ACCOUNT_REPORTS = 10  # an account's page lists its newest reports
FILTER_MAX = 30  # a username is at most 30 characters
# The account list's state filter: Mastodon's admin filters (store/moderation.py AccountQuery).
STATES = ("active", "pending", "disabled", "silenced", "suspended", "sensitized")
ROLES = tuple(r.value for r in AccountRole)


async def staff(request: Request) -> Account:
    """The signed-in moderator or admin; sign in first, else the 403 page (the console's
    other pages, web/admin_settings.py, use it too)."""
    viewer = await render.me(request)
    rules.check_staff(viewer)
    return viewer


async def console_page(
    request: Request, name: str, section: str, status: int = 200, **context: Any
) -> HTMLResponse:
    context.setdefault("error", None)
    return await render.render(
        request,
        name,
        status,
        section=section,
        action_kinds=list(ACCOUNT_ACTIONS),
        text_max=MAX_TEXT_CHARS,
        **context,
    )


def _older(path: str, ids: list[int], params: dict[str, str]) -> str:
    """The "Older" link of a full page, keeping the page's filters."""
    if len(ids) < PAGE_SIZE:
        return ""
    return f"{path}?{urlencode({**params, 'max_id': ids[-1]})}"


# Overview


@router.get("/admin")
async def overview(request: Request) -> Response:
    """The overview, with the dashboard's charts of the last `?days=` (7, 30 or 90) days."""
    viewer = await staff(request)
    c = session.container(request)
    days = dashboard.period_of(request.query_params.get("days"))
    return await console_page(
        request,
        "admin_overview.html",
        "overview",
        open_reports=await c.moderation_reads.open_count(viewer),
        admin=rules.is_admin(viewer),
        days=days,
        periods=dashboard.PERIODS,
        panels=await dashboard.panels(c.moderation_reads, viewer, days, utcnow().date()),
    )


# Reports


@router.get("/admin/reports")
async def reports(request: Request) -> Response:
    viewer = await staff(request)
    c = session.container(request)
    resolved = request.query_params.get("resolved") == "1"
    target = parse_id(request.query_params.get("account"))
    query = ReportQuery(resolved=resolved, target_account_id=target)
    view = await c.moderation_reads.reports(
        viewer, query, Page(max_id=render.max_id(request), limit=PAGE_SIZE)
    )
    params = {"resolved": "1"} if resolved else {}
    if target is not None:
        params["account"] = str(target)
    return await console_page(
        request,
        "admin_reports.html",
        "reports",
        view=view,
        resolved=resolved,
        target=view.accounts.get(target) if target is not None else None,
        target_id=target,
        older=_older("/admin/reports", view.cursor_ids, params),
        paged=render.max_id(request) is not None,
    )


async def _report_page(
    request: Request,
    viewer: Account,
    report_id: int,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    view = await session.container(request).moderation_reads.report(viewer, report_id)
    report = view.reports[0]
    target = view.accounts[report.target_account_id]
    context.setdefault("note", "")
    context.setdefault("chosen", "")
    return await console_page(
        request,
        "admin_report.html",
        "reports",
        status,
        view=view,
        report=report,
        target=target,
        may_act=rules.outranks(viewer, target),
        **context,
    )


@router.get("/admin/reports/{report_id}")
async def report(request: Request, report_id: str) -> Response:
    viewer = await staff(request)
    return await _report_page(request, viewer, render.path_id(report_id))


async def _report_change(request: Request, report_id: str, what: str) -> Response:
    viewer = await render.me(request)
    form = await render.form(request)
    rid = render.path_id(report_id)
    actions = session.container(request).moderation_actions
    if what in ("assign", "unassign"):
        await actions.do_assign(viewer.id, rid, to_self=what == "assign")
    else:
        await actions.do_resolve(viewer.id, rid, resolved=what == "resolve")
    return render.back(request, form, f"/admin/reports/{rid}")


@router.post("/web/admin/reports/{report_id}/assign")
async def assign(request: Request, report_id: str) -> Response:
    return await _report_change(request, report_id, "assign")


@router.post("/web/admin/reports/{report_id}/unassign")
async def unassign(request: Request, report_id: str) -> Response:
    return await _report_change(request, report_id, "unassign")


@router.post("/web/admin/reports/{report_id}/resolve")
async def resolve(request: Request, report_id: str) -> Response:
    return await _report_change(request, report_id, "resolve")


@router.post("/web/admin/reports/{report_id}/reopen")
async def reopen(request: Request, report_id: str) -> Response:
    return await _report_change(request, report_id, "reopen")


def _action_fields(form: FormData) -> tuple[str, str]:
    return render.text(form, "type")[:32], render.text(form, "text")[: MAX_TEXT_CHARS + 1]


@router.post("/web/admin/reports/{report_id}/action")
async def report_action(request: Request, report_id: str) -> Response:
    """An action on the reported account that resolves the report (and the account's other
    open reports)."""
    viewer = await render.me(request)
    form = await render.form(request)
    rid = render.path_id(report_id)
    c = session.container(request)
    view = await c.moderation_reads.report(viewer, rid)
    kind, note = _action_fields(form)
    try:
        await c.moderation_actions.do_account_action(
            viewer.id, view.reports[0].target_account_id, kind, text=note, report_id=rid
        )
    except ValidationFailed as rejected:
        error = render.refusal(request, rejected.message)
        return await _report_page(request, viewer, rid, 422, error=error, note=note, chosen=kind)
    return render.redirect(f"/admin/reports/{rid}")


# Accounts


@router.get("/admin/accounts")
async def accounts(request: Request) -> Response:
    viewer = await staff(request)
    state = request.query_params.get("status", "")
    state = state if state in STATES else ""
    username = request.query_params.get("username", "").strip().lstrip("@")[:FILTER_MAX]
    query = AccountQuery(status=state or None, username=username or None)
    found = await session.container(request).moderation_reads.accounts(
        viewer, query, Page(max_id=render.max_id(request), limit=PAGE_SIZE)
    )
    params = {k: v for k, v in (("status", state), ("username", username)) if v}
    return await console_page(
        request,
        "admin_accounts.html",
        "accounts",
        accounts=found,
        states=STATES,
        state=state,
        username=username,
        older=_older("/admin/accounts", [a.id for a in found], params),
        paged=render.max_id(request) is not None,
    )


async def _account_page(
    request: Request, viewer: Account, account_id: int, status: int = 200, **context: Any
) -> HTMLResponse:
    reads = session.container(request).moderation_reads
    account = await reads.account(viewer, account_id)
    reported = await reads.reports(
        viewer, ReportQuery(target_account_id=account.id), Page(limit=ACCOUNT_REPORTS)
    )
    context.setdefault("note", "")
    context.setdefault("chosen", "")
    context.setdefault("reason", "")
    return await console_page(
        request,
        "admin_account.html",
        "accounts",
        status,
        account=account,
        reported=reported,
        may_act=rules.outranks(viewer, account),
        may_set_role=rules.is_admin(viewer) and account.id != viewer.id,
        roles=ROLES,
        reason_max=MAX_VERIFIED_REASON_CHARS,
        **context,
    )


@router.get("/admin/accounts/{account_id}")
async def account(request: Request, account_id: str) -> Response:
    viewer = await staff(request)
    return await _account_page(request, viewer, render.path_id(account_id))


async def _account_change(request: Request, account_id: str, what: str) -> Response:
    """One change to an account, then back to its page; a rejected one shows the page again
    with the message and what was typed."""
    viewer = await render.me(request)
    form = await render.form(request)
    target = render.path_id(account_id)
    actions = session.container(request).moderation_actions
    kind, note = _action_fields(form)
    reason = render.text(form, "reason")[: MAX_VERIFIED_REASON_CHARS + 1]
    try:
        if what == "action":
            await actions.do_account_action(viewer.id, target, kind, text=note)
        elif what in UNDO_ACTIONS:
            await actions.do_undo(viewer.id, target, what)
        elif what == "approve":
            await actions.do_approve(viewer.id, target)
        elif what == "verify":
            await actions.do_verify(viewer.id, target, reason)
        elif what == "unverify":
            await actions.do_verify(viewer.id, target, None)
        elif what == "role":
            await actions.do_set_role(viewer.id, target, render.text(form, "role")[:32])
    except ValidationFailed as rejected:
        error = render.refusal(request, rejected.message)
        return await _account_page(
            request, viewer, target, 422, error=error, note=note, chosen=kind, reason=reason
        )
    return render.redirect(f"/admin/accounts/{target}")


@router.post("/web/admin/accounts/{account_id}/{what}")
async def account_change(request: Request, account_id: str, what: str) -> Response:
    if what not in {"action", "approve", "verify", "unverify", "role", *UNDO_ACTIONS}:
        raise NotFound()
    return await _account_change(request, account_id, what)


# The audit log


@router.get("/admin/audit")
async def audit(request: Request) -> Response:
    viewer = await staff(request)
    entries = await session.container(request).moderation_reads.audit_log(
        viewer, Page(max_id=render.max_id(request), limit=PAGE_SIZE)
    )
    return await console_page(
        request,
        "admin_audit.html",
        "audit",
        entries=entries,
        older=_older("/admin/audit", [e.id for e in entries], {}),
        paged=render.max_id(request) is not None,
    )


# Reporting a post (anyone signed in)


@router.post("/web/statuses/{status_id}/report")
async def report_status(request: Request, status_id: str) -> Response:
    """A report about a post, from the form under it; then back to the post, which thanks
    the reporter."""
    viewer = await render.me(request)
    form = await render.form(request)
    c = session.container(request)
    bundle = await c.status_reads.one(viewer.id, render.path_id(status_id))
    if not bundle.statuses:
        raise NotFound()
    item = bundle.statuses[0]
    author = bundle.accounts.get(item.account_id)
    if author is None:
        raise NotFound()
    category = render.text(form, "category")[:32] or ReportCategory.OTHER
    try:
        await c.moderation_actions.do_report(
            viewer.id,
            NewReport(
                target_account_id=author.id,
                status_ids=[item.id],
                category=category,
                comment=render.text(form, "comment")[: MAX_COMMENT_CHARS + 1],
            ),
        )
    except ValidationFailed as rejected:
        _ = render.translator(request)
        shown = render.refusal(request, rejected.message)
        return await render.message(request, 422, _("That did not work"), shown, translate=False)
    return render.redirect(f"/@{author.username}/{item.id}?reported=1#report")
