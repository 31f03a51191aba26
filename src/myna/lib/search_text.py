"""Full-text search terms, the same for both search backends (no I/O).

A text becomes a sequence of index terms; a query becomes a `Match` built from the same terms,
which each backend writes in its own syntax (`fts5`, `tsquery`). Because both sides go through
one tokenizer, whatever the text was split into, the query is split into the same way.

- Text is NFKC-normalised and case-folded (full-width Latin becomes ASCII, `Ｐｙｔｈｏｎ` is
  `python`), as the keyword filters are (policy/filters.py).
- Words of scripts that space their words (Latin, Cyrillic, digits, ...) are kept whole:
  `Python` -> `python`. `#` and `@` are dropped with the punctuation, so `#python` and `@alice`
  are found by `python` and `alice`. A link counts by its host name (`github.com/x` -> `github`,
  `com`): its path is noise.
- Runs of Chinese, Japanese or Korean characters, which have no spaces to split words at, are
  indexed as overlapping bigrams (`北京大学` -> `北京 京大 大学`), followed by the run's last
  character alone (`学`). A query of such characters is the phrase of its bigrams, so a word in
  the middle of a sentence is found (`图书馆` is `图书 书馆`, side by side), a two-character
  query is one bigram, and a single character is a prefix: every character of a run starts a
  bigram or is the run's last one.
- A query's parts are ANDed: `Python教程` and `iPhone 发布会` need every part.
"""

import re
import unicodedata
from dataclasses import dataclass

# A word longer than this is cut to it on both sides (a tsvector lexeme has a size limit).
MAX_WORD = 64
# Terms kept from one text, and parts of one query: what a search costs stays bounded.
MAX_TERMS = 2000
MAX_PARTS = 12

_CJK = (
    "\u1100-\u11ff"  # Hangul Jamo
    "\u2e80-\u2fdf"  # CJK radicals
    "\u3005-\u3007"  # 々 〆 〇
    "\u3041-\u309f"  # Hiragana
    "\u30a0-\u30ff"  # Katakana (with ー)
    "\u3100-\u312f"  # Bopomofo
    "\u3130-\u318f"  # Hangul compatibility Jamo
    "\u31a0-\u31bf"  # Bopomofo extended
    "\u31f0-\u31ff"  # Katakana phonetic extensions
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\ua960-\ua97f"  # Hangul Jamo extended A
    "\uac00-\ud7af"  # Hangul syllables
    "\ud7b0-\ud7ff"  # Hangul Jamo extended B
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\U00020000-\U0003134f"  # CJK extensions B to G
)
_CJK_RUN = re.compile(f"[{_CJK}]+")
# Letters and digits (no underscore: `snake_case` is two words, as a tokenizer of the index
# would see it) in runs; CJK runs are cut out of them afterwards.
_WORD_RUN = re.compile(r"[^\W_]+")
_LINK = re.compile(r"\b(?:https?://|www\.)([^\s/?#]+)[^\s]*", re.IGNORECASE)


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _unlinked(text: str) -> str:
    """Links by their host: `https://www.github.com/a/b?c` -> `github.com`."""

    def host(found: re.Match[str]) -> str:
        name = found.group(1).rsplit("@", 1)[-1].split(":", 1)[0]
        return " " + name.removeprefix("www.") + " "

    return _LINK.sub(host, text)


def _pieces(text: str) -> list[tuple[bool, str]]:
    """(is CJK, piece) in order: spaced words and CJK runs."""
    out: list[tuple[bool, str]] = []
    for run in _WORD_RUN.findall(_unlinked(fold(text))):
        start = 0
        for cjk in _CJK_RUN.finditer(run):
            if cjk.start() > start:
                out.append((False, run[start : cjk.start()]))
            out.append((True, cjk.group()))
            start = cjk.end()
        if start < len(run):
            out.append((False, run[start:]))
    return out


def bigrams(run: str) -> list[str]:
    """`北京大学` -> `北京 京大 大学`; a single character stays as it is."""
    if len(run) < 2:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def terms(text: str) -> list[str]:
    """The index terms of a text, in order (their positions make the phrases)."""
    out: list[str] = []
    for cjk, piece in _pieces(text):
        if cjk:
            out.extend(bigrams(piece))
            if len(piece) > 1:
                out.append(piece[-1])  # so that one character is always a prefix of a term
        else:
            out.append(piece[:MAX_WORD])
        if len(out) >= MAX_TERMS:
            return out[:MAX_TERMS]
    return out


def document(spoiler_text: str, text: str) -> list[str]:
    """What a status is found by: its content warning and its text (Status.text is the plain
    source; Status.content is the HTML built from it)."""
    return terms(f"{spoiler_text}\n{text}" if spoiler_text else text)


def account_document(username: str, display_name: str) -> list[str]:
    """What an account is found by besides its username's prefix: the words of its username
    (`xiao_ming` -> `xiao`, `ming`) and of its display name (`小明爱吃面` -> its bigrams)."""
    return terms(f"{username}\n{display_name}" if display_name else username)


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a query: a phrase of terms that must follow each other, or (`prefix`) a
    single character that starts a term."""

    terms: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class Match:
    """Every part must match."""

    parts: tuple[Part, ...]

    def fts5(self) -> str:
        """SQLite FTS5 query syntax."""
        out = []
        for part in self.parts:
            phrase = '"' + " ".join(t.replace('"', '""') for t in part.terms) + '"'
            out.append(phrase + "*" if part.prefix else phrase)
        return " AND ".join(out)

    def tsquery(self) -> str:
        """PostgreSQL tsquery input syntax (cast, not parsed by a text search configuration,
        so the lexemes are exactly the terms)."""
        out = []
        for part in self.parts:
            quoted = [_lexeme(t) for t in part.terms]
            if part.prefix:
                out.append(quoted[0] + ":*")
            elif len(quoted) == 1:
                out.append(quoted[0])
            else:
                out.append("(" + " <-> ".join(quoted) + ")")
        return " & ".join(out)


def query(text: str) -> Match | None:
    """The match for what someone typed; None when nothing in it can be searched for."""
    parts: list[Part] = []
    for cjk, piece in _pieces(text):
        if cjk and len(piece) == 1:
            part = Part((piece,), prefix=True)
        elif cjk:
            part = Part(tuple(bigrams(piece)))
        else:
            part = Part((piece[:MAX_WORD],))
        if part not in parts:
            parts.append(part)
    if not parts:
        return None
    return Match(tuple(parts[:MAX_PARTS]))


def _lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector(found: list[str]) -> str:
    """PostgreSQL tsvector input syntax for index terms: each term with its positions (1-based;
    PostgreSQL keeps positions up to 16383)."""
    positions: dict[str, list[int]] = {}
    for position, term in enumerate(found, start=1):
        positions.setdefault(term, []).append(min(position, 16383))
    return " ".join(
        f"{_lexeme(term)}:{','.join(map(str, sorted(set(at))))}" for term, at in positions.items()
    )
