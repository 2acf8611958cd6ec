"""Results database, first release: runs, findings (with stable identity), locks.

Revision ID: 0001
Revises:
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("site", sa.String(512), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False, server_default="audit"),  # audit | recheck
        sa.Column("state", sa.String(16), nullable=False, server_default="running"),
        sa.Column("as_of", sa.String(10), nullable=False),
        sa.Column("started_at", sa.String(32), nullable=False),
        sa.Column("finished_at", sa.String(32)),
        sa.Column("crawl_store", sa.Text, nullable=False, server_default=""),
        sa.Column("crawl_id", sa.Integer),
        sa.Column("urls", sa.Text, nullable=False, server_default="[]"),
        sa.Column("rules", sa.Text, nullable=False, server_default="[]"),
        sa.Column("base_run", sa.Integer),
        sa.Column("verdict", sa.String(16)),
        sa.Column("score", sa.Float),
        sa.Column("summary", sa.Text, nullable=False, server_default="{}"),
        sa.Column("changes", sa.Text, nullable=False, server_default="{}"),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False, index=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("parent", sa.String(64)),
        sa.Column("rule_id", sa.String(256), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("check", sa.String(64), nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("change", sa.String(16)),
        sa.Column("first_seen", sa.String(10)),
        sa.Column("open_runs", sa.Integer, nullable=False, server_default="0"),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("severity", sa.String(16), nullable=False, server_default=""),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.Column("units", sa.Text, nullable=False, server_default="[]"),
        sa.UniqueConstraint("run_id", "key", name="uq_finding_key"),
    )
    op.create_table(
        "locks",
        sa.Column("key", sa.String(256), primary_key=True),
        sa.Column("holder", sa.String(256), nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("acquired_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("locks")
    op.drop_table("findings")
    op.drop_table("runs")
