"""apps added to groups, and the group of a webhook delivery (group events)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-14 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "group_apps",
        sa.Column("group_id", sa.BigInteger(), nullable=False),
        sa.Column("app_id", sa.BigInteger(), nullable=False),
        sa.Column("added_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by"],
            ["accounts.id"],
            name=op.f("fk_group_apps_added_by_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["oauth_apps.id"],
            name=op.f("fk_group_apps_app_id_oauth_apps"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_group_apps_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "app_id", name=op.f("pk_group_apps")),
    )
    with op.batch_alter_table("group_apps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_apps_app_id"), ["app_id"], unique=False)

    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_id", sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_webhook_deliveries_group_id_groups"),
            "groups",
            ["group_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_webhook_deliveries_group_id_groups"), type_="foreignkey"
        )
        batch_op.drop_column("group_id")
    with op.batch_alter_table("group_apps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_apps_app_id"))
    op.drop_table("group_apps")
