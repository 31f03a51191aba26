"""conversations: direct messages grouped by their participants

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 14:56:43.986717
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("participants_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint("participants_key", name=op.f("uq_conversations_participants_key")),
    )
    op.create_table(
        "conversation_members",
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("last_status_id", sa.BigInteger(), nullable=True),
        sa.Column("unread", sa.Boolean(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_conversation_members_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_members_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["last_status_id"],
            ["statuses.id"],
            name=op.f("fk_conversation_members_last_status_id_statuses"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint(
            "conversation_id", "account_id", name=op.f("pk_conversation_members")
        ),
    )
    op.create_index(
        "ix_conversation_members_account_id_last_status_id",
        "conversation_members",
        ["account_id", "last_status_id"],
    )
    op.create_index(
        op.f("ix_conversation_members_last_status_id"), "conversation_members", ["last_status_id"]
    )

    # A plain column (see models/status.py): adding a foreign key would make SQLite rebuild
    # `statuses`, and dropping that table with foreign keys on deletes what references it.
    op.add_column("statuses", sa.Column("conversation_id", sa.BigInteger(), nullable=True))
    op.create_index("ix_statuses_conversation_id_id", "statuses", ["conversation_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_statuses_conversation_id_id", table_name="statuses")
    # Dropping a column makes SQLite rebuild the table; this one has no constraint, and
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+) does that in place.
    op.drop_column("statuses", "conversation_id")
    op.drop_index(
        "ix_conversation_members_account_id_last_status_id", table_name="conversation_members"
    )
    op.drop_table("conversation_members")
    op.drop_table("conversations")
