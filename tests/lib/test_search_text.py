"""The search tokenizer: index terms and query matches, for Chinese, Japanese, Korean, English
and mixed text."""

import pytest

from myna.lib.search_text import (
    MAX_PARTS,
    MAX_WORD,
    Match,
    Part,
    bigrams,
    document,
    query,
    terms,
    tsvector,
)


def test_chinese_runs_become_overlapping_bigrams_and_their_last_character() -> None:
    assert bigrams("北京大学") == ["北京", "京大", "大学"]
    assert terms("北京大学") == ["北京", "京大", "大学", "学"]
    assert terms("我") == ["我"]


def test_words_are_folded_and_kept_whole() -> None:
    assert terms("Hello, WORLD! Ｐｙｔｈｏｎ 3.12") == ["hello", "world", "python", "3", "12"]
    assert terms("Straße") == ["strasse"]


def test_hashtags_mentions_and_punctuation_are_dropped() -> None:
    assert terms("#Python @alice #周末去哪儿# 好！") == [
        "python",
        "alice",
        "周末",
        "末去",
        "去哪",
        "哪儿",
        "儿",
        "好",
    ]
    assert terms("snake_case") == ["snake", "case"]


def test_links_count_by_their_host() -> None:
    assert terms("看 https://www.github.com/myna/issues?id=9#x 这个") == [
        "看",
        "github",
        "com",
        "这个",
        "个",
    ]


def test_mixed_script_splits_at_the_script_boundary() -> None:
    assert terms("用Python写爬虫") == ["用", "python", "写爬", "爬虫", "虫"]
    assert terms("iPhone16发布会") == ["iphone16", "发布", "布会", "会"]


def test_japanese_and_korean_are_bigrams_too() -> None:
    assert terms("東京に行く") == ["東京", "京に", "に行", "行く", "く"]
    assert terms("한국어 공부") == ["한국", "국어", "어", "공부", "부"]


def test_document_includes_the_content_warning() -> None:
    assert document("剧透", "the end") == ["剧透", "透", "the", "end"]
    assert document("", "") == []


def test_a_chinese_query_is_the_phrase_of_its_bigrams() -> None:
    assert query("图书馆") == Match((Part(("图书", "书馆")),))
    assert query("大学") == Match((Part(("大学",)),))


def test_a_single_character_is_a_prefix() -> None:
    assert query("书") == Match((Part(("书",), prefix=True),))


def test_mixed_queries_and_their_parts() -> None:
    found = query("Python教程")
    assert found == Match((Part(("python",)), Part(("教程",))))
    assert found is not None
    assert found.fts5() == '"python" AND "教程"'
    assert found.tsquery() == "'python' & '教程'"


def test_backend_syntax() -> None:
    found = query("iPhone 发布会 书")
    assert found is not None
    assert found.fts5() == '"iphone" AND "发布 布会" AND "书"*'
    assert found.tsquery() == "'iphone' & ('发布' <-> '布会') & '书':*"


def test_nothing_to_search_for() -> None:
    assert query("") is None
    assert query("#@!?。，") is None


def test_repeated_parts_count_once_and_parts_are_capped() -> None:
    found = query("cat cat CAT")
    assert found is not None and len(found.parts) == 1
    many = query(" ".join(f"w{i}" for i in range(MAX_PARTS + 5)))
    assert many is not None and len(many.parts) == MAX_PARTS


def test_long_words_are_cut_alike_on_both_sides() -> None:
    word = "a" * (MAX_WORD + 10)
    assert terms(word) == ["a" * MAX_WORD]
    assert query(word) == Match((Part(("a" * MAX_WORD,)),))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("北京 北京", "'北京':1,3 '京':2,4"),
        ("it's", "'it':1 's':2"),
        ("", ""),
    ],
)
def test_tsvector_literal(text: str, expected: str) -> None:
    assert tsvector(terms(text)) == expected


def test_quotes_are_escaped_in_both_syntaxes() -> None:
    # No term holds a quote today (they are letters and digits); the writers escape anyway.
    match = Match((Part(("a'b\"c",)),))
    assert match.fts5() == '"a\'b""c"'
    assert match.tsquery() == "'a''b\"c'"
