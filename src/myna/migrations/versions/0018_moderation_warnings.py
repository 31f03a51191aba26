"""moderation warnings: a notification can point at the audit log entry it tells of

A moderator's action on an account (a warning, a limit, ...) tells the person with a
`moderation_warning` notification; `notifications.audit_id` is the entry it tells of.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-28 09:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # notifications has no trigger, so batch mode (a rebuild on SQLite) is safe for the key.
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.add_column(sa.Column("audit_id", sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_notifications_audit_id_audit_log"),
            "audit_log",
            ["audit_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.create_index(op.f("ix_notifications_audit_id"), "notifications", ["audit_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_notifications_audit_id"), "notifications")
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.drop_column("audit_id")
