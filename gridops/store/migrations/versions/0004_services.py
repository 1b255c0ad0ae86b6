"""The services' tables (svc_deliveries, svc_cursors, svc_joint_tasks, svc_escalations,
svc_callbacks) and their indexes.

Before this revision the services created these tables themselves at start-up with
``CREATE TABLE IF NOT EXISTS``, outside the migrations. So this migration creates each table,
and each index, only if it is missing: a database that already has them (same names, columns
and indexes) upgrades without change; a new database gets them here.

Revision ID: 0004_services
Revises: 0003_metrics
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_services"
down_revision = "0003_metrics"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)  # DDL: DATETIME on SQLite, TIMESTAMPTZ on PostgreSQL

TABLES = ("svc_deliveries", "svc_cursors", "svc_joint_tasks", "svc_escalations", "svc_callbacks")


def _tables() -> sa.MetaData:
    """The tables as this revision defines them (frozen here, not imported from the store)."""
    md = sa.MetaData()
    sa.Table(
        "svc_deliveries",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.String(32), nullable=False),
        sa.Column("event_seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("recipient", sa.String(120), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_at", UTC_TIME, nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Index("ix_svc_deliveries_due", "status", "next_at"),
        sa.Index(
            "uq_svc_deliveries_once", "ticket_id", "event_seq", "kind", "recipient", unique=True
        ),
    )
    sa.Table(
        "svc_cursors",
        md,
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    sa.Table(
        "svc_joint_tasks",
        md,
        sa.Column("ticket_id", sa.String(32), primary_key=True),
        sa.Column("round", sa.Integer, primary_key=True),
        sa.Column("department", sa.String(100), primary_key=True),
        sa.Column("grp", sa.String(100), nullable=False),
        sa.Column("lead", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.Index("ix_svc_joint_tasks_dept", "department", "status"),
    )
    sa.Table(
        "svc_escalations",
        md,
        sa.Column("ticket_id", sa.String(32), primary_key=True),
        sa.Column("run", sa.Integer, nullable=False),
        sa.Column("steps_done", sa.Integer, nullable=False),
        sa.Column("last_step_at", UTC_TIME),
        sa.Column("version_seen", sa.Integer, nullable=False),
        sa.Column("next_due_at", UTC_TIME),
        sa.Index("ix_svc_escalations_due", "next_due_at"),
    )
    sa.Table(
        "svc_callbacks",
        md,
        sa.Column("ticket_id", sa.String(32), primary_key=True),
        sa.Column("sampled", sa.Boolean, nullable=False),
        sa.Column("decided_at", UTC_TIME, nullable=False),
    )
    return md


def upgrade() -> None:
    """Create each missing table, then each missing index of a table that existed already."""
    conn = op.get_bind()
    inspector = sa.inspect(conn)
    for table in _tables().sorted_tables:
        if not inspector.has_table(table.name):
            table.create(conn)
            continue
        present = {ix["name"] for ix in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in present:
                index.create(conn)


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
