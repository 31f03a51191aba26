"""Myna's additions to the admin API: the audit log, verified badges with their reason, and
roles; and, for a group's owner and admins, the reports about posts in their group."""

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from myna.actions.moderation import MAX_VERIFIED_REASON_CHARS
from myna.api.deps import account_of, base_url, container, media_url, scope, staff_scope
from myna.api.mastodon.admin import admin_account_response
from myna.api.openapi import INT, STR, array, doc, text
from myna.api.pagination import link_header, page_from
from myna.api.params import Params, path_id
from myna.api.responses import json_response
from myna.api.schemas.moderation import (
    render_admin_reports,
    render_audit_entry,
)
from myna.lib.clock import iso
from myna.models import AccountRole, EmailDomainBlock, Invite
from myna.policy import spam
from myna.reads.tokens import Caller

router = APIRouter(tags=["admin"])

READ = "admin:read"
READ_ACCOUNTS = "admin:read:accounts"
WRITE_ACCOUNTS = "admin:write:accounts"
STAFF_ONLY = (403,)


@router.get(
    "/api/v1/myna/admin/audit_log",
    **doc(
        "Moderators: the audit log, newest first: who did what to which account or report",
        returns="AuditEntry[]",
        scope=READ,
        paged=True,
        errors=STAFF_ONLY,
    ),
)
async def audit_log(request: Request, caller: Caller = Depends(staff_scope(READ))) -> Response:
    params = await Params.read(request)
    page = page_from(params, default=100, maximum=200)
    found = await container(request).moderation_reads.audit_log(account_of(caller), page)
    return json_response(
        [render_audit_entry(e) for e in found], headers=link_header(request, [e.id for e in found])
    )


@router.post(
    "/api/v1/myna/admin/accounts/{account_id}/verify",
    **doc(
        'Moderators: give an account the verified "V", with the reason its profile shows '
        f"(at most {MAX_VERIFIED_REASON_CHARS} characters)",
        returns="AdminAccount",
        scope=WRITE_ACCOUNTS,
        body={"reason": text("Official account of the Myna project")},
        required=("reason",),
        errors=STAFF_ONLY,
    ),
)
async def verify(
    request: Request, account_id: str, caller: Caller = Depends(staff_scope(WRITE_ACCOUNTS))
) -> Response:
    params = await Params.read(request)
    reason = params.required_text("reason", max_length=MAX_VERIFIED_REASON_CHARS * 4)
    found = await container(request).moderation_actions.do_verify(
        account_of(caller).id, path_id(account_id), reason
    )
    return admin_account_response(request, found)


@router.delete(
    "/api/v1/myna/admin/accounts/{account_id}/verify",
    **doc(
        'Moderators: take an account\'s "V" away',
        returns="AdminAccount",
        scope=WRITE_ACCOUNTS,
        errors=STAFF_ONLY,
    ),
)
async def unverify(
    request: Request, account_id: str, caller: Caller = Depends(staff_scope(WRITE_ACCOUNTS))
) -> Response:
    found = await container(request).moderation_actions.do_verify(
        account_of(caller).id, path_id(account_id), None
    )
    return admin_account_response(request, found)


@router.put(
    "/api/v1/myna/admin/accounts/{account_id}/role",
    **doc(
        "Admins: make an account a moderator, an admin, or neither (role empty)",
        returns="AdminAccount",
        scope=WRITE_ACCOUNTS,
        body={"role": {"type": "string", "enum": [r.value for r in AccountRole]}},
        required=("role",),
        errors=STAFF_ONLY,
    ),
)
async def set_role(
    request: Request, account_id: str, caller: Caller = Depends(staff_scope(WRITE_ACCOUNTS))
) -> Response:
    params = await Params.read(request)
    role = params.text("role", max_length=32)
    if role is None:
        role = params.required_text("role")
    found = await container(request).moderation_actions.do_set_role(
        account_of(caller).id, path_id(account_id), role
    )
    return admin_account_response(request, found)


@router.get(
    "/api/v1/groups/{group_id}/reports",
    **doc(
        "A group's owner and admins: the reports about posts in the group, newest first "
        "(the people in them as plain accounts)",
        returns="AdminReport[]",
        scope="read:follows",
        paged=True,
        errors=STAFF_ONLY,
    ),
)
async def group_reports(
    request: Request, group_id: str, caller: Caller = Depends(scope("read:follows"))
) -> Response:
    params = await Params.read(request)
    view = await container(request).moderation_reads.group_reports(
        account_of(caller).id, path_id(group_id), page_from(params)
    )
    body = render_admin_reports(view, base_url(request), media_url(request), staff=False)
    return json_response(body, headers=link_header(request, view.cursor_ids))


# ------------------------------------------------------------------------- server rules

RULES_SCHEMA = {
    "registrations": {"type": "string", "enum": [m.value for m in spam.SignUpMode]},
    "new_account_hours": INT,
    "new_account_posts_per_hour": INT,
    "link_blocklist": array(text("spam.example")),
    "hidden_keywords": array(text("代开发票")),
    "hidden_domains": array(text("casino.example")),
    "rate_limits": {
        "type": "object",
        "description": "bucket (token, app, ip, sign_up, statuses, media) -> limit such as "
        '"300/5 minutes", over the server\'s MYNA_RATE_LIMIT_* settings; "" keeps the setting',
    },
}


def render_rules(rules: spam.ServerRules) -> dict[str, Any]:
    out = {key: list(v) if isinstance(v, tuple) else v for key, v in asdict(rules).items()}
    out["rate_limits"] = dict(rules.rate_limits)
    return out


@router.get(
    "/api/v1/myna/admin/rules",
    **doc(
        "Moderators: the server's rules: sign-up mode, new-account throttle, link blocklist, "
        "and the keywords and domains kept out of public places",
        returns="ServerRules",
        scope=READ,
        errors=STAFF_ONLY,
    ),
)
async def get_rules(request: Request, caller: Caller = Depends(staff_scope(READ))) -> Response:
    found = await container(request).server_reads.rules(account_of(caller))
    return json_response(render_rules(found))


@router.put(
    "/api/v1/myna/admin/rules",
    **doc(
        "Admins: change some of the server's rules (the others stay). Lists replace the "
        "stored list; domains are stored without scheme or path, keywords lower-cased",
        returns="ServerRules",
        scope="admin:write",
        body=RULES_SCHEMA,
        errors=STAFF_ONLY,
    ),
)
async def put_rules(
    request: Request, caller: Caller = Depends(staff_scope("admin:write"))
) -> Response:
    params = await Params.read(request)
    change: dict[str, Any] = {}
    for key in spam.KEYS:
        if not params.has(key):
            continue
        if key in ("new_account_hours", "new_account_posts_per_hour"):
            change[key] = params.integer(key, minimum=0)
        elif key == "registrations":
            change[key] = params.text(key, max_length=32)
        elif key == "rate_limits":
            change[key] = {
                bucket: params.text(f"rate_limits[{bucket}]", max_length=100) or ""
                for bucket in spam.RATE_LIMIT_BUCKETS
                if params.has(f"rate_limits[{bucket}]")
            } or params.raw(key)
        else:
            # A list (JSON, or key[] form fields), or one text of lines (the console's form).
            raw = params.raw(key)
            change[key] = raw.splitlines() if isinstance(raw, str) else params.strings(key)
    c = container(request)
    found = await c.server_actions.do_change_rules(account_of(caller).id, change)
    c.rate_limiter.override(dict(found.rate_limits))  # here at once; elsewhere within seconds
    return json_response(render_rules(found))


def render_email_block(block: EmailDomainBlock) -> dict[str, Any]:
    return {
        "id": str(block.id),
        "domain": block.domain,
        "created_at": iso(block.created_at),
        "history": [],
    }


@router.get(
    "/api/v1/admin/email_domain_blocks",
    **doc(
        "Moderators: the e-mail domains nobody signs up with",
        returns="EmailDomainBlock[]",
        scope=READ_ACCOUNTS,
        errors=STAFF_ONLY,
    ),
)
async def email_blocks(
    request: Request, caller: Caller = Depends(staff_scope(READ_ACCOUNTS))
) -> Response:
    found = await container(request).server_reads.email_domain_blocks(account_of(caller))
    return json_response([render_email_block(b) for b in found])


@router.get(
    "/api/v1/admin/email_domain_blocks/{block_id}",
    **doc(
        "Moderators: one blocked e-mail domain",
        returns="EmailDomainBlock",
        scope=READ_ACCOUNTS,
        errors=STAFF_ONLY,
    ),
)
async def email_block(
    request: Request, block_id: str, caller: Caller = Depends(staff_scope(READ_ACCOUNTS))
) -> Response:
    found = await container(request).server_reads.email_domain_block(
        account_of(caller), path_id(block_id)
    )
    return json_response(render_email_block(found))


@router.post(
    "/api/v1/admin/email_domain_blocks",
    **doc(
        "Moderators: block sign-ups from an e-mail domain (and its subdomains)",
        returns="EmailDomainBlock",
        scope=WRITE_ACCOUNTS,
        body={"domain": text("spam.example")},
        required=("domain",),
        errors=STAFF_ONLY,
    ),
)
async def add_email_block(
    request: Request, caller: Caller = Depends(staff_scope(WRITE_ACCOUNTS))
) -> Response:
    params = await Params.read(request)
    found = await container(request).server_actions.do_block_email_domain(
        account_of(caller).id, params.required_text("domain", max_length=300)
    )
    return json_response(render_email_block(found))


@router.delete(
    "/api/v1/admin/email_domain_blocks/{block_id}",
    **doc(
        "Moderators: let an e-mail domain sign up again",
        returns="Empty",
        scope=WRITE_ACCOUNTS,
        errors=STAFF_ONLY,
    ),
)
async def remove_email_block(
    request: Request, block_id: str, caller: Caller = Depends(staff_scope(WRITE_ACCOUNTS))
) -> Response:
    await container(request).server_actions.do_unblock_email_domain(
        account_of(caller).id, path_id(block_id)
    )
    return json_response({})


def render_invite(invite: Invite, base: str) -> dict[str, Any]:
    return {
        "id": str(invite.id),
        "code": invite.code,
        "url": f"{base}/invite/{invite.code}",
        "uses": invite.uses,
        "max_uses": invite.max_uses,
        "expires_at": iso(invite.expires_at) if invite.expires_at else None,
        "revoked": invite.revoked_at is not None,
        "created_at": iso(invite.created_at),
    }


@router.get(
    "/api/v1/myna/admin/invites",
    **doc(
        "Moderators: the invites, newest first",
        returns="Invite[]",
        scope=READ_ACCOUNTS,
        errors=STAFF_ONLY,
    ),
)
async def invites(
    request: Request, caller: Caller = Depends(staff_scope(READ_ACCOUNTS))
) -> Response:
    found = await container(request).server_reads.invites(account_of(caller))
    base = base_url(request)
    return json_response([render_invite(i, base) for i in found])


@router.post(
    "/api/v1/myna/admin/invites",
    **doc(
        "Moderators: a new invite code (max_uses: 1-1000, none for unlimited; "
        "expires_in_days: 1-365, none for never)",
        returns="Invite",
        scope=WRITE_ACCOUNTS,
        body={"max_uses": INT, "expires_in_days": INT},
        errors=STAFF_ONLY,
    ),
)
async def create_invite(
    request: Request, caller: Caller = Depends(staff_scope(WRITE_ACCOUNTS))
) -> Response:
    params = await Params.read(request)
    found = await container(request).server_actions.do_create_invite(
        account_of(caller).id,
        max_uses=params.integer("max_uses"),
        expires_in_days=params.integer("expires_in_days"),
    )
    return json_response(render_invite(found, base_url(request)))


@router.delete(
    "/api/v1/myna/admin/invites/{invite_id}",
    **doc(
        "Moderators: revoke an invite (accounts it let in stay)",
        returns="Invite",
        scope=WRITE_ACCOUNTS,
        errors=STAFF_ONLY,
    ),
)
async def revoke_invite(
    request: Request, invite_id: str, caller: Caller = Depends(staff_scope(WRITE_ACCOUNTS))
) -> Response:
    found = await container(request).server_actions.do_revoke_invite(
        account_of(caller).id, path_id(invite_id)
    )
    return json_response(render_invite(found, base_url(request)))


@router.post(
    "/api/v1/myna/account/delete",
    **doc(
        "Delete your own account and everything of it (posts, media, relations, messages), "
        "for good: confirm with your password",
        returns="Empty",
        scope="write:accounts",
        body={"password": STR},
        required=("password",),
    ),
)
async def delete_own_account(
    request: Request, caller: Caller = Depends(scope("write:accounts"))
) -> Response:
    params = await Params.read(request)
    password = params.required_text("password", max_length=1000)
    await container(request).account_deletion.do_delete_own(account_of(caller).id, password)
    return json_response({})
