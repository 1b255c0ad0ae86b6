"""Tickets, their hash-chained events and the case-number counter.

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

EVENT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_TIME = sa.DateTime(timezone=True)  # DDL: DATETIME on SQLite, TIMESTAMPTZ on PostgreSQL


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("number", sa.String(40), nullable=False, unique=True),
        sa.Column("idempotency_key", sa.String(200), unique=True),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("owner_unit", sa.String(100), nullable=False),
        sa.Column("assignee", sa.String(100), nullable=False),
        sa.Column("priority", sa.SmallInteger, nullable=False),
        sa.Column("open_due_at", UTC_TIME),
        sa.Column("cell_1", sa.String(32), nullable=False),
        sa.Column("cell_2", sa.String(32), nullable=False),
        sa.Column("cell_3", sa.String(32), nullable=False),
        sa.Column("supervised", sa.Boolean, nullable=False),
        sa.Column("chain_head", sa.String(64), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.Column("claimed_by", sa.String(100)),
        sa.Column("claim_until", UTC_TIME),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_tickets_status_created", "tickets", ["status", "created_at"])
    op.create_index("ix_tickets_owner_status", "tickets", ["owner_unit", "status"])
    op.create_index("ix_tickets_open_due", "tickets", ["open_due_at"])
    for level in (1, 2, 3):
        op.create_index(f"ix_tickets_cell_{level}", "tickets", [f"cell_{level}"])
    op.create_index("ix_tickets_created", "tickets", ["created_at"])
    op.create_table(
        "ticket_events",
        sa.Column("id", EVENT_ID, primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.String(32), sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("type", sa.String(30), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=False),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("ticket_id", "seq", name="uq_ticket_events_ticket_seq"),
    )
    op.create_index("ix_ticket_events_at", "ticket_events", ["at"])
    op.create_table(
        "number_counters",
        sa.Column("day", sa.String(8), primary_key=True),
        sa.Column("category", sa.String(40), primary_key=True),
        sa.Column("last", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("number_counters")
    op.drop_table("ticket_events")
    op.drop_table("tickets")
