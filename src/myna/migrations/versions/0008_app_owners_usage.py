"""apps' usage per day (the developer portal)

`oauth_apps.owner_id` has been there since 0001 (nullable, ON DELETE CASCADE: an account's
apps go with it; apps registered through POST /api/v1/apps keep NULL). This adds the table
of calls and errors per app per UTC day.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-12 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "oauth_app_usage",
        sa.Column("app_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("calls", sa.BigInteger(), nullable=False),
        sa.Column("errors", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["oauth_apps.id"],
            name=op.f("fk_oauth_app_usage_app_id_oauth_apps"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("app_id", "day", name=op.f("pk_oauth_app_usage")),
    )
    with op.batch_alter_table("oauth_apps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oauth_apps_owner_id"), ["owner_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("oauth_apps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_apps_owner_id"))
    op.drop_table("oauth_app_usage")
