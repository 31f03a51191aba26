"""The server's settings in the moderation console: its rules (`/admin/rules`: sign-up mode,
the new-account throttle, the link blocklist, hidden keywords and domains), blocked e-mail
domains, invites, and the hot topics to hide or show again.

They read through `ServerReads` and `TrendReads` and change through `ServerActions` and
`TrendActions`, which check the role (the rules: admins only; the rest: moderators too) and
write the audit log; policy/spam.py checks every value. As on the console's other pages
(web/admin.py), a change answers 303 back to its page, and a rejected one the page again with
the message and what was typed, and a 422, having written nothing."""

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from myna.actions.server import MAX_INVITE_DAYS, MAX_INVITE_USES
from myna.config import Settings
from myna.lib.clock import as_utc, utcnow
from myna.lib.errors import ValidationFailed
from myna.lib.ids import parse_id
from myna.models import Account, Invite
from myna.policy import moderation as roles
from myna.policy import spam
from myna.web import render, session
from myna.web.admin import console_page, staff
from myna.web.render import WebRoute

router = APIRouter(include_in_schema=False, route_class=WebRoute)

LISTS = ("link_blocklist", "hidden_keywords", "hidden_domains")
NUMBERS = ("new_account_hours", "new_account_posts_per_hour")
# What a list's textarea keeps of what was typed: more than a full list of the longest entries.
LIST_CHARS = (spam.MAX_ENTRY + 2) * (spam.MAX_LIST + 1)
DOMAIN_CHARS = 253
NUMBER_CHARS = 12
LIMIT_CHARS = 100

# The rules' refusals name a setting by its stored key; the page says which field instead.
_NOT_A_DOMAIN = re.compile(r"Validation failed: (.+) is not a domain")
_ENTRY_TOO_LONG = re.compile(r"Validation failed: (\w+) entries are at most (\d+) characters")
_TOO_MANY = re.compile(r"Validation failed: (\w+) holds at most (\d+) entries")
_OUT_OF_RANGE = re.compile(
    r"Validation failed: (\w+) must be (?:a whole number )?from (\d+) to (\d+)"
)
_BAD_MODE = "Validation failed: registrations must be one of"
_BAD_EMAIL_DOMAIN = "Validation failed: domain is not a domain"


def _labels(_: Callable[[str], str]) -> dict[str, str]:
    return {
        "new_account_hours": _("Hours an account counts as new"),
        "new_account_posts_per_hour": _("Posts per hour a new account may write"),
        "link_blocklist": _("Blocked link domains"),
        "hidden_keywords": _("Hidden keywords"),
        "hidden_domains": _("Hidden domains"),
        "max_uses": _("Uses"),
        "expires_in_days": _("Days until it expires"),
    }


def _refusal(request: Request, message: str) -> str:
    """A rejected setting, named as the form names it, in the reader's language."""
    _ = render.translator(request)
    labels = _labels(_)
    if message.startswith(_BAD_MODE):
        return _("Choose how people sign up.")
    if match := _NOT_A_DOMAIN.fullmatch(message):
        return _("“%(entry)s” is not a domain.") % {"entry": match.group(1)}
    if (match := _ENTRY_TOO_LONG.fullmatch(message)) and match.group(1) in labels:
        field, n = labels[match.group(1)], match.group(2)
        return _("%(field)s: each line holds at most %(n)s characters.") % {"field": field, "n": n}
    if (match := _TOO_MANY.fullmatch(message)) and match.group(1) in labels:
        field, n = labels[match.group(1)], match.group(2)
        return _("%(field)s: at most %(n)s lines.") % {"field": field, "n": n}
    if (match := _OUT_OF_RANGE.fullmatch(message)) and match.group(1) in labels:
        return _("%(field)s: a whole number from %(low)s to %(high)s.") % {
            "field": labels[match.group(1)],
            "low": match.group(2),
            "high": match.group(3),
        }
    return render.refusal(request, message)


async def _admin_page(
    request: Request, name: str, section: str, status: int = 200, **context: Any
) -> HTMLResponse:
    context.setdefault("saved", request.query_params.get("saved") == "1")
    return await console_page(request, name, section, status, **context)


# The rules


def _rate_defaults(settings: Settings) -> dict[str, str]:
    """The server's own limit per bucket (MYNA_RATE_LIMIT_*), shown beside the fields."""
    return {b: getattr(settings, f"rate_limit_{b}") for b in spam.RATE_LIMIT_BUCKETS}


def _rule_fields(rules: spam.ServerRules) -> dict[str, str]:
    """The form's fields as the rules are now."""
    fields = {key: str(getattr(rules, key)) for key in NUMBERS}
    fields.update({key: "\n".join(getattr(rules, key)) for key in LISTS})
    fields["registrations"] = rules.registrations
    limits = dict(rules.rate_limits)
    fields.update({f"rate_{b}": limits.get(b, "") for b in spam.RATE_LIMIT_BUCKETS})
    return fields


def _typed_rules(form: FormData) -> dict[str, str]:
    fields = {key: render.text(form, key).strip()[:NUMBER_CHARS] for key in NUMBERS}
    fields.update({key: render.text(form, key)[:LIST_CHARS] for key in LISTS})
    fields["registrations"] = render.text(form, "registrations")[:32]
    fields.update(
        {
            f"rate_{b}": render.text(form, f"rate_{b}").strip()[:LIMIT_CHARS]
            for b in spam.RATE_LIMIT_BUCKETS
        }
    )
    return fields


def _rules_change(fields: dict[str, str]) -> dict[str, Any]:
    """The change to ask for. A number that is not one goes as typed, for the rules to refuse
    with their message (policy/spam.py holds the limits)."""
    change: dict[str, Any] = {"registrations": fields["registrations"]}
    for key in NUMBERS:
        raw = fields[key]
        change[key] = int(raw) if raw.isascii() and raw.isdigit() else raw
    for key in LISTS:
        change[key] = fields[key].splitlines()
    change["rate_limits"] = {b: fields[f"rate_{b}"] for b in spam.RATE_LIMIT_BUCKETS}
    return change


async def _rules_page(
    request: Request, viewer: Account, status: int = 200, **context: Any
) -> HTMLResponse:
    if "fields" not in context:
        rules = await session.container(request).server_reads.rules(viewer)
        context["fields"] = _rule_fields(rules)
    return await _admin_page(
        request,
        "admin_rules.html",
        "rules",
        status,
        may_edit=roles.is_admin(viewer),
        modes=[m.value for m in spam.SignUpMode],
        operator_closed=not session.container(request).settings.registrations_open,
        max_list=spam.MAX_LIST,
        rate_defaults=_rate_defaults(session.container(request).settings),
        rate_limits_on=session.container(request).settings.rate_limits_enabled,
        max_entry=spam.MAX_ENTRY,
        **context,
    )


@router.get("/admin/rules")
async def rules_page(request: Request) -> Response:
    return await _rules_page(request, await staff(request))


@router.post("/web/admin/rules")
async def save_rules(request: Request) -> Response:
    viewer = await render.me(request)
    form = await render.form(request)
    fields = _typed_rules(form)
    c = session.container(request)
    try:
        saved = await c.server_actions.do_change_rules(viewer.id, _rules_change(fields))
    except ValidationFailed as rejected:
        error = _refusal(request, rejected.message)
        return await _rules_page(request, viewer, 422, error=error, fields=fields)
    c.rate_limiter.override(dict(saved.rate_limits))  # here at once; elsewhere within seconds
    return render.redirect("/admin/rules?saved=1")


# Blocked e-mail domains


async def _domains_page(
    request: Request, viewer: Account, status: int = 200, **context: Any
) -> HTMLResponse:
    blocks = await session.container(request).server_reads.email_domain_blocks(viewer)
    context.setdefault("domain", "")
    return await _admin_page(
        request,
        "admin_email_domains.html",
        "email_domains",
        status,
        blocks=blocks,
        domain_max=DOMAIN_CHARS,
        **context,
    )


@router.get("/admin/email_domain_blocks")
async def email_domain_blocks(request: Request) -> Response:
    return await _domains_page(request, await staff(request))


@router.post("/web/admin/email_domain_blocks")
async def block_email_domain(request: Request) -> Response:
    viewer = await render.me(request)
    form = await render.form(request)
    domain = render.text(form, "domain").strip()[: DOMAIN_CHARS + 1]
    try:
        await session.container(request).server_actions.do_block_email_domain(viewer.id, domain)
    except ValidationFailed as rejected:
        _ = render.translator(request)
        if not domain:
            error = _("Enter a domain, such as spam.example.")
        elif rejected.message == _BAD_EMAIL_DOMAIN:
            error = _("“%(entry)s” is not a domain.") % {"entry": domain}
        else:
            error = _refusal(request, rejected.message)
        return await _domains_page(request, viewer, 422, error=error, domain=domain)
    return render.redirect("/admin/email_domain_blocks")


@router.post("/web/admin/email_domain_blocks/{block_id}/delete")
async def unblock_email_domain(request: Request, block_id: str) -> Response:
    viewer = await render.me(request)
    await render.form(request)
    await session.container(request).server_actions.do_unblock_email_domain(
        viewer.id, render.path_id(block_id)
    )
    return render.redirect("/admin/email_domain_blocks")


# Invites


def invite_state(invite: Invite, now: datetime) -> str:
    """Whether the invite still lets someone sign up, else why not."""
    if spam.invite_usable(invite, now):
        return "usable"
    if invite.revoked_at is not None:
        return "revoked"
    if invite.expires_at is not None and as_utc(invite.expires_at) <= now:
        return "expired"
    return "used_up"


def _whole(request: Request, raw: str, key: str, high: int) -> int | None:
    """An optional whole number from the form: empty is None (no limit)."""
    if not raw:
        return None
    if raw.isascii() and raw.isdigit():
        return int(raw)
    _ = render.translator(request)
    raise ValidationFailed(
        _("%(field)s: a whole number from %(low)s to %(high)s.")
        % {"field": _labels(_)[key], "low": 1, "high": high}
    )


async def _invites_page(
    request: Request, viewer: Account, status: int = 200, **context: Any
) -> HTMLResponse:
    c = session.container(request)
    invites = await c.server_reads.invites(viewer)
    now = utcnow()
    context.setdefault("fields", {"max_uses": "", "expires_in_days": ""})
    return await _admin_page(
        request,
        "admin_invites.html",
        "invites",
        status,
        invites=[(invite, invite_state(invite, now)) for invite in invites],
        created=parse_id(request.query_params.get("created")),
        base_url=c.settings.base_url.rstrip("/"),
        max_uses=MAX_INVITE_USES,
        max_days=MAX_INVITE_DAYS,
        invite_mode=(await c.server_reads.sign_up()).invite_required,
        **context,
    )


@router.get("/admin/invites")
async def invites(request: Request) -> Response:
    return await _invites_page(request, await staff(request))


@router.post("/web/admin/invites")
async def create_invite(request: Request) -> Response:
    viewer = await render.me(request)
    form = await render.form(request)
    fields = {
        key: render.text(form, key).strip()[:NUMBER_CHARS]
        for key in ("max_uses", "expires_in_days")
    }
    try:
        invite = await session.container(request).server_actions.do_create_invite(
            viewer.id,
            max_uses=_whole(request, fields["max_uses"], "max_uses", MAX_INVITE_USES),
            expires_in_days=_whole(
                request, fields["expires_in_days"], "expires_in_days", MAX_INVITE_DAYS
            ),
        )
    except ValidationFailed as rejected:
        error = _refusal(request, rejected.message)
        return await _invites_page(request, viewer, 422, error=error, fields=fields)
    return render.redirect(f"/admin/invites?created={invite.id}#invite-{invite.id}")


@router.post("/web/admin/invites/{invite_id}/revoke")
async def revoke_invite(request: Request, invite_id: str) -> Response:
    viewer = await render.me(request)
    await render.form(request)
    await session.container(request).server_actions.do_revoke_invite(
        viewer.id, render.path_id(invite_id)
    )
    return render.redirect("/admin/invites")


# Hot topics: the board as admins see it, hidden topics included. Hiding and showing again
# post to the hot page's own forms (web/discovery.py), which come back here.


@router.get("/admin/topics")
async def topics(request: Request) -> Response:
    viewer = await staff(request)
    c = session.container(request)
    found = await c.trend_reads.admin_tags(viewer)
    rules = await c.server_reads.rules(viewer)
    return await _admin_page(
        request,
        "admin_topics.html",
        "topics",
        shown=[view.tag for view in found if not view.hidden],
        hidden=[view.tag for view in found if view.hidden],
        by_keyword={view.tag.id for view in found if spam.tag_hidden(rules, view.tag.name)},
    )
