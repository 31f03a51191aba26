"""Interface languages: gettext catalogs read with Babel, one Jinja environment per locale, and
numbers and dates formatted the way each locale writes them (12,345 is "1.2万" in Chinese).

The catalogs are the `.po` files under `translations/<locale>/LC_MESSAGES/`; they are compiled
in memory when the process starts, so no build step produces `.mo` files. English is the
source language and needs no catalog. A person's choice (the `myna_lang` cookie, set from the
language switch or settings) wins over the browser's Accept-Language."""

import gettext
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.core import negotiate_locale
from babel.dates import format_datetime, format_timedelta
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_compact_decimal, format_decimal
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context

from myna.lib.clock import as_utc, utcnow
from myna.lib.text import written_tag
from myna.models import Account, Status
from myna.policy.moderation import is_staff
from myna.policy.pins import why_not_pinnable
from myna.policy.visibility import shareable
from myna.reads.accounts import profile_pictures
from myna.web.charts import sparkline

LOCALES = {"en": "English", "zh_CN": "简体中文"}
DEFAULT_LOCALE = "en"
LANG_COOKIE = "myna_lang"
TRANSLATIONS = Path(__file__).parent / "translations"
TEMPLATES = Path(__file__).parent / "templates"
# Below this, counts are written out in full; above it, compactly (1.2万, 12K).
COMPACT_FROM = 10_000
# Times within this are shown relative to now ("5 minutes ago", "5分钟前").
RELATIVE_WITHIN = timedelta(days=1)


def catalog_of(locale: str) -> Catalog:
    """Every `.po` file of the locale merged into one catalog (empty for English)."""
    merged = Catalog(locale=locale)
    for path in sorted((TRANSLATIONS / locale / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as f:
            for message in read_po(f, locale=locale):
                if message.id and message.string:
                    merged.add(message.id, message.string)
    return merged


@cache
def translations(locale: str) -> gettext.NullTranslations:
    if locale == DEFAULT_LOCALE:
        return gettext.NullTranslations()
    compiled = BytesIO()
    write_mo(compiled, catalog_of(locale))
    compiled.seek(0)
    return Translations(compiled)


def negotiate(chosen: str | None, accept_language: str) -> str:
    """The locale to answer in: the person's choice, else the browser's best match."""
    if chosen in LOCALES:
        return chosen
    preferred: list[tuple[float, str]] = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        if tag:
            # Chinese in any script or region reads the simplified catalog before English.
            code = "zh_CN" if tag.lower().startswith("zh") else tag.replace("-", "_")
            preferred.append((-weight, f"{position:03d}{code}"))
    ordered = [code[3:] for _weight, code in sorted(preferred)]
    return negotiate_locale(ordered, list(LOCALES)) or DEFAULT_LOCALE


def count(value: int, locale: str) -> str:
    if abs(value) < COMPACT_FROM:
        return format_decimal(value, locale=locale)
    return format_compact_decimal(value, locale=locale, fraction_digits=1)


def when(value: datetime, locale: str, now: datetime | None = None) -> str:
    moment = as_utc(value)
    ago = moment - (now or utcnow())
    if -RELATIVE_WITHIN < ago <= timedelta(0):
        if ago > -timedelta(minutes=1):
            return gettext_for(locale)("just now")
        return format_timedelta(ago, add_direction=True, locale=locale, threshold=1.1)
    return format_datetime(moment, "medium", tzinfo=None, locale=locale)


def gettext_for(locale: str) -> Callable[[str], str]:
    return translations(locale).gettext


def _may_pin(status: Status) -> bool:
    return why_not_pinnable(status) is None


@pass_context
def _avatar_url(context: Context, account: Account) -> str:
    """`{{ avatar_url(account) }}`: the page's storage (`media_url`) decides the address."""
    return profile_pictures(account, context.get("media_url")).avatar


@pass_context
def _header_url(context: Context, account: Account) -> str:
    return profile_pictures(account, context.get("media_url")).header


@cache
def environment(locale: str) -> Environment:
    """The templates, translated into `locale`, with its number and date filters."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.filters["count"] = lambda value: count(int(value or 0), locale)
    env.filters["when"] = lambda value: when(value, locale)
    env.filters["iso"] = lambda value: as_utc(value).isoformat()
    env.globals["profile_pictures"] = profile_pictures
    # What a card offers follows the rules the actions apply (policy/), not a copy of them.
    env.globals["may_share"] = shareable
    env.globals["may_pin"] = _may_pin
    env.globals["avatar_url"] = _avatar_url
    env.globals["header_url"] = _header_url
    env.globals["sparkline"] = sparkline
    env.globals["is_staff"] = is_staff
    env.globals["tag_text"] = written_tag
    env.globals["locale"] = locale
    env.globals["html_lang"] = locale.replace("_", "-")
    env.globals["locales"] = LOCALES
    return env
