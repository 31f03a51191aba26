"""Filters v2 (and the v1 view of them): creating, changing and deleting a filter, its keywords
and its statuses. Everything is checked before anything is written, in one transaction, so a
rejected request writes nothing. Once a change commits, the owner's streaming connections are
told on their control channel (`filters_changed`) and apply it at once. What a filter matches
is in policy/filters.py."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from myna.db.database import Database
from myna.events import messages as channels_for
from myna.events.messages import Message
from myna.events.publish import Publisher, publish_on_commit
from myna.lib.clock import utcnow
from myna.lib.errors import NotFound, ValidationFailed
from myna.lib.ids import new_id
from myna.models import Filter, FilterKeyword, FilterStatus
from myna.policy.access import access_status
from myna.policy.filters import (
    ACTIONS,
    CONTEXTS,
    HIDE,
    FilterGroup,
    access_own_filter,
    access_own_filter_status,
    access_own_keyword,
    load_groups,
)
from myna.store import filters as store

TITLE_MAX = 200  # characters: the size of the column
KEYWORD_MAX = 200
FILTERS_MAX = 300  # per account
KEYWORDS_MAX = 500  # per filter
STATUSES_MAX = 1000  # per filter
EXPIRES_IN_MAX = 100 * 365 * 24 * 3600  # seconds
# The methods page of Mastodon's documentation names the blur action `blur_media`; the entity
# (and Mastodon itself) says `blur`. Both are taken; `blur` is what is stored and shown.
ACTION_ALIASES = {"blur_media": "blur"}


@dataclass(frozen=True)
class KeywordChange:
    """One entry of `keywords_attributes[]`: with `id`, a change to (or with `destroy`, the
    removal of) that keyword; without, a new keyword."""

    id: int | None = None
    keyword: str | None = None
    whole_word: bool | None = None
    destroy: bool = False


@dataclass(frozen=True)
class FilterChange:
    """None leaves a field as it is. `expires` says whether `expires_in` was given at all:
    given and None, the filter never expires."""

    title: str | None = None
    context: list[str] | None = None
    action: str | None = None
    expires_in: int | None = None
    expires: bool = False
    keywords: list[KeywordChange] = field(default_factory=list)


def _title_problem(value: str) -> str | None:
    if not value.strip():
        return "Title can't be blank"
    if len(value.strip()) > TITLE_MAX:
        return f"Title is too long (at most {TITLE_MAX} characters)"
    return None


def _context_problems(values: list[str]) -> list[str]:
    cleaned = [v.strip() for v in values if v.strip()]
    if not cleaned:
        return ["Context can't be blank", "Context None or invalid context supplied"]
    if any(v not in CONTEXTS for v in cleaned):
        return ["Context None or invalid context supplied"]
    return []


def _fail(problems: list[str]) -> None:
    if problems:
        raise ValidationFailed("Validation failed: " + ", ".join(problems))


def check_title(value: str) -> str:
    _fail([p for p in [_title_problem(value)] if p])
    return value.strip()


def check_context(values: list[str]) -> list[str]:
    _fail(_context_problems(values))
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))


def check_action(value: str | None) -> str:
    action = ACTION_ALIASES.get(value or "warn", value or "warn")
    if action not in ACTIONS:
        allowed = ", ".join(ACTIONS)
        raise ValidationFailed(f"Validation failed: filter_action must be one of {allowed}")
    return action


def check_expires_in(seconds: int | None) -> datetime | None:
    if seconds is None:
        return None
    if not 0 < seconds <= EXPIRES_IN_MAX:
        raise ValidationFailed(
            f"Validation failed: expires_in must be between 1 and {EXPIRES_IN_MAX} seconds"
        )
    return utcnow() + timedelta(seconds=seconds)


def check_keyword(value: str | None) -> str:
    keyword = (value or "").strip()
    if not keyword:
        raise ValidationFailed("Validation failed: Keyword can't be blank")
    if len(keyword) > KEYWORD_MAX:
        raise ValidationFailed(
            f"Validation failed: Keyword is too long (at most {KEYWORD_MAX} characters)"
        )
    return keyword


def _blank(change: KeywordChange) -> bool:
    """An entry with nothing in it is left out, as Rails' nested attributes do."""
    return change.keyword is None or not change.keyword.strip()


@dataclass
class _KeywordPlan:
    new: list[tuple[str, bool]] = field(default_factory=list)
    changed: dict[int, tuple[str | None, bool | None]] = field(default_factory=dict)
    removed: set[int] = field(default_factory=set)


def _plan_keywords(changes: list[KeywordChange], existing: set[int] | None) -> _KeywordPlan:
    """`existing`: the filter's keyword ids (None when creating: no id may be named)."""
    plan = _KeywordPlan()
    for change in changes:
        if change.id is not None:
            if existing is None or change.id not in existing:
                raise NotFound()
            if change.destroy:
                plan.removed.add(change.id)
            else:
                keyword = check_keyword(change.keyword) if change.keyword is not None else None
                plan.changed[change.id] = (keyword, change.whole_word)
        elif not change.destroy and not _blank(change):
            whole_word = True if change.whole_word is None else change.whole_word
            plan.new.append((check_keyword(change.keyword), whole_word))
    count = len(existing or ()) - len(plan.removed) + len(plan.new)
    if count > KEYWORDS_MAX:
        raise ValidationFailed(f"Validation failed: at most {KEYWORDS_MAX} keywords per filter")
    return plan


def _keyword(filter_id: int, keyword: str, whole_word: bool) -> FilterKeyword:
    return FilterKeyword(id=new_id(), filter_id=filter_id, keyword=keyword, whole_word=whole_word)


class FilterActions:
    def __init__(self, db: Database, broker: Publisher) -> None:
        self.db = db
        self.broker = broker

    def _changed(self, session: AsyncSession, owner_id: int) -> None:
        """Open streams of the owner reload their filters once this commits."""
        publish_on_commit(
            session,
            self.broker,
            [channels_for.control(owner_id)],
            Message(event="filters_changed", account_ids=[owner_id]),
        )

    async def do_create(self, owner_id: int, change: FilterChange) -> FilterGroup:
        problems = [p for p in [_title_problem(change.title or "")] if p]
        problems += _context_problems(change.context or [])
        _fail(problems)
        title, context = check_title(change.title or ""), check_context(change.context or [])
        action = check_action(change.action)
        expires_at = check_expires_in(change.expires_in)
        plan = _plan_keywords(change.keywords, None)
        async with self.db.transaction() as session:
            if await store.count_of_owner(session, owner_id) >= FILTERS_MAX:
                raise ValidationFailed(f"Validation failed: at most {FILTERS_MAX} filters")
            found = Filter(
                id=new_id(),
                account_id=owner_id,
                title=title,
                context=context,
                action=action,
                expires_at=expires_at,
                created_at=utcnow(),
            )
            await store.add(session, [found])
            await store.add(session, [_keyword(found.id, k, w) for k, w in plan.new])
            self._changed(session, owner_id)
            return (await load_groups(session, owner_id, [found]))[0]

    async def do_update(self, owner_id: int, filter_id: int, change: FilterChange) -> FilterGroup:
        title = check_title(change.title) if change.title is not None else None
        context = check_context(change.context) if change.context is not None else None
        action = check_action(change.action) if change.action is not None else None
        expires_at = check_expires_in(change.expires_in)
        async with self.db.transaction() as session:
            found = await access_own_filter(session, owner_id, filter_id)
            existing = {k.id: k for k in (await store.keywords_of(session, [found.id]))[found.id]}
            plan = _plan_keywords(change.keywords, set(existing))
            if title is not None:
                found.title = title
            if context is not None:
                found.context = context
            if action is not None:
                found.action = action
            if change.expires:
                found.expires_at = expires_at
            for keyword_id, (keyword, whole_word) in plan.changed.items():
                if keyword_id in plan.removed:
                    continue
                if keyword is not None:
                    existing[keyword_id].keyword = keyword
                if whole_word is not None:
                    existing[keyword_id].whole_word = whole_word
            await session.flush()
            await store.delete_keywords(session, plan.removed)
            await store.add(session, [_keyword(found.id, k, w) for k, w in plan.new])
            self._changed(session, owner_id)
            return (await load_groups(session, owner_id, [found]))[0]

    async def do_delete(self, owner_id: int, filter_id: int) -> None:
        async with self.db.transaction() as session:
            await access_own_filter(session, owner_id, filter_id)
            await store.delete_one(session, filter_id)
            self._changed(session, owner_id)

    async def do_add_keyword(
        self, owner_id: int, filter_id: int, keyword: str | None, whole_word: bool | None
    ) -> FilterKeyword:
        text = check_keyword(keyword)
        async with self.db.transaction() as session:
            found = await access_own_filter(session, owner_id, filter_id)
            if await store.count_keywords(session, found.id) >= KEYWORDS_MAX:
                raise ValidationFailed(
                    f"Validation failed: at most {KEYWORDS_MAX} keywords per filter"
                )
            row = _keyword(found.id, text, True if whole_word is None else whole_word)
            await store.add(session, [row])
            self._changed(session, owner_id)
            return row

    async def do_update_keyword(
        self, owner_id: int, keyword_id: int, keyword: str | None, whole_word: bool | None
    ) -> FilterKeyword:
        text = check_keyword(keyword) if keyword is not None else None
        async with self.db.transaction() as session:
            row, _ = await access_own_keyword(session, owner_id, keyword_id)
            if text is not None:
                row.keyword = text
            if whole_word is not None:
                row.whole_word = whole_word
            await session.flush()
            self._changed(session, owner_id)
            return row

    async def do_delete_keyword(self, owner_id: int, keyword_id: int) -> None:
        async with self.db.transaction() as session:
            row, _ = await access_own_keyword(session, owner_id, keyword_id)
            await store.delete_keywords(session, [row.id])
            self._changed(session, owner_id)

    async def do_add_status(self, owner_id: int, filter_id: int, status_id: int) -> FilterStatus:
        """Only a status the owner may see: any other is not found, like a missing one."""
        async with self.db.transaction() as session:
            found = await access_own_filter(session, owner_id, filter_id)
            status = await access_status(session, owner_id, status_id)
            if await store.count_statuses(session, found.id) >= STATUSES_MAX:
                raise ValidationFailed(
                    f"Validation failed: at most {STATUSES_MAX} statuses per filter"
                )
            row = FilterStatus(id=new_id(), filter_id=found.id, status_id=status.id)
            if not await store.add_filter_status(session, row):
                raise ValidationFailed("Validation failed: Status has already been taken")
            self._changed(session, owner_id)
            return row

    async def do_delete_status(self, owner_id: int, filter_status_id: int) -> None:
        async with self.db.transaction() as session:
            row = await access_own_filter_status(session, owner_id, filter_status_id, to_read=False)
            await store.delete_filter_status(session, row.id)
            self._changed(session, owner_id)

    # The v1 API: one filter per phrase (a keyword of a v2 filter, whose id it uses).

    async def do_create_v1(
        self,
        owner_id: int,
        phrase: str | None,
        context: list[str],
        *,
        irreversible: bool,
        whole_word: bool,
        expires_in: int | None,
    ) -> tuple[FilterKeyword, Filter]:
        """A filter titled after its phrase, holding it as its only keyword."""
        keyword = check_keyword(phrase)
        group = await self.do_create(
            owner_id,
            FilterChange(
                title=keyword,
                context=context,
                action=HIDE if irreversible else "warn",
                expires_in=expires_in,
                keywords=[KeywordChange(keyword=keyword, whole_word=whole_word)],
            ),
        )
        return group.keywords[0], group.filter

    async def do_update_v1(
        self,
        owner_id: int,
        keyword_id: int,
        phrase: str | None,
        whole_word: bool | None,
        change: FilterChange,
    ) -> tuple[FilterKeyword, Filter]:
        """The phrase and whole_word change the keyword. The context, irreversible (the
        action) and expires_in belong to its filter: they may change only when the keyword is
        the filter's only one, as on Mastodon."""
        text = check_keyword(phrase) if phrase is not None else None
        context = check_context(change.context) if change.context is not None else None
        expires_at = check_expires_in(change.expires_in)
        async with self.db.transaction() as session:
            row, found = await access_own_keyword(session, owner_id, keyword_id)
            shared = await store.count_keywords(session, found.id) > 1
            if context is not None and context != found.context:
                if shared:
                    raise ValidationFailed(
                        "Validation failed: context belongs to a filter with several keywords; "
                        "change it with /api/v2/filters"
                    )
                found.context = context
            # v1 knows hide (irreversible) or not: a blur filter stays blur unless made hide.
            if change.action is not None and (change.action == HIDE) != (found.action == HIDE):
                if shared:
                    raise ValidationFailed(
                        "Validation failed: irreversible belongs to a filter with several "
                        "keywords; change it with /api/v2/filters"
                    )
                found.action = change.action
            if change.expires and (expires_at is not None or found.expires_at is not None):
                if shared:
                    raise ValidationFailed(
                        "Validation failed: expires_in belongs to a filter with several "
                        "keywords; change it with /api/v2/filters"
                    )
                found.expires_at = expires_at
            if text is not None:
                row.keyword = text
            if whole_word is not None:
                row.whole_word = whole_word
            await session.flush()
            self._changed(session, owner_id)
            return row, found

    async def do_delete_v1(self, owner_id: int, keyword_id: int) -> None:
        """The keyword only, as on Mastodon: its filter (and other keywords) stay."""
        await self.do_delete_keyword(owner_id, keyword_id)
