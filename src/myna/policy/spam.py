"""The server's spam defences and sign-up rules: what moderators set in the console, and the
checks and SQL filters that apply them (docs/moderation.md).

- Sign-up mode: `open`, `approval` (a moderator lets each new account in), `invite` (only with
  a valid invite code) or `closed`. MYNA_REGISTRATIONS_OPEN=false closes sign-ups whatever the
  console says.
- New-account throttle: for its first `new_account_hours`, an account may post at most
  `new_account_posts_per_hour` statuses an hour (0: no throttle).
- Link blocklist: a post linking to one of these domains (or their subdomains) is refused.
- Hidden keywords and domains: posts containing one (in their text or their links) stay out of
  public places (the public timeline, tag pages, search and hot topics); tags containing a
  keyword and links to such a domain do not trend. The posts themselves stay, for their
  audience.
- Rate limits: the platform's per-action limits (MYNA_RATE_LIMIT_*) can be changed here,
  bucket by bucket (`token`, `app`, `ip`, `sign_up`, `statuses`, `media`), in the limits
  notation ("300/5 minutes"); an empty value keeps the server's setting. They apply while rate
  limits are enabled (MYNA_RATE_LIMITS_ENABLED), within seconds in every process.
- Blocked e-mail domains (their own table): nobody signs up with an address there.
"""

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from limits import parse as parse_limit
from sqlalchemy import ColumnElement, and_, func, true
from sqlalchemy.ext.asyncio import AsyncSession

from myna.lib.clock import as_utc
from myna.lib.errors import Forbidden, ValidationFailed
from myna.models import Invite, Status
from myna.store import server as store


class SignUpMode(enum.StrEnum):
    OPEN = "open"
    APPROVAL = "approval"
    INVITE = "invite"
    CLOSED = "closed"


MAX_LIST = 500  # entries in a keyword or domain list
MAX_ENTRY = 100  # characters in one entry


@dataclass(frozen=True, slots=True)
class ServerRules:
    registrations: str = SignUpMode.OPEN
    new_account_hours: int = 24
    new_account_posts_per_hour: int = 0
    link_blocklist: tuple[str, ...] = ()
    hidden_keywords: tuple[str, ...] = ()
    hidden_domains: tuple[str, ...] = ()
    # bucket -> limit, overriding the server's settings (sorted pairs: the rules stay hashable)
    rate_limits: tuple[tuple[str, str], ...] = ()


# The rate-limit buckets the console may set (backends/ratelimit.py names them).
RATE_LIMIT_BUCKETS = ("token", "app", "ip", "sign_up", "statuses", "media")

DEFAULTS = ServerRules()
KEYS = tuple(ServerRules.__dataclass_fields__)
_LISTS = ("link_blocklist", "hidden_keywords", "hidden_domains")
_DOMAIN_LISTS = ("link_blocklist", "hidden_domains")


async def current_rules(session: AsyncSession) -> "ServerRules":
    """The rules as stored now (one small query)."""
    return rules_from(await store.settings(session))


def rules_from(stored: Mapping[str, Any]) -> ServerRules:
    """The rules from the stored values (unknown keys and bad values fall back to defaults:
    a console bug must never stop the server)."""
    try:
        return changed(DEFAULTS, {k: v for k, v in stored.items() if k in KEYS})
    except ValidationFailed:
        return DEFAULTS


def changed(current: ServerRules, change: Mapping[str, Any]) -> ServerRules:
    """`current` with `change` applied, every value checked (422 on the first bad one)."""
    values: dict[str, Any] = {}
    for key, value in change.items():
        if key not in KEYS:
            raise ValidationFailed(f"Validation failed: unknown setting {key}")
        if key == "registrations":
            if value not in set(SignUpMode):
                modes = ", ".join(m.value for m in SignUpMode)
                raise ValidationFailed(f"Validation failed: registrations must be one of {modes}")
            values[key] = SignUpMode(value).value
        elif key == "rate_limits":
            values[key] = _rate_limits(value)
        elif key in ("new_account_hours", "new_account_posts_per_hour"):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000:
                raise ValidationFailed(
                    f"Validation failed: {key} must be a whole number from 0 to 10000"
                )
            values[key] = value
        else:
            values[key] = _entries(key, value)
    return replace(current, **values)


def _entries(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValidationFailed(f"Validation failed: {key} must be a list of strings")
    out: list[str] = []
    for raw in value:
        entry = raw.strip().lower()
        if key in _DOMAIN_LISTS:
            entry = normal_domain(entry)
        if not entry or entry in out:
            continue
        if len(entry) > MAX_ENTRY:
            raise ValidationFailed(
                f"Validation failed: {key} entries are at most {MAX_ENTRY} characters"
            )
        if key in _DOMAIN_LISTS and ("." not in entry or " " in entry):
            raise ValidationFailed(f"Validation failed: {entry} is not a domain")
        out.append(entry)
    if len(out) > MAX_LIST:
        raise ValidationFailed(f"Validation failed: {key} holds at most {MAX_LIST} entries")
    return tuple(out)


def _rate_limits(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping):
        raise ValidationFailed("Validation failed: rate_limits must map buckets to limits")
    out: dict[str, str] = {}
    for bucket, raw in value.items():
        if bucket not in RATE_LIMIT_BUCKETS:
            names = ", ".join(RATE_LIMIT_BUCKETS)
            raise ValidationFailed(f"Validation failed: rate_limits buckets are {names}")
        if not isinstance(raw, str):
            raise ValidationFailed(f"Validation failed: the {bucket} limit must be text")
        text = raw.strip()
        if not text:
            continue  # the server's setting
        try:
            item = parse_limit(text)
        except ValueError:
            item = None
        if item is None or item.amount < 1:
            raise ValidationFailed(
                f"Validation failed: the {bucket} limit is not like 300/5 minutes"
            )
        out[bucket] = text
    return tuple(sorted(out.items()))


def as_stored(rules: ServerRules) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in KEYS:
        value = getattr(rules, key)
        if not value:
            continue
        if key == "rate_limits":
            out[key] = dict(value)
        else:
            out[key] = list(value) if key in _LISTS else value
    return out


def normal_domain(text: str) -> str:
    """`https://Spam.Example/x`, `*.spam.example`, `.spam.example.` -> `spam.example`."""
    text = text.strip().lower()
    if "://" in text:
        text = urlsplit(text).hostname or ""
    text = text.split("/", 1)[0].removeprefix("*.").strip(".")
    return text.encode("idna").decode("ascii") if not text.isascii() else text


def domain_of(url: str) -> str:
    try:
        return normal_domain(urlsplit(url).hostname or "")
    except (ValueError, UnicodeError):
        return ""


def in_domains(domain: str, domains: Iterable[str]) -> bool:
    """The domain is one of `domains` or a subdomain of one."""
    return any(domain == d or domain.endswith(f".{d}") for d in domains if d)


# ------------------------------------------------------------------------------- checks


def check_sign_up_allowed(rules: ServerRules, invite_ok: bool) -> None:
    if rules.registrations == SignUpMode.CLOSED:
        raise Forbidden("Registrations are closed")
    if rules.registrations == SignUpMode.INVITE and not invite_ok:
        raise ValidationFailed("Validation failed: sign-ups need a valid invite code")


def invite_usable(invite: Invite | None, now: datetime) -> bool:
    """An invite lets someone sign up while it is neither revoked, expired nor used up."""
    return (
        invite is not None
        and invite.revoked_at is None
        and (invite.expires_at is None or as_utc(invite.expires_at) > now)
        and (invite.max_uses is None or invite.uses < invite.max_uses)
    )


def needs_approval(rules: ServerRules) -> bool:
    return rules.registrations == SignUpMode.APPROVAL


def email_domain(email: str) -> str:
    return normal_domain(email.rsplit("@", 1)[-1]) if "@" in email else ""


def check_links(rules: ServerRules, links: Iterable[str]) -> None:
    """A post linking to a blocked domain is refused, saying which."""
    for url in links:
        domain = domain_of(url)
        if domain and in_domains(domain, rules.link_blocklist):
            raise ValidationFailed(f"Validation failed: links to {domain} are not allowed here")


def throttled(rules: ServerRules, account_age_hours: float, posts_last_hour: int) -> bool:
    return (
        rules.new_account_posts_per_hour > 0
        and account_age_hours < rules.new_account_hours
        and posts_last_hour >= rules.new_account_posts_per_hour
    )


# --------------------------------------------------------------------- public places


def publicly_shown_sql(rules: ServerRules) -> ColumnElement[bool]:
    """SQL over `Status`: not holding a hidden keyword or a hidden domain (for public places).
    Compared on the lower-cased text, so a keyword hides it in any case."""
    lowered = func.lower(Status.text)
    parts = [~lowered.contains(word, autoescape=True) for word in rules.hidden_keywords]
    parts += [~lowered.contains(domain, autoescape=True) for domain in rules.hidden_domains]
    return and_(true(), *parts)


def tag_hidden(rules: ServerRules, name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in rules.hidden_keywords)


def link_hidden(rules: ServerRules, url: str) -> bool:
    return in_domains(domain_of(url), rules.hidden_domains) or tag_hidden(rules, url)


def text_hidden(rules: ServerRules, text: str) -> bool:
    lowered = text.lower()
    return any(w in lowered for w in rules.hidden_keywords) or any(
        d in lowered for d in rules.hidden_domains
    )
