"""finding accounts by name: the account index, filled from the accounts there are, and (on
PostgreSQL) prefix indexes for usernames and hashtags

`account_search` is migration 0010's `status_search` for accounts (backends/search.py): the
words of each account's username and display name. SQLite: an FTS5 table (rowid = account id)
and a trigger that takes a deleted account out of it. PostgreSQL: a table of tsvectors with a
GIN index and a cascading foreign key. Neither is described by a model (migrations/env.py).

PostgreSQL compares text by the database's collation, under which `LIKE 'ab%'` cannot use a
plain B-tree index unless the collation is "C": the `text_pattern_ops` indexes let the
username-prefix and tag-name-prefix searches (store/search.py) use one whatever the collation.
SQLite needs none: its LIKE prefix search of a short column of a small row stays a fast scan,
and these indexes would be dead weight there. No model describes them either (env.py).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from myna.lib.search_text import account_document, tsvector

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE account_search ("
            " account_id BIGINT NOT NULL,"
            " document TSVECTOR NOT NULL,"
            " CONSTRAINT pk_account_search PRIMARY KEY (account_id),"
            " CONSTRAINT fk_account_search_account_id_accounts FOREIGN KEY (account_id)"
            " REFERENCES accounts (id) ON DELETE CASCADE)"
        )
        op.execute("CREATE INDEX ix_account_search_document ON account_search USING gin (document)")
        op.execute(
            "CREATE INDEX ix_accounts_username_key_pattern"
            " ON accounts (username_key text_pattern_ops)"
        )
        op.execute("CREATE INDEX ix_tags_key_pattern ON tags (key text_pattern_ops)")
    else:
        # prefix='1': one-character queries, as in status_search (migration 0010).
        op.execute(
            "CREATE VIRTUAL TABLE account_search USING fts5("
            "terms, tokenize = 'unicode61 remove_diacritics 0', prefix = '1')"
        )
        op.execute(
            "CREATE TRIGGER account_search_on_delete AFTER DELETE ON accounts BEGIN"
            " DELETE FROM account_search WHERE rowid = old.id; END"
        )
    _fill(bind)


def _fill(bind: sa.Connection) -> None:
    postgres = bind.dialect.name == "postgresql"
    insert = sa.text(
        "INSERT INTO account_search (account_id, document) VALUES (:id, CAST(:doc AS tsvector))"
        if postgres
        else "INSERT INTO account_search (rowid, terms) VALUES (:id, :doc)"
    )
    after = 0
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT id, username, display_name FROM accounts"
                " WHERE id > :after ORDER BY id LIMIT :batch"
            ),
            {"after": after, "batch": BATCH},
        ).all()
        if not rows:
            return
        values = []
        for account_id, username, display_name in rows:
            found = account_document(username or "", display_name or "")
            if found:
                values.append(
                    {"id": account_id, "doc": tsvector(found) if postgres else " ".join(found)}
                )
        if values:
            bind.execute(insert, values)
        after = rows[-1][0]


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_tags_key_pattern")
        op.execute("DROP INDEX ix_accounts_username_key_pattern")
        op.execute("DROP TABLE account_search")
    else:
        op.execute("DROP TRIGGER IF EXISTS account_search_on_delete")
        op.execute("DROP TABLE account_search")
