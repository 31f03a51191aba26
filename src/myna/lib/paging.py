"""Mastodon-style paging parameters: max_id, since_id, min_id and limit."""

from dataclasses import dataclass

DEFAULT_LIMIT = 20
MAX_LIMIT = 40


@dataclass(frozen=True, slots=True)
class Page:
    """`max_id` pages backwards (older), `since_id` stops at a point, `min_id` pages forwards
    (newer, the items right after min_id). Results are always returned newest first."""

    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None
    limit: int = DEFAULT_LIMIT

    @property
    def forwards(self) -> bool:
        return self.min_id is not None
