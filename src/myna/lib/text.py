"""Weibo's length rule and the entities of a post, parsed once at write time.

Length is counted in Weibo units: a non-ASCII character (Chinese, full-width punctuation,
an emoji) counts 1, an ASCII character 1/2, every link 10 whatever its length, and the sum is
rounded up at the end. An emoji built from several code points (skin tones, ZWJ families,
flags, variation selectors) is one character, as a person sees it.

Entities are `@username` mentions, `#tag` hashtags (Unicode letters and digits, so CJK works),
Weibo topics `#话题#` (the text between two `#` on one line, at most 30 characters) and links.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

LINK_UNITS = 10
TOPIC_MAX_CHARS = 30
TAG_MAX_CHARS = 100
USERNAME_RE = re.compile(r"[A-Za-z0-9_]{1,30}")

# A link runs over printable ASCII only, so Chinese text glued to a URL is not swallowed;
# trailing sentence punctuation is not part of it.
_LINK_RE = re.compile(r"https?://[!-~]+", re.IGNORECASE)
_LINK_TRAILING = ".,;:!?'\")]}*"
_MENTION_RE = re.compile(r"@([A-Za-z0-9_]{1,30})(?![A-Za-z0-9_@])")
_MENTION_BLOCKED_BEFORE = set(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@/.+-"
)
_TAG_RE = re.compile(rf"#(\w{{1,{TAG_MAX_CHARS}}})")
_TOPIC_RE = re.compile(rf"#([^#\n\r]{{1,{TOPIC_MAX_CHARS}}})#")
_TAG_BLOCKED_BEFORE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_&/#")

_ZWJ = 0x200D


def _joins_previous(cp: int, previous: int | None) -> bool:
    """True when code point `cp` belongs to the same visible character as the one before."""
    if previous is None:
        return False
    if previous == _ZWJ or cp == _ZWJ:
        return True
    if 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:  # variation selectors
        return True
    if 0x1F3FB <= cp <= 0x1F3FF:  # skin-tone modifiers
        return True
    if 0xE0020 <= cp <= 0xE007F:  # tag characters (subdivision flags)
        return True
    # Combining marks of every kind, enclosing ones included (the keycap U+20E3 in 1️⃣).
    return unicodedata.category(chr(cp)).startswith("M")


def _half_units(text: str) -> int:
    halves = 0
    previous: int | None = None
    regional_open = False
    plain_ascii = False  # the visible character being read is, so far, one ASCII code point
    for ch in text:
        cp = ord(ch)
        if _joins_previous(cp, previous):
            if plain_ascii and cp >= 0x80:  # a keycap 1️⃣ or a decomposed é: no longer ASCII
                halves += 1
                plain_ascii = False
            previous = cp
            continue
        if 0x1F1E6 <= cp <= 0x1F1FF:  # two regional indicators make one flag
            if regional_open:
                regional_open = False
                previous = cp
                continue
            regional_open = True
        else:
            regional_open = False
        halves += 1 if cp < 0x80 else 2
        plain_ascii = cp < 0x80
        previous = cp
    return halves


def find_links(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of the links in `text`."""
    spans = []
    for match in _LINK_RE.finditer(text):
        end = match.end()
        while end > match.start() and text[end - 1] in _LINK_TRAILING:
            end -= 1
        if end - match.start() > len("https://"):
            spans.append((match.start(), end))
    return spans


def weibo_length(text: str) -> int:
    """The length of `text` in Weibo units (see the module docstring)."""
    halves = 0
    position = 0
    for start, end in find_links(text):
        halves += _half_units(text[position:start]) + 2 * LINK_UNITS
        position = end
    halves += _half_units(text[position:])
    return (halves + 1) // 2


TokenKind = Literal["text", "link", "mention", "tag", "topic"]


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    text: str  # exactly as written
    value: str = ""  # the link URL, the mentioned username or the tag/topic name


@dataclass(frozen=True, slots=True)
class Parsed:
    tokens: list[Token]
    mentions: list[str] = field(default_factory=list)  # usernames, first-seen order, unique
    tags: list[str] = field(default_factory=list)  # tag and topic names, unique by tag_key
    links: list[str] = field(default_factory=list)


def tag_key(name: str) -> str:
    """How tags compare: NFKC then case-folded, so #Myna, #myna and full-width forms match."""
    return unicodedata.normalize("NFKC", name).casefold()


def written_tag(name: str) -> str:
    """How a tag's name is written in a post: `#tag` for a plain ASCII word, else the Weibo
    topic form `#话题#` (when it fits one)."""
    word = name.isascii() and name.replace("_", "").isalnum()
    return f"#{name}" if word or len(name) > TOPIC_MAX_CHARS else f"#{name}#"


def _valid_topic(inner: str) -> bool:
    return inner == inner.strip() and not inner.isspace()


def _tag_name_ok(name: str) -> bool:
    """`#2026` is a number, not a tag: a tag needs one character that is not a digit or `_`."""
    return any(not c.isdigit() and c != "_" for c in name)


def _scan_plain(text: str, tokens: list[Token]) -> None:
    """Split a stretch of text that holds no links into text, mention, tag and topic tokens."""
    position = 0
    buffer_start = 0

    def flush(until: int) -> None:
        if until > buffer_start:
            tokens.append(Token("text", text[buffer_start:until]))

    while position < len(text):
        ch = text[position]
        if ch == "@":
            prev = text[position - 1] if position else ""
            match = _MENTION_RE.match(text, position)
            if match and prev not in _MENTION_BLOCKED_BEFORE:
                flush(position)
                tokens.append(Token("mention", match.group(0), match.group(1)))
                position = buffer_start = match.end()
                continue
        elif ch == "#":
            prev = text[position - 1] if position else ""
            if prev not in _TAG_BLOCKED_BEFORE:
                topic = _TOPIC_RE.match(text, position)
                if topic and _valid_topic(topic.group(1)):
                    flush(position)
                    tokens.append(Token("topic", topic.group(0), topic.group(1)))
                    position = buffer_start = topic.end()
                    continue
                tag = _TAG_RE.match(text, position)
                if tag and _tag_name_ok(tag.group(1)):
                    flush(position)
                    tokens.append(Token("tag", tag.group(0), tag.group(1)))
                    position = buffer_start = tag.end()
                    continue
        position += 1
    flush(len(text))


def parse(text: str) -> Parsed:
    """Tokenise a post; entity lists are de-duplicated in first-seen order."""
    tokens: list[Token] = []
    position = 0
    for start, end in find_links(text):
        _scan_plain(text[position:start], tokens)
        tokens.append(Token("link", text[start:end], text[start:end]))
        position = end
    _scan_plain(text[position:], tokens)

    mentions: list[str] = []
    tags: list[str] = []
    links: list[str] = []
    seen_mentions: set[str] = set()
    seen_tags: set[str] = set()
    for token in tokens:
        if token.kind == "mention" and token.value.lower() not in seen_mentions:
            seen_mentions.add(token.value.lower())
            mentions.append(token.value)
        elif token.kind in ("tag", "topic") and tag_key(token.value) not in seen_tags:
            seen_tags.add(tag_key(token.value))
            tags.append(token.value)
        elif token.kind == "link" and token.value not in links:
            links.append(token.value)
    return Parsed(tokens=tokens, mentions=mentions, tags=tags, links=links)


_LEADING_MENTION = re.compile(r"\s*@([A-Za-z0-9_]{1,30})(?![A-Za-z0-9_@])")


def unaddressed(text: str, names: set[str]) -> str:
    """`text` without the @names of `names` (lowercase) it starts with: a direct message
    without how it is addressed."""
    rest = text
    while (found := _LEADING_MENTION.match(rest)) is not None and found.group(1).lower() in names:
        rest = rest[found.end() :]
    return rest.strip()


def valid_username(name: str) -> bool:
    return USERNAME_RE.fullmatch(name) is not None
