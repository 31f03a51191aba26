"""Filters v2: whose filter is whose, and THE rule for which of a viewer's filters match a
status. Every read path and the streaming hub ask this module; nothing else matches keywords.

The rule (Mastodon's, with the additions marked):
  - A filter applies until it expires, in the contexts it names: `home` (home and list
    timelines), `notifications`, `public` (public, tag and group timelines), `thread` (a
    status's context) and `account` (an account's statuses).
  - Its keywords are matched against the status's content warning, text, media descriptions
    and poll options, as plain text and case-insensitively. Both sides are NFKC-normalised and
    case-folded first (Myna), so a full-width "ＣＡＴ" is "cat".
  - `whole_word`: where the keyword begins (ends) with a letter, digit or underscore, the text
    must not continue that word before (after) it. Scripts written without spaces between
    words (Han, kana, Hangul, Thai, Lao, Khmer, Myanmar) have no word boundaries to find, so
    next to their characters none is required (Myna): a whole-word "猫" matches inside
    "我的猫很可爱" as a substring would, and "cat" matches in "我喜欢cat" but not in "catalog".
  - Its statuses match the status itself and, for a repost, the reposted status.
  - A repost is matched by what it reposts: the original's text and content warning.
  - The viewer's own statuses, and reposts of them, are never filtered (Myna, as Mastodon's
    web client does: one's own words are not hidden from oneself).
  - `hide` drops the status from a list read in a context the filter names (timelines,
    threads, notifications, streams); `warn` and `blur` only annotate it (`filtered`). A
    status looked up on its own (LOOKUP) is annotated by every active filter and hidden by
    none, as on Mastodon.
"""

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from myna.lib.clock import as_utc, utcnow
from myna.lib.errors import NotFound
from myna.models import Filter, FilterKeyword, FilterStatus, MediaAttachment, Poll, Status
from myna.policy.visibility import visible_filter
from myna.store import filters as store

CONTEXTS = ("home", "notifications", "public", "thread", "account")
HOME, NOTIFICATIONS, PUBLIC, THREAD, ACCOUNT = CONTEXTS
ACTIONS = ("warn", "hide", "blur")
HIDE = "hide"
# Not a filter context: a status fetched on its own (or answered by an action). Every active
# filter annotates it; none hides it.
LOOKUP = "lookup"

# Scripts that do not put spaces between words: Thai, Lao, Myanmar, Hangul Jamo, Khmer, CJK
# radicals, 々〆〇 and other ideographic marks, kana, Hangul compatibility Jamo, CJK
# ideographs (with extension A and the compatibility block), half-width kana, Hangul
# syllables and the supplementary ideograph planes.
_UNSPACED = (
    "\u0e00-\u0eff\u1000-\u109f\u1100-\u11ff\u1780-\u17ff\u2e80-\u2fdf\u3005-\u3007"
    "\u3021-\u3029\u3038-\u303c\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f"
    "\U00020000-\U0003134f"
)
# A character that continues a word in a script that spaces its words.
_SPACED_WORD = f"[^\\W{_UNSPACED}]"
_SPACED_WORD_RE = re.compile(_SPACED_WORD)


def fold(text: str) -> str:
    """What both sides of a keyword match are compared as."""
    return unicodedata.normalize("NFKC", text).casefold()


@functools.lru_cache(maxsize=4096)
def keyword_pattern(keyword: str, whole_word: bool) -> re.Pattern[str]:
    """The pattern a keyword is searched for with, in folded text."""
    folded = fold(keyword)
    body = re.escape(folded)
    if not whole_word or not folded:
        return re.compile(body)
    start = f"(?<!{_SPACED_WORD})" if _SPACED_WORD_RE.fullmatch(folded[0]) else ""
    end = f"(?!{_SPACED_WORD})" if _SPACED_WORD_RE.fullmatch(folded[-1]) else ""
    return re.compile(start + body + end)


def searchable_text(status: Status, attached: str = "") -> str:
    """The plain text keywords are matched against: the content warning, the source text
    (plain already: the HTML content is built from it) and what is attached to it."""
    return f"{status.spoiler_text}\n\n{status.text}\n\n{attached}"


def attached_text(
    media: Mapping[int, Sequence[MediaAttachment]], polls: Mapping[int, Poll]
) -> dict[int, str]:
    """By status id: its media descriptions and poll options, as searchable text."""
    out: dict[int, list[str]] = {}
    for status_id, attachments in media.items():
        out.setdefault(status_id, []).extend(m.description or "" for m in attachments)
    for status_id, poll in polls.items():
        out.setdefault(status_id, []).extend(poll.options)
    return {status_id: "\n".join(parts) for status_id, parts in out.items()}


def is_active(found: Filter, now: datetime) -> bool:
    return found.expires_at is None or as_utc(found.expires_at) > now


@dataclass(frozen=True, slots=True)
class FilterResult:
    """One filter that matched a status: which of its keywords, which of its status ids."""

    filter: Filter
    keyword_matches: tuple[str, ...]
    status_matches: tuple[int, ...]


def hides(results: Iterable[FilterResult], context: str) -> bool:
    """Whether these results drop the status from a list read in `context`."""
    return context != LOOKUP and any(r.filter.action == HIDE for r in results)


@dataclass(frozen=True, slots=True)
class FilterRule:
    """One active filter, ready to match: its keywords compiled, its status ids in a set."""

    filter: Filter
    keywords: tuple[tuple[str, re.Pattern[str]], ...]
    status_ids: frozenset[int]

    def applies(self, context: str, now: datetime) -> bool:
        in_context = context == LOOKUP or context in self.filter.context
        return in_context and is_active(self.filter, now)


@dataclass(frozen=True)
class FilterSet:
    """A viewer's active filters. Empty (false) for a viewer without any: the fast path."""

    viewer_id: int | None = None
    rules: tuple[FilterRule, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.rules)

    def match(
        self,
        status: Status,
        original: Status | None,
        context: str,
        now: datetime | None = None,
        attached: Mapping[int, str] | None = None,
    ) -> list[FilterResult]:
        """The filters matching `status` (a repost of `original`, or not) in `context`;
        `attached`: searchable text attached to statuses, by id (`attached_text`)."""
        content = original if original is not None else status
        if not self.rules or content.account_id == self.viewer_id:
            return []
        moment = now or utcnow()
        ids = [status.id] if original is None else [status.id, original.id]
        text: str | None = None
        out = []
        for rule in self.rules:
            if not rule.applies(context, moment):
                continue
            keywords: list[str] = []
            if rule.keywords:
                if text is None:
                    text = fold(searchable_text(content, (attached or {}).get(content.id, "")))
                keywords = [word for word, pattern in rule.keywords if pattern.search(text)]
            statuses = tuple(i for i in ids if i in rule.status_ids)
            if keywords or statuses:
                out.append(FilterResult(rule.filter, tuple(keywords), statuses))
        return out

    def apply(
        self,
        page: list[Status],
        related: Mapping[int, Status],
        context: str,
        attached: Mapping[int, str] | None = None,
    ) -> tuple[dict[int, list[FilterResult]], list[Status]]:
        """For a page about to be rendered: the results for every status in it (the page's
        statuses, and the reposted and quoted ones inside them, by id), and the page less what
        a `hide` filter drops."""
        if not self.rules:
            return {}, page
        now = utcnow()
        results: dict[int, list[FilterResult]] = {}
        for status in related.values():
            if found := self.match(status, None, context, now, attached):
                results[status.id] = found
        kept = []
        for status in page:
            original = related.get(status.reblog_of_id) if status.reblog_of_id else None
            found = self.match(status, original, context, now, attached)
            if hides(found, context):
                continue
            kept.append(status)
            if found:
                results[status.id] = found
                if original is not None:  # the reposted status inside shows the same results
                    results[original.id] = found
        return results, kept


async def load_filter_set(
    session: AsyncSession, viewer_id: int, context: str = LOOKUP
) -> FilterSet:
    """The viewer's filters that are active now and apply in `context` (LOOKUP: all of them).
    One query for a viewer without filters, three otherwise."""
    now = utcnow()
    filters = [
        f
        for f in await store.of_owner(session, viewer_id)
        if is_active(f, now) and (context == LOOKUP or context in f.context)
    ]
    if not filters:
        return FilterSet(viewer_id)
    ids = [f.id for f in filters]
    keywords = await store.keywords_of(session, ids)
    statuses = await store.statuses_of(session, ids)
    rules = tuple(
        FilterRule(
            filter=f,
            keywords=tuple(
                (k.keyword, keyword_pattern(k.keyword, k.whole_word)) for k in keywords[f.id]
            ),
            status_ids=frozenset(s.status_id for s in statuses[f.id]),
        )
        for f in filters
    )
    return FilterSet(viewer_id, rules)


# Whose filter is whose: anyone else's filter, keyword or filtered status is not found, like a
# missing one.


@dataclass
class FilterGroup:
    """A filter with its keywords and the filtered statuses its owner may still see."""

    filter: Filter
    keywords: list[FilterKeyword] = field(default_factory=list)
    statuses: list[FilterStatus] = field(default_factory=list)


async def access_own_filter(session: AsyncSession, owner_id: int, filter_id: int) -> Filter:
    found = await store.get(session, filter_id)
    if found is None or found.account_id != owner_id:
        raise NotFound()
    return found


async def access_own_keyword(
    session: AsyncSession, owner_id: int, keyword_id: int
) -> tuple[FilterKeyword, Filter]:
    keyword = await store.get_keyword(session, keyword_id)
    if keyword is None:
        raise NotFound()
    return keyword, await access_own_filter(session, owner_id, keyword.filter_id)


async def access_own_filter_status(
    session: AsyncSession, owner_id: int, filter_status_id: int, *, to_read: bool
) -> FilterStatus:
    """`to_read`: only while the owner may still see the status (reading shows its id);
    removing one needs no more than owning it."""
    visible = visible_filter(owner_id) if to_read else None
    found = await store.get_filter_status(session, filter_status_id, visible)
    if found is None:
        raise NotFound()
    await access_own_filter(session, owner_id, found.filter_id)
    return found


async def load_groups(
    session: AsyncSession, owner_id: int, filters: list[Filter]
) -> list[FilterGroup]:
    ids = [f.id for f in filters]
    keywords = await store.keywords_of(session, ids)
    statuses = await store.statuses_of(session, ids, visible_filter(owner_id))
    return [FilterGroup(f, keywords.get(f.id, []), statuses.get(f.id, [])) for f in filters]
