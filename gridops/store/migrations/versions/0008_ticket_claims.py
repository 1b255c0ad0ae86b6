"""Routing claims move out of the ticket row into ``ticket_claims`` (ticket_id, worker_id,
until): claiming a batch of 200 tickets rewrote 200 whole ticket rows (~800 KiB of SQLite log per
batch, inside the single writer's lock), where 200 small rows do.

Live claims are carried over; ``tickets.claimed_by`` and ``tickets.claim_until`` are dropped
(SQLite ≥ 3.35 drops columns in place, rewriting the table once).

Revision ID: 0008_ticket_claims
Revises: 0007_account_events
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_ticket_claims"
down_revision = "0007_account_events"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)  # DDL: DATETIME on SQLite, TIMESTAMPTZ on PostgreSQL


def upgrade() -> None:
    op.create_table(
        "ticket_claims",
        sa.Column("ticket_id", sa.String(32), primary_key=True),
        sa.Column("worker_id", sa.String(100), nullable=False),
        sa.Column("until", UTC_TIME, nullable=False),
    )
    op.execute(
        "INSERT INTO ticket_claims (ticket_id, worker_id, until) "
        "SELECT id, claimed_by, claim_until FROM tickets "
        "WHERE claimed_by IS NOT NULL AND claim_until IS NOT NULL"
    )
    op.drop_column("tickets", "claim_until")
    op.drop_column("tickets", "claimed_by")


def downgrade() -> None:
    op.add_column("tickets", sa.Column("claimed_by", sa.String(100)))
    op.add_column("tickets", sa.Column("claim_until", UTC_TIME))
    op.execute(
        "UPDATE tickets SET claimed_by = (SELECT worker_id FROM ticket_claims "
        "WHERE ticket_id = tickets.id), claim_until = (SELECT until FROM ticket_claims "
        "WHERE ticket_id = tickets.id)"
    )
    op.drop_table("ticket_claims")
