"""trends: uses by target, hour and account; links; the stored ranking; hidden targets

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 01:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trend_uses",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("target_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hour", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("uses", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_trend_uses_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "kind", "target_id", "hour", "account_id", name=op.f("pk_trend_uses")
        ),
    )
    with op.batch_alter_table("trend_uses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_trend_uses_hour_kind_target_id", ["hour", "kind", "target_id"], unique=False
        )
    op.create_table(
        "trend_links",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trend_links")),
        sa.UniqueConstraint("key", name=op.f("uq_trend_links_key")),
    )
    op.create_table(
        "trends",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("target_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("rank", sa.BigInteger(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "target_id", name=op.f("pk_trends")),
    )
    with op.batch_alter_table("trends", schema=None) as batch_op:
        batch_op.create_index("ix_trends_kind_rank", ["kind", "rank"], unique=False)
    op.create_table(
        "trend_refreshes",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_trend_refreshes")),
    )
    op.create_table(
        "trend_bans",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("target_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "target_id", name=op.f("pk_trend_bans")),
    )


def downgrade() -> None:
    op.drop_table("trend_bans")
    op.drop_table("trend_refreshes")
    with op.batch_alter_table("trends", schema=None) as batch_op:
        batch_op.drop_index("ix_trends_kind_rank")
    op.drop_table("trends")
    op.drop_table("trend_links")
    with op.batch_alter_table("trend_uses", schema=None) as batch_op:
        batch_op.drop_index("ix_trend_uses_hour_kind_target_id")
    op.drop_table("trend_uses")
