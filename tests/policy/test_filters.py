"""The keyword-matching rule of policy/filters.py, on its own: whole words in spaced and
unspaced scripts, case and width folding, repost and status-id matches, contexts, expiry and
one's own statuses. (Filters applied through every read path: tests/api/test_filters.py.)"""

from datetime import UTC, datetime, timedelta

import pytest

from myna.models import Filter, Status
from myna.policy.filters import (
    LOOKUP,
    FilterRule,
    FilterSet,
    fold,
    hides,
    keyword_pattern,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
VIEWER, AUTHOR = 1, 2


@pytest.mark.parametrize(
    ("keyword", "whole_word", "text", "matches"),
    [
        ("cat", True, "my cat sleeps", True),
        ("cat", True, "My CAT.", True),
        ("cat", True, "catalog", False),
        ("cat", True, "bobcat", False),
        ("cat", True, "cat_food", False),  # the underscore continues a word, as in \b
        ("cat", False, "catalog", True),
        ("cat", True, "我喜欢cat", True),  # no spaces around Latin words in Chinese text
        ("cat", True, "cat咪", True),
        ("榴莲", True, "我最爱吃榴莲了", True),  # CJK: matched as a substring
        ("榴莲", False, "我最爱吃榴莲了", True),
        ("榴莲", True, "我最爱吃苹果了", False),
        ("猫", True, "猫の写真", True),
        ("고양이", True, "고양이가 좋아요", True),  # Korean particles attach to the word
        ("iPhone手机", True, "新iPhone手机", True),  # starts Latin (guarded), ends Han (not)
        ("iPhone手机", True, "myiPhone手机", False),
        ("durian", True, "ＤＵＲＩＡＮ", True),  # full-width folds to ASCII (NFKC)
        ("straße", True, "STRASSE", True),  # case folding, not just lower-casing
        ("#tag", True, "a #tag here", True),  # starts with punctuation: no guard before
        ("#tag", True, "a #tagged one", False),
        ("c++", True, "I like c++ a lot", True),
        ("a.b", True, "axb", False),  # keywords are literal text, not patterns
    ],
)
def test_keyword_pattern(keyword: str, whole_word: bool, text: str, matches: bool) -> None:
    # Texts are folded before matching (policy/filters.py: FilterSet.match).
    assert (keyword_pattern(keyword, whole_word).search(fold(text)) is not None) is matches


def status(status_id: int, text: str, *, author: int = AUTHOR, spoiler: str = "") -> Status:
    return Status(id=status_id, account_id=author, text=text, spoiler_text=spoiler)


def rule(
    keywords: list[tuple[str, bool]],
    *,
    context: list[str] | None = None,
    action: str = "warn",
    expires_at: datetime | None = None,
    status_ids: frozenset[int] = frozenset(),
) -> FilterRule:
    found = Filter(
        id=100 + len(keywords),
        account_id=VIEWER,
        title="t",
        context=context or ["home"],
        action=action,
        expires_at=expires_at,
    )
    return FilterRule(
        found, tuple((k, keyword_pattern(k, w)) for k, w in keywords), frozenset(status_ids)
    )


def test_matches_name_each_matching_keyword_and_status() -> None:
    filters = FilterSet(VIEWER, (rule([("durian", True), ("榴莲", True), ("kiwi", True)]),))
    results = filters.match(status(1, "Durian 榴莲", spoiler="fruit"), None, "home", NOW)
    assert [(r.keyword_matches, r.status_matches) for r in results] == [(("durian", "榴莲"), ())]
    by_id = FilterSet(VIEWER, (rule([], status_ids=frozenset({7})),))
    repost = status(8, "")
    repost.reblog_of_id = 7
    assert [r.status_matches for r in by_id.match(repost, status(7, "x"), "home", NOW)] == [(7,)]
    assert by_id.match(status(9, "x"), None, "home", NOW) == []


def test_a_repost_is_matched_by_its_original() -> None:
    filters = FilterSet(VIEWER, (rule([("durian", True)]),))
    repost = status(2, "", author=3)
    repost.reblog_of_id = 1
    assert filters.match(repost, status(1, "durian"), "home", NOW)
    assert not filters.match(status(3, "my repost says durian"), status(1, "apples"), "home", NOW)


def test_context_expiry_and_own_statuses() -> None:
    later = NOW + timedelta(hours=1)
    filters = FilterSet(
        VIEWER, (rule([("durian", True)], context=["public"], action="hide", expires_at=later),)
    )
    text = status(1, "durian")
    assert filters.match(text, None, "home", NOW) == []
    assert hides(filters.match(text, None, "public", NOW), "public")
    # A lookup is annotated by every active filter, in any context, and hidden by none.
    looked_up = filters.match(text, None, LOOKUP, NOW)
    assert looked_up and not hides(looked_up, LOOKUP)
    assert filters.match(text, None, "public", later) == []
    # One's own status, or a repost of it, is never filtered; a repost by oneself of
    # someone else's status is.
    assert filters.match(status(1, "durian", author=VIEWER), None, "public", NOW) == []
    mine_reposted = status(2, "", author=3)
    assert filters.match(mine_reposted, status(1, "durian", author=VIEWER), "public", NOW) == []
    own_repost = status(4, "", author=VIEWER)
    assert filters.match(own_repost, status(1, "durian"), "public", NOW)


def test_apply_hides_and_annotates_a_page() -> None:
    filters = FilterSet(VIEWER, (rule([("durian", True)], action="hide"),))
    page = [status(3, "apples"), status(2, "durian"), status(1, "quote")]
    page[2].quote_of_id = 9
    quoted = status(9, "durian inside")
    results, kept = filters.apply(page, {9: quoted}, "home")
    assert [s.id for s in kept] == [3, 1]
    # A quoted status is annotated, never hidden: the quoting status stays.
    assert set(results) == {9}
    # Media descriptions and poll options are searched too.
    results, kept = filters.apply([status(5, "a photo")], {}, "home", {5: "a durian"})
    assert kept == [] and results == {}
