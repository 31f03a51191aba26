"""Time-ordered 64-bit ids: milliseconds since the Unix epoch in the high bits, 16 low bits
from a per-process counter that starts at a random point. Sorting ids sorts by creation time,
which is what max_id/since_id/min_id paging relies on."""

import itertools
import secrets
import time

_counter = itertools.count(secrets.randbelow(1 << 16))


def new_id(at_ms: int | None = None) -> int:
    ms = int(time.time() * 1000) if at_ms is None else at_ms
    return (ms << 16) | (next(_counter) & 0xFFFF)


def id_floor(at_ms: int) -> int:
    """The smallest id that can be issued at `at_ms`: for time-based bounds on id columns."""
    return at_ms << 16


def id_to_ms(value: int) -> int:
    return value >> 16


def parse_id(raw: object) -> int | None:
    """An id from the wire, or None when it is not a positive 63-bit integer."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 19:
        value = int(raw)
    else:
        return None
    return value if 0 < value < (1 << 63) else None
