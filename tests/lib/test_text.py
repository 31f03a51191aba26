"""The Weibo length rule and entity parsing of lib/text.py."""

import pytest

from myna.lib.text import LINK_UNITS, TOPIC_MAX_CHARS, parse, tag_key, weibo_length

LIMIT = 140

# (text, units): a non-ASCII character counts 1, an ASCII character 1/2 (the total rounded up),
# a link 10 whatever its length.
LENGTHS = [
    # empty and CJK
    ("", 0),
    ("你", 1),
    ("你好", 2),
    ("微博的长度规则", 7),
    ("漢字かなカナ한글", 8),
    # ASCII: halves, rounded up once at the end
    ("a", 1),
    ("ab", 1),
    ("abc", 2),
    ("abcd", 2),
    ("hello world", 6),
    ("hello, world!", 7),
    (" ", 1),
    ("  ", 1),
    # mixed: the rounding happens on the sum, not per character
    ("a你", 2),
    ("你a", 2),
    ("a你b", 2),
    ("Myna 你好", 5),
    ("我用Python写代码", 8),
    # full-width punctuation is non-ASCII
    ("，", 1),
    ("。", 1),
    ("，。！？：“”", 7),
    ("你好，世界！", 6),
    ("（全角）", 4),
    # emoji: one visible character counts 1, however many code points make it
    ("👍", 1),
    ("😀😀", 2),
    ("👍🏽", 1),  # skin tone
    ("👍🏽👍🏿", 2),
    ("👨\u200d👩\u200d👧\u200d👦", 1),  # ZWJ family
    ("👩\u200d💻", 1),  # ZWJ profession
    ("🏳️\u200d🌈", 1),  # flag with variation selector and ZWJ
    ("🇨🇳", 1),  # two regional indicators
    ("🇨🇳🇯🇵", 2),
    ("🇨🇳🇯🇵🇺", 3),  # a lone regional indicator still counts
    ("🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", 1),  # subdivision flag
    ("1\ufe0f\u20e3", 1),  # keycap: an emoji, not an ASCII digit
    ("#\ufe0f\u20e3", 1),
    ("1\ufe0f\u20e32\ufe0f\u20e3", 2),
    ("❤\ufe0f", 1),  # variation selector
    ("❤", 1),
    ("a👍", 2),
    ("ab👍", 2),
    ("你好👍🏽", 3),
    # combining marks belong to the letter before them
    ("e\u0301", 1),
    ("é", 1),
    # links: 10 each, whatever their length
    ("https://a.cn", LINK_UNITS),
    ("https://a.cn/x", LINK_UNITS),
    ("http://example.com/path?q=1&r=2#frag", LINK_UNITS),
    ("https://example.com/" + "a" * 500, LINK_UNITS),
    ("HTTPS://EXAMPLE.COM/", LINK_UNITS),
    ("https://a.cn/1 https://b.cn/2", 2 * LINK_UNITS + 1),
    ("https://a.cn/1\nhttps://b.cn/2\nhttps://c.cn/3", 3 * LINK_UNITS + 1),
    ("看这里https://a.cn/x你好", 3 + LINK_UNITS + 2),
    ("看这里：https://a.cn/x。", 4 + LINK_UNITS + 1),
    ("see https://a.cn/x.", 2 + LINK_UNITS + 1),  # "see " 4 halves, the final "." 1 half
    ("(https://a.cn/x)", LINK_UNITS + 1),
    ("https://a.cn/x!?", LINK_UNITS + 1),
    ("http://", 4),  # no host: plain ASCII text
    ("ftp://a.cn/x", 6),  # not a web link
    # newlines are ASCII
    ("\n", 1),
    ("a\nb", 2),
    ("你\n好", 3),
    ("第一行\n第二行\n", 7),
    ("\n\n\n\n", 2),
    # the limit and one over
    ("好" * 140, 140),
    ("a" * 280, 140),
    ("a" * 279, 140),
    ("a" * 281, 141),
    ("好" * 139 + "a", 140),
    ("好" * 139 + "ab", 140),
    ("好" * 139 + "abc", 141),
    ("好" * 141, 141),
    ("😀" * 140, 140),
    ("https://example.com/" + "x" * 1000 + " " + "好" * 129, LINK_UNITS + 130),
    ("https://example.com/" + "x" * 1000 + " " + "好" * 130, LINK_UNITS + 131),
]


@pytest.mark.parametrize(("text", "units"), LENGTHS)
def test_weibo_length(text: str, units: int) -> None:
    assert weibo_length(text) == units


@pytest.mark.parametrize(
    ("text", "over"),
    [("好" * 140, False), ("好" * 141, True), ("a" * 280, False), ("a" * 281, True)],
)
def test_limit_boundary(text: str, over: bool) -> None:
    assert (weibo_length(text) > LIMIT) is over


# (text, links as parsed): Chinese glued to a link is not part of it; sentence punctuation
# at its end is not either.
LINKS = [
    ("看这里https://a.cn/x你好", ["https://a.cn/x"]),
    ("see https://a.cn/x.", ["https://a.cn/x"]),
    ("see https://a.cn/x, then", ["https://a.cn/x"]),
    ("(https://a.cn/x)", ["https://a.cn/x"]),
    ('"https://a.cn/x"', ["https://a.cn/x"]),
    ("https://a.cn/x?a=1&b=2", ["https://a.cn/x?a=1&b=2"]),
    ("https://a.cn/x https://a.cn/x", ["https://a.cn/x"]),
    ("https://a.cn/1 and http://b.cn/2", ["https://a.cn/1", "http://b.cn/2"]),
    ("http://", []),
    ("no links here", []),
]


@pytest.mark.parametrize(("text", "links"), LINKS)
def test_links(text: str, links: list[str]) -> None:
    assert parse(text).links == links


# (text, mentions)
MENTIONS = [
    ("@alice", ["alice"]),
    ("hi @alice and @bob_2", ["alice", "bob_2"]),
    ("你好@alice", ["alice"]),  # right after CJK text
    ("你好，@alice！", ["alice"]),
    ("(@alice)", ["alice"]),
    ("@alice.", ["alice"]),
    ("@alice:", ["alice"]),
    ("mail alice@example.com now", []),  # an e-mail address is not a mention
    ("a.b@example.com", []),
    ("x@alice", []),
    ("@alice@example.com", []),  # remote accounts are not mentions here
    ("@@alice", []),
    ("@", []),
    ("@ alice", []),
    ("@" + "a" * 30, ["a" * 30]),
    ("@" + "a" * 31, []),
    ("@alice @Alice @ALICE", ["alice"]),  # unique, first spelling wins
    ("@bob @alice @bob", ["bob", "alice"]),
    ("https://a.cn/@alice", []),  # inside a link
]


@pytest.mark.parametrize(("text", "mentions"), MENTIONS)
def test_mentions(text: str, mentions: list[str]) -> None:
    assert parse(text).mentions == mentions


# (text, tags): #tag and Weibo #topic# names, unique by tag_key, first-seen order
TAGS = [
    ("#myna", ["myna"]),
    ("#猫", ["猫"]),
    ("我爱#猫 和狗", ["猫"]),  # CJK before "#" is fine; the tag stops at the space
    ("#猫咪日常 #cats", ["猫咪日常", "cats"]),
    ("#Tag_1", ["Tag_1"]),
    ("#2026", []),  # all digits: a number, not a tag
    ("#2026年", ["2026年"]),
    ("#_1", []),
    ("#", []),
    ("# tag", []),
    ("x#tag", []),  # glued to a word
    ("a/#tag", []),
    ("&#tag", []),
    ("##tag", []),
    ("https://a.cn/#tag", []),  # a link fragment
    ("#tag.", ["tag"]),
    ("#tag，好", ["tag"]),
    # topics: the text between two "#" on one line
    ("#话题#", ["话题"]),
    ("今天#天气不错#呀", ["天气不错"]),
    ("#今天 天气#", ["今天 天气"]),  # a topic may hold spaces
    ("#2026#", ["2026"]),  # a topic of digits is still a topic
    ("#a#b#", ["a"]),
    ("#cats and #dogs", ["cats", "dogs"]),  # two tags, not the topic "cats and "
    ("#cats #dogs", ["cats", "dogs"]),
    ("# 话题#", []),
    ("#话题 #", ["话题"]),  # no topic (ends in a space): a tag
    ("#第一行\n第二行#", ["第一行"]),  # a topic stays on one line
    ("#" + "话" * TOPIC_MAX_CHARS + "#", ["话" * TOPIC_MAX_CHARS]),
    ("#" + "话" * (TOPIC_MAX_CHARS + 1) + "#", ["话" * (TOPIC_MAX_CHARS + 1)]),  # too long: a tag
    ("#" + "好 " * 15 + "好#", ["好"]),  # 31 characters between the "#": no topic, a tag
    # de-duplication by tag_key, first spelling kept
    ("#Myna #myna #MYNA", ["Myna"]),
    ("#ｍｙｎａ #myna", ["ｍｙｎａ"]),
    ("#猫 #话题# #猫 #话题#", ["猫", "话题"]),
    ("#话题# #话题", ["话题"]),
]


@pytest.mark.parametrize(("text", "tags"), TAGS)
def test_tags(text: str, tags: list[str]) -> None:
    assert parse(text).tags == tags


def test_thirty_one_character_span_is_not_a_topic() -> None:
    text = "#" + "好 " * 15 + "好#"
    assert len(text) - 2 == TOPIC_MAX_CHARS + 1
    kinds = [token.kind for token in parse(text).tokens]
    assert "topic" not in kinds


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("#话题#", ["topic"]),
        ("#cats and #dogs", ["tag", "text", "tag"]),
        ("你好@alice看https://a.cn/x #猫", ["text", "mention", "text", "link", "text", "tag"]),
        ("https://a.cn/x#猫", ["link", "text"]),  # a fragment belongs to the link
        ("plain", ["text"]),
        ("", []),
    ],
)
def test_token_kinds(text: str, kinds: list[str]) -> None:
    assert [token.kind for token in parse(text).tokens] == kinds


@pytest.mark.parametrize(
    "text",
    ["", "plain", "你好@alice看https://a.cn/x，#猫 #话题# end.", "a\n\nb #tag\n@bob", "#a#b#c"],
)
def test_tokens_cover_the_text_exactly(text: str) -> None:
    assert "".join(token.text for token in parse(text).tokens) == text


def test_token_values() -> None:
    tokens = parse("@Alice #猫 #话题# https://a.cn/x").tokens
    values = {token.kind: (token.text, token.value) for token in tokens if token.kind != "text"}
    assert values == {
        "mention": ("@Alice", "Alice"),
        "tag": ("#猫", "猫"),
        "topic": ("#话题#", "话题"),
        "link": ("https://a.cn/x", "https://a.cn/x"),
    }


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Myna", "myna"),
        ("MYNA", "myna"),
        ("ＭＹＮＡ", "myna"),  # full-width Latin
        ("ｍｙｎａ", "Myna"),
        ("２０２６年", "2026年"),  # full-width digits
        ("Straße", "STRASSE"),  # case folding, not just lower-casing
        ("猫", "猫"),
    ],
)
def test_tag_key_equal(a: str, b: str) -> None:
    assert tag_key(a) == tag_key(b)


@pytest.mark.parametrize(("a", "b"), [("猫", "狗"), ("myna", "mynah"), ("话题", "话 题")])
def test_tag_key_different(a: str, b: str) -> None:
    assert tag_key(a) != tag_key(b)
