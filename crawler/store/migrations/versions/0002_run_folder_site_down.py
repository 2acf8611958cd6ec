"""Runs remember their output folder and whether the site was down; findings are
looked up by identity across runs (index on key).

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as b:
        b.add_column(sa.Column("out_dir", sa.Text, nullable=False, server_default=""))
        b.add_column(sa.Column("site_down", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_index("ix_findings_key", "findings", ["key"])


def downgrade() -> None:
    op.drop_index("ix_findings_key", "findings")
    with op.batch_alter_table("runs") as b:
        b.drop_column("site_down")
        b.drop_column("out_dir")
