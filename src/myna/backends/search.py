"""The full-text search indexes of statuses and of accounts: SQLite FTS5 in embedded mode, a
tsvector column with a GIN index in PostgreSQL. Both hold the terms of lib/search_text.py (CJK
bigrams and whole words), so they find the same statuses for the same query.

Accounts have an index of the same kind (`account_search`, migration 0013: the words of the
username and the display name), written when an account registers or changes its name; a
query takes the ids of its matches as a subquery (`accounts_matching`) that store/search.py
joins to `accounts`.

The index lives in the database, so it is written in the transaction that writes the status:
a post is searchable when it commits, an edit replaces its terms, and a deleted status leaves
the index with it (PostgreSQL: a foreign key with ON DELETE CASCADE; SQLite, whose FTS5 tables
have no foreign keys: a trigger on `statuses`, migration 0010). Either way every way of
deleting statuses (one by one, a group's in bulk, an account's by cascade) is covered.

A query reads the newest `scan` matches from the index (index-driven: FTS5 walks its doclists
by descending rowid, PostgreSQL the GIN index or the primary key backwards), joins them to
`statuses` under the caller's visibility rule and keeps the newest `limit` of those, each with
its text relevance (bm25 / ts_rank, higher is better).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import BigInteger, ColumnElement, Float, Subquery, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from myna.lib.search_text import Match, tsvector
from myna.models import Status

TABLE = "status_search"
ACCOUNT_TABLE = "account_search"
# PostgreSQL: the newest documents a query first walks for its matches (PostgresSearch.hits).
PROBE = 50_000


@dataclass(frozen=True, slots=True)
class Hit:
    status_id: int
    relevance: float


@dataclass(frozen=True, slots=True)
class Window:
    """Which matches a query reads: ids below `max_id` and above `min_id`, the newest `scan` of
    them from the index, the newest `limit` of those that pass the caller's rule."""

    scan: int
    limit: int
    max_id: int | None = None
    min_id: int | None = None


class SearchIndex(Protocol):
    async def put(self, session: AsyncSession, status_id: int, terms: list[str]) -> None:
        """Index a status (replacing what it was indexed as); no terms: take it out."""
        ...

    async def replace_range(
        self,
        session: AsyncSession,
        first: int,
        last: int | None,
        rows: Sequence[tuple[int, list[str]]],
    ) -> None:
        """Reindexing: make the index hold exactly `rows` for ids from `first` to `last`
        (None: no upper end), whatever it held there before."""
        ...

    async def hits(
        self,
        session: AsyncSession,
        match: Match,
        window: Window,
        where: Sequence[ColumnElement[bool]],
        params: Mapping[str, Any],
    ) -> list[Hit]:
        """Matches of `match` whose `Status` passes `where`, newest first."""
        ...

    async def count(self, session: AsyncSession) -> int: ...

    async def put_account(self, session: AsyncSession, account_id: int, terms: list[str]) -> None:
        """Index an account's words (replacing what it was indexed as)."""
        ...

    async def replace_accounts(
        self,
        session: AsyncSession,
        first: int,
        last: int | None,
        rows: Sequence[tuple[int, list[str]]],
    ) -> None:
        """Reindexing accounts, as `replace_range` does statuses."""
        ...

    def accounts_matching(self, match: Match, scan: int) -> Subquery:
        """The ids (column `id`) of the newest `scan` accounts whose words match `match`."""
        ...

    async def count_accounts(self, session: AsyncSession) -> int: ...


def _bounds(column: str, window: Window, values: dict[str, Any]) -> str:
    out = ""
    if window.max_id is not None:
        out += f" AND {column} < :search_max_id"
        values["search_max_id"] = window.max_id
    if window.min_id is not None:
        out += f" AND {column} > :search_min_id"
        values["search_min_id"] = window.min_id
    return out


async def _hits(
    session: AsyncSession,
    inner: str,
    values: dict[str, Any],
    window: Window,
    where: Sequence[ColumnElement[bool]],
    params: Mapping[str, Any],
) -> list[Hit]:
    found = (
        text(inner)
        .bindparams(search_scan=window.scan)
        .columns(id=BigInteger(), relevance=Float())
        .subquery("hits")
    )
    stmt = (
        select(found.c.id, found.c.relevance)
        .join(Status, Status.id == found.c.id)
        .where(*where)
        .order_by(found.c.id.desc())
        .limit(window.limit)
    )
    rows = await session.execute(stmt, {**params, **values})
    return [Hit(int(status_id), float(relevance or 0.0)) for status_id, relevance in rows]


class Fts5Search:
    """SQLite: an FTS5 table whose rowid is the status id and whose one column holds the
    terms, space-separated (the unicode61 tokenizer splits them back at the spaces: every term
    is letters and digits only)."""

    async def put(self, session: AsyncSession, status_id: int, terms: list[str]) -> None:
        await _fts5_put(session, TABLE, status_id, terms)

    async def replace_range(
        self,
        session: AsyncSession,
        first: int,
        last: int | None,
        rows: Sequence[tuple[int, list[str]]],
    ) -> None:
        await _fts5_replace(session, TABLE, first, last, rows)

    async def hits(
        self,
        session: AsyncSession,
        match: Match,
        window: Window,
        where: Sequence[ColumnElement[bool]],
        params: Mapping[str, Any],
    ) -> list[Hit]:
        values: dict[str, Any] = {"search_match": match.fts5()}
        # bm25 is lower for better matches: negated, higher is better.
        inner = (
            f"SELECT rowid AS id, -bm25({TABLE}) AS relevance FROM {TABLE} "
            f"WHERE {TABLE} MATCH :search_match{_bounds('rowid', window, values)} "
            "ORDER BY rowid DESC LIMIT :search_scan"
        )
        return await _hits(session, inner, values, window, where, params)

    async def count(self, session: AsyncSession) -> int:
        return await _count(session, TABLE)

    async def put_account(self, session: AsyncSession, account_id: int, terms: list[str]) -> None:
        await _fts5_put(session, ACCOUNT_TABLE, account_id, terms)

    async def replace_accounts(
        self,
        session: AsyncSession,
        first: int,
        last: int | None,
        rows: Sequence[tuple[int, list[str]]],
    ) -> None:
        await _fts5_replace(session, ACCOUNT_TABLE, first, last, rows)

    def accounts_matching(self, match: Match, scan: int) -> Subquery:
        return _ids(
            f"SELECT rowid AS id FROM {ACCOUNT_TABLE} WHERE {ACCOUNT_TABLE} MATCH :account_match "
            "ORDER BY rowid DESC LIMIT :account_scan",
            match.fts5(),
            scan,
        )

    async def count_accounts(self, session: AsyncSession) -> int:
        return await _count(session, ACCOUNT_TABLE)


async def _fts5_put(session: AsyncSession, table: str, row_id: int, terms: list[str]) -> None:
    await session.execute(text(f"DELETE FROM {table} WHERE rowid = :id"), {"id": row_id})
    if terms:
        await session.execute(
            text(f"INSERT INTO {table} (rowid, terms) VALUES (:id, :terms)"),
            {"id": row_id, "terms": " ".join(terms)},
        )


async def _fts5_replace(
    session: AsyncSession,
    table: str,
    first: int,
    last: int | None,
    rows: Sequence[tuple[int, list[str]]],
) -> None:
    upper = "" if last is None else " AND rowid <= :last"
    await session.execute(
        text(f"DELETE FROM {table} WHERE rowid >= :first{upper}"),
        {"first": first, "last": last},
    )
    values = [{"id": i, "terms": " ".join(t)} for i, t in rows if t]
    if values:
        await session.execute(
            text(f"INSERT INTO {table} (rowid, terms) VALUES (:id, :terms)"), values
        )


async def _count(session: AsyncSession, table: str) -> int:
    return int(await session.scalar(text(f"SELECT count(*) FROM {table}")) or 0)


def _ids(inner: str, match: str, scan: int) -> Subquery:
    return (
        text(inner)
        .bindparams(account_match=match, account_scan=scan)
        .columns(id=BigInteger())
        .subquery("name_hits")
    )


class PostgresSearch:
    """PostgreSQL: `status_search(status_id, document tsvector)` with a GIN index. Documents
    and queries are written in tsvector and tsquery input syntax and cast, not parsed by a
    text search configuration, so the lexemes are exactly our terms, positions included (the
    phrase operator `<->` needs them)."""

    def __init__(self, probe: int = PROBE) -> None:
        self.probe = probe

    async def put(self, session: AsyncSession, status_id: int, terms: list[str]) -> None:
        await _pg_put(session, TABLE, "status_id", status_id, terms)

    async def replace_range(
        self,
        session: AsyncSession,
        first: int,
        last: int | None,
        rows: Sequence[tuple[int, list[str]]],
    ) -> None:
        await _pg_replace(session, TABLE, "status_id", first, last, rows)

    async def hits(
        self,
        session: AsyncSession,
        match: Match,
        window: Window,
        where: Sequence[ColumnElement[bool]],
        params: Mapping[str, Any],
    ) -> list[Hit]:
        values: dict[str, Any] = {"search_match": match.tsquery()}
        bounds = _bounds("status_id", window, values)
        # Statements are prepared, and after a few runs PostgreSQL may switch to a generic
        # plan, which cannot know how common this query's terms are: it then walks the whole
        # primary key for a rare term. Each search is planned for its own terms instead.
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        # A custom plan reads a common phrase's every match from the GIN index and rechecks
        # each row (tens of thousands at a million statuses) to keep the newest: when the
        # newest `probe` documents, walked along the primary key, already hold `scan`
        # matches, those are the newest matches, found for a fraction of that.
        walked = text(
            f"SELECT status_id FROM (SELECT status_id, document FROM {TABLE} WHERE TRUE{bounds} "
            "ORDER BY status_id DESC LIMIT :search_probe) AS recent "
            "WHERE document @@ CAST(:search_match AS tsquery) "
            "ORDER BY status_id DESC LIMIT :search_scan"
        )
        newest = list(
            await session.scalars(
                walked, {**values, "search_probe": self.probe, "search_scan": window.scan}
            )
        )
        if len(newest) >= window.scan:
            values["search_ids"] = newest
            inner = (
                "SELECT id, 0.0 AS relevance FROM unnest(CAST(:search_ids AS bigint[])) AS id "
                "ORDER BY id DESC LIMIT :search_scan"
            )
        else:
            # The rank is computed afterwards for the kept rows only: in this statement it
            # would be computed for every match before the newest are picked.
            inner = (
                f"SELECT status_id AS id, 0.0 AS relevance FROM {TABLE} "
                f"WHERE document @@ CAST(:search_match AS tsquery){bounds} "
                "ORDER BY status_id DESC LIMIT :search_scan"
            )
        found = await _hits(session, inner, values, window, where, params)
        if not found:
            return []
        ranks = text(
            f"SELECT status_id, ts_rank(document, CAST(:search_match AS tsquery)) FROM {TABLE} "
            "WHERE status_id = ANY(:ids)"
        )
        rows = await session.execute(
            ranks, {"search_match": values["search_match"], "ids": [h.status_id for h in found]}
        )
        relevance = {int(i): float(r) for i, r in rows}
        return [Hit(h.status_id, relevance.get(h.status_id, 0.0)) for h in found]

    async def count(self, session: AsyncSession) -> int:
        return await _count(session, TABLE)

    async def put_account(self, session: AsyncSession, account_id: int, terms: list[str]) -> None:
        await _pg_put(session, ACCOUNT_TABLE, "account_id", account_id, terms)

    async def replace_accounts(
        self,
        session: AsyncSession,
        first: int,
        last: int | None,
        rows: Sequence[tuple[int, list[str]]],
    ) -> None:
        await _pg_replace(session, ACCOUNT_TABLE, "account_id", first, last, rows)

    def accounts_matching(self, match: Match, scan: int) -> Subquery:
        return _ids(
            f"SELECT account_id AS id FROM {ACCOUNT_TABLE} "
            "WHERE document @@ CAST(:account_match AS tsquery) "
            "ORDER BY account_id DESC LIMIT :account_scan",
            match.tsquery(),
            scan,
        )

    async def count_accounts(self, session: AsyncSession) -> int:
        return await _count(session, ACCOUNT_TABLE)


async def _pg_put(
    session: AsyncSession, table: str, key: str, row_id: int, terms: list[str]
) -> None:
    if not terms:
        await session.execute(text(f"DELETE FROM {table} WHERE {key} = :id"), {"id": row_id})
        return
    await session.execute(
        text(
            f"INSERT INTO {table} ({key}, document) "
            "VALUES (:id, CAST(:document AS tsvector)) "
            f"ON CONFLICT ({key}) DO UPDATE SET document = excluded.document"
        ),
        {"id": row_id, "document": tsvector(terms)},
    )


async def _pg_replace(
    session: AsyncSession,
    table: str,
    key: str,
    first: int,
    last: int | None,
    rows: Sequence[tuple[int, list[str]]],
) -> None:
    upper = "" if last is None else f" AND {key} <= :last"
    await session.execute(
        text(f"DELETE FROM {table} WHERE {key} >= :first{upper}"),
        {"first": first, "last": last},
    )
    values = [{"id": i, "document": tsvector(t)} for i, t in rows if t]
    if values:
        await session.execute(
            text(
                f"INSERT INTO {table} ({key}, document) VALUES (:id, CAST(:document AS tsvector))"
            ),
            values,
        )


def search_index(dialect: str) -> SearchIndex:
    """The implementation for a database dialect (`Database.engine.dialect.name`)."""
    return PostgresSearch() if dialect == "postgresql" else Fts5Search()
