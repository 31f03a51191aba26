"""discovery: followed hashtags, dismissed follow suggestions, and the index that finds the
most followed verified accounts

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 01:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tag_follows",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("tag_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_tag_follows_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_tag_follows_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("account_id", "tag_id", name=op.f("pk_tag_follows")),
        sa.UniqueConstraint("id", name=op.f("uq_tag_follows_id")),
    )
    with op.batch_alter_table("tag_follows", schema=None) as batch_op:
        batch_op.create_index("ix_tag_follows_account_id_id", ["account_id", "id"], unique=False)
        batch_op.create_index(
            "ix_tag_follows_tag_id_account_id", ["tag_id", "account_id"], unique=False
        )

    op.create_table(
        "suggestion_dismissals",
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("target_account_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_suggestion_dismissals_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_account_id"],
            ["accounts.id"],
            name=op.f("fk_suggestion_dismissals_target_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "account_id", "target_account_id", name=op.f("pk_suggestion_dismissals")
        ),
    )
    with op.batch_alter_table("suggestion_dismissals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_suggestion_dismissals_target_account_id"),
            ["target_account_id"],
            unique=False,
        )

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_accounts_verified_followers_count", ["verified", "followers_count"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_accounts_verified_followers_count")
    with op.batch_alter_table("suggestion_dismissals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suggestion_dismissals_target_account_id"))
    op.drop_table("suggestion_dismissals")
    with op.batch_alter_table("tag_follows", schema=None) as batch_op:
        batch_op.drop_index("ix_tag_follows_tag_id_account_id")
        batch_op.drop_index("ix_tag_follows_account_id_id")
    op.drop_table("tag_follows")
