"""server rules: settings the console edits, invites, e-mail domain blocks, sign-up reasons

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 07:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "server_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_server_settings")),
    )
    op.create_table(
        "invites",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("created_by_id", sa.BigInteger(), nullable=False),
        sa.Column("max_uses", sa.BigInteger(), nullable=True),
        sa.Column("uses", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", WHEN, nullable=True),
        sa.Column("revoked_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["accounts.id"],
            name=op.f("fk_invites_created_by_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
        sa.UniqueConstraint("code", name=op.f("uq_invites_code")),
    )
    op.create_index(op.f("ix_invites_created_by_id"), "invites", ["created_by_id"])
    op.create_table(
        "email_domain_blocks",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_domain_blocks")),
        sa.UniqueConstraint("domain", name=op.f("uq_email_domain_blocks_domain")),
    )
    # In place, as in 0015 (a rebuild of accounts on SQLite would drop 0013's trigger).
    op.add_column(
        "accounts", sa.Column("sign_up_reason", sa.Text(), nullable=False, server_default="")
    )
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("accounts", "sign_up_reason", server_default=None)


def downgrade() -> None:
    op.drop_column("accounts", "sign_up_reason")
    op.drop_table("email_domain_blocks")
    op.drop_index(op.f("ix_invites_created_by_id"), "invites")
    op.drop_table("invites")
    op.drop_table("server_settings")
