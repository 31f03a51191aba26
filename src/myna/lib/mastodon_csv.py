"""Mastodon's CSV exports, read and written: following, blocked and muted accounts, lists and
bookmarks (docs/data.md). A file is checked whole before anything is written: too large, not
CSV, or rows that do not fit its kind refuse it with a `FileRefused` naming the reason (and
the line), so an import either starts with every row parsed or writes nothing.

Rows are kept normalised, one list of strings per row:

    following  [address, show boosts "true"|"false", notify "true"|"false"]
    blocks     [address]
    mutes      [address, hide notifications "true"|"false"]
    lists      [list title, address]
    bookmarks  [status URL]
"""

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from myna.lib.errors import ValidationFailed

MAX_BYTES = 1024 * 1024
MAX_ROWS = 20_000
KINDS = ("following", "blocks", "mutes", "lists", "bookmarks")

FOLLOWING_HEADER = ("Account address", "Show boosts", "Notify on new posts", "Languages")
MUTES_HEADER = ("Account address", "Hide notifications")

# Why a file is refused (FileRefused.reason).
EMPTY = "empty"
TOO_LARGE = "too large"
TOO_MANY_ROWS = "too many rows"
NOT_CSV = "not csv"
WRONG_TYPE = "wrong type"

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}
# Loose on purpose: remote names may hold dots and dashes; whether one is ours is decided later.
_ADDRESS = re.compile(r"@?([^\s@,/]+)(?:@([^\s@,/]+))?")
_STATUS_PATHS = (
    re.compile(r"/@[^/]+/(\d{1,19})/?"),
    re.compile(r"/users/[^/]+/statuses/(\d{1,19})/?"),
)


class FileRefused(ValidationFailed):
    """The whole file is refused; nothing was written. `line` is 1-based, when one is meant."""

    def __init__(self, reason: str, line: int | None = None, kind: str = "") -> None:
        self.reason = reason
        self.line = line
        self.kind = kind
        super().__init__(_message(reason, line, kind))


def _message(reason: str, line: int | None, kind: str) -> str:
    if reason == EMPTY:
        return "Validation failed: the file is empty"
    if reason == TOO_LARGE:
        return f"Validation failed: the file is too large (at most {MAX_BYTES // 1024} KB)"
    if reason == TOO_MANY_ROWS:
        return f"Validation failed: the file has too many rows (at most {MAX_ROWS})"
    if reason == NOT_CSV:
        return "Validation failed: the file is not a CSV file"
    return f"Validation failed: line {line} does not fit a {kind} file"


@dataclass(frozen=True)
class Address:
    username: str
    domain: str | None  # None: written without a domain, which means this server

    def is_local(self, local_domain: str) -> bool:
        return self.domain is None or self.domain.lower() == local_domain.lower()

    def __str__(self) -> str:
        return self.username if self.domain is None else f"{self.username}@{self.domain}"


def parse_address(text: str) -> Address | None:
    """`alice@example.org`, `@alice@example.org` or `alice`; None when it is none of those."""
    match = _ADDRESS.fullmatch(text.strip())
    if match is None:
        return None
    return Address(match.group(1), match.group(2))


def status_id_of(url: str, base_url: str) -> int | None:
    """The id of a status of this server from its URL (`/@alice/1`) or its ActivityPub id
    (`/users/alice/statuses/1`); None for anything else, another server's statuses included."""
    here, there = urlsplit(base_url), urlsplit(url.strip())
    if (there.scheme.lower(), there.netloc.lower()) != (here.scheme.lower(), here.netloc.lower()):
        return None
    prefix = here.path.rstrip("/")
    if not there.path.startswith(prefix + "/"):
        return None
    path = there.path[len(prefix) :]
    for pattern in _STATUS_PATHS:
        match = pattern.fullmatch(path)
        if match:
            return int(match.group(1))
    return None


def _flag(cell: str, default: bool) -> str | None:
    value = cell.strip().lower()
    if not value:
        return "true" if default else "false"
    if value in _TRUE:
        return "true"
    if value in _FALSE:
        return "false"
    return None


def _cells(row: Sequence[str]) -> list[str]:
    """The row without its trailing empty cells."""
    cells = [cell.strip() for cell in row]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _is_address(cell: str) -> bool:
    return parse_address(cell) is not None


def _normalise(kind: str, cells: list[str]) -> list[str] | None:
    """One data row in its normal form, or None when it does not fit the kind."""
    if kind == "following":
        if not 1 <= len(cells) <= 4 or not _is_address(cells[0]):
            return None
        boosts = _flag(cells[1] if len(cells) > 1 else "", True)
        notify = _flag(cells[2] if len(cells) > 2 else "", False)
        if boosts is None or notify is None:
            return None
        return [cells[0], boosts, notify]
    if kind == "blocks":
        return [cells[0]] if len(cells) == 1 and _is_address(cells[0]) else None
    if kind == "mutes":
        if not 1 <= len(cells) <= 2 or not _is_address(cells[0]):
            return None
        hide = _flag(cells[1] if len(cells) > 1 else "", True)
        return None if hide is None else [cells[0], hide]
    if kind == "lists":
        if len(cells) != 2 or not cells[0] or not _is_address(cells[1]):
            return None
        return [cells[0], cells[1]]
    if len(cells) != 1 or urlsplit(cells[0]).scheme.lower() not in ("http", "https"):
        return None
    return [cells[0]]


def _header_fits(kind: str, cells: list[str]) -> bool | None:
    """For a first row that is a header: whether it is this kind's (None: not a header)."""
    if not cells or cells[0].lower() != "account address":
        return None
    names = [cell.lower() for cell in cells]
    if kind == "following":
        return "hide notifications" not in names
    if kind == "mutes":
        return "show boosts" not in names
    return kind == "blocks" and len(cells) == 1


def parse(kind: str, data: bytes) -> list[list[str]]:
    """Every data row of a `kind` file, normalised (see the module's docstring)."""
    if kind not in KINDS:
        raise ValueError(kind)
    if not data.strip():
        raise FileRefused(EMPTY)
    if len(data) > MAX_BYTES:
        raise FileRefused(TOO_LARGE)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused(NOT_CSV) from None
    if "\x00" in text:
        raise FileRefused(NOT_CSV)
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    first = True
    try:
        for row in reader:
            cells = _cells(row)
            if not cells:
                continue
            if first:  # a header, if there is one, is the first row that is not blank
                first = False
                header = _header_fits(kind, cells)
                if header is False:
                    raise FileRefused(WRONG_TYPE, reader.line_num, kind)
                if header:
                    continue
            normal = _normalise(kind, cells)
            if normal is None:
                raise FileRefused(WRONG_TYPE, reader.line_num, kind)
            rows.append(normal)
            if len(rows) > MAX_ROWS:
                raise FileRefused(TOO_MANY_ROWS)
    except csv.Error:
        raise FileRefused(NOT_CSV) from None
    if not rows:
        raise FileRefused(EMPTY)
    return rows


def write(rows: Iterable[Sequence[object]], header: Sequence[str] | None = None) -> str:
    """CSV text as Mastodon writes it: comma-separated, quoted where needed, one row a line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header is not None:
        writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return out.getvalue()
