"""full-text search of statuses: the index table, filled from the statuses there are

SQLite: an FTS5 table (rowid = status id) and a trigger that takes a deleted status out of it
(FTS5 tables have no foreign keys). PostgreSQL: a table of tsvectors with a GIN index and a
cascading foreign key. No model describes these tables (SQLAlchemy cannot describe an FTS5
table): migrations/env.py leaves them out of the models-versus-migrations comparison. Both hold
the terms of myna.lib.search_text (backends/search.py).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 01:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from myna.lib.search_text import document, tsvector

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE status_search ("
            " status_id BIGINT NOT NULL,"
            " document TSVECTOR NOT NULL,"
            " CONSTRAINT pk_status_search PRIMARY KEY (status_id),"
            " CONSTRAINT fk_status_search_status_id_statuses FOREIGN KEY (status_id)"
            " REFERENCES statuses (id) ON DELETE CASCADE)"
        )
        op.execute("CREATE INDEX ix_status_search_document ON status_search USING gin (document)")
    else:
        op.execute(
            # prefix='1': an index of every term's first character, for one-character queries
            # (a CJK character is a prefix of the bigrams it starts): without it FTS5 merges the
            # doclists of every term that starts with it, ten times slower on a common one.
            "CREATE VIRTUAL TABLE status_search USING fts5("
            "terms, tokenize = 'unicode61 remove_diacritics 0', prefix = '1')"
        )
        op.execute(
            "CREATE TRIGGER status_search_on_delete AFTER DELETE ON statuses BEGIN"
            " DELETE FROM status_search WHERE rowid = old.id; END"
        )
    _fill(bind)


def _fill(bind: sa.Connection) -> None:
    """Index the statuses there are (originals and quotes; reposts have no text), in batches."""
    postgres = bind.dialect.name == "postgresql"
    insert = sa.text(
        "INSERT INTO status_search (status_id, document) VALUES (:id, CAST(:doc AS tsvector))"
        if postgres
        else "INSERT INTO status_search (rowid, terms) VALUES (:id, :doc)"
    )
    after = 0
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT id, spoiler_text, text FROM statuses"
                " WHERE id > :after AND reblog_of_id IS NULL ORDER BY id LIMIT :batch"
            ),
            {"after": after, "batch": BATCH},
        ).all()
        if not rows:
            return
        values = []
        for status_id, spoiler_text, body in rows:
            found = document(spoiler_text or "", body or "")
            if found:
                values.append(
                    {"id": status_id, "doc": tsvector(found) if postgres else " ".join(found)}
                )
        if values:
            bind.execute(insert, values)
        after = rows[-1][0]


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE status_search")
    else:
        op.execute("DROP TRIGGER IF EXISTS status_search_on_delete")
        op.execute("DROP TABLE status_search")
