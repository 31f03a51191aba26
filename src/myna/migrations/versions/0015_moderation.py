"""moderation: roles and moderation state on accounts, reports, the audit log

`accounts.is_admin` becomes `accounts.role` ("", "moderator" or "admin"); admins stay admins.
The accounts table is altered in place, never rebuilt: on SQLite a rebuild would drop the
trigger migration 0013 put on it.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28 07:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_username", sa.String(length=30), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target_type", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("target_label", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["accounts.id"],
            name=op.f("fk_audit_log_actor_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_actor_id"), "audit_log", ["actor_id"])

    op.create_table(
        "reports",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("target_account_id", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("group_id", sa.BigInteger(), nullable=True),
        sa.Column("assigned_account_id", sa.BigInteger(), nullable=True),
        sa.Column("action_taken_at", WHEN, nullable=True),
        sa.Column("action_taken_by_account_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_reports_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["action_taken_by_account_id"],
            ["accounts.id"],
            name=op.f("fk_reports_action_taken_by_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["assigned_account_id"],
            ["accounts.id"],
            name=op.f("fk_reports_assigned_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_reports_group_id_groups"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["target_account_id"],
            ["accounts.id"],
            name=op.f("fk_reports_target_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
    )
    op.create_index(op.f("ix_reports_account_id"), "reports", ["account_id"])
    op.create_index("ix_reports_action_taken_at_id", "reports", ["action_taken_at", "id"])
    op.create_index(op.f("ix_reports_group_id"), "reports", ["group_id"])
    op.create_index(op.f("ix_reports_target_account_id"), "reports", ["target_account_id"])

    op.create_table(
        "report_statuses",
        sa.Column("report_id", sa.BigInteger(), nullable=False),
        sa.Column("status_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_report_statuses_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["status_id"],
            ["statuses.id"],
            name=op.f("fk_report_statuses_status_id_statuses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_id", "status_id", name=op.f("pk_report_statuses")),
    )
    op.create_index(op.f("ix_report_statuses_status_id"), "report_statuses", ["status_id"])

    # In place (ADD/DROP COLUMN), not batch mode: see the docstring.
    op.add_column("accounts", sa.Column("role", sa.String(16), nullable=False, server_default=""))
    op.add_column(
        "accounts",
        sa.Column("verified_reason", sa.String(200), nullable=False, server_default=""),
    )
    for name in ("silenced_at", "suspended_at", "disabled_at", "sensitized_at"):
        op.add_column("accounts", sa.Column(name, WHEN, nullable=True))
    op.add_column(
        "accounts", sa.Column("approved", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.execute("UPDATE accounts SET role = 'admin' WHERE is_admin")
    op.drop_column("accounts", "is_admin")
    # The models carry no server defaults: the columns are always written by the application.
    if op.get_bind().dialect.name == "postgresql":
        for name in ("role", "verified_reason", "approved"):
            op.alter_column("accounts", name, server_default=None)
    op.create_index(op.f("ix_accounts_silenced_at"), "accounts", ["silenced_at"])
    op.create_index(op.f("ix_accounts_suspended_at"), "accounts", ["suspended_at"])

    # notifications has no trigger, so batch mode (a rebuild on SQLite) is safe for the key.
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.add_column(sa.Column("report_id", sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_notifications_report_id_reports"),
            "reports",
            ["report_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.create_index(op.f("ix_notifications_report_id"), "notifications", ["report_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_notifications_report_id"), "notifications")
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.drop_column("report_id")
    op.drop_index(op.f("ix_accounts_suspended_at"), "accounts")
    op.drop_index(op.f("ix_accounts_silenced_at"), "accounts")
    op.add_column(
        "accounts", sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.execute("UPDATE accounts SET is_admin = (role = 'admin')")
    for name in (
        "approved",
        "sensitized_at",
        "disabled_at",
        "suspended_at",
        "silenced_at",
        "verified_reason",
        "role",
    ):
        op.drop_column("accounts", name)
    op.drop_table("report_statuses")
    op.drop_table("reports")
    op.drop_table("audit_log")
