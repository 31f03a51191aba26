"""archives and imports: the archive an account asked for, and the CSV files it imported

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "archive_exports",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("file_key", sa.String(length=200), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_archive_exports_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_exports")),
        sa.UniqueConstraint("account_id", name=op.f("uq_archive_exports_account_id")),
    )
    op.create_index(op.f("ix_archive_exports_created_at"), "archive_exports", ["created_at"])
    op.create_table(
        "imports",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("rows", sa.Text(), nullable=False),
        sa.Column("total_items", sa.BigInteger(), nullable=False),
        sa.Column("processed_items", sa.BigInteger(), nullable=False),
        sa.Column("failed_items", sa.BigInteger(), nullable=False),
        sa.Column("failures", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_imports_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    op.create_index("ix_imports_account_id_id", "imports", ["account_id", "id"])
    op.create_index(op.f("ix_imports_state"), "imports", ["state"])


def downgrade() -> None:
    op.drop_index(op.f("ix_imports_state"), "imports")
    op.drop_index("ix_imports_account_id_id", "imports")
    op.drop_table("imports")
    op.drop_index(op.f("ix_archive_exports_created_at"), "archive_exports")
    op.drop_table("archive_exports")
