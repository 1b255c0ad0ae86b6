"""The notify cursor remembers the event ids it passed without seeing (``svc_cursor_gaps``):
on PostgreSQL ids are taken when events are inserted, not when they commit, so a transaction
that took lower ids may commit after the cursor moved past them. Each notify run looks for the
events of its open gaps again; a gap is dropped when its event is found or once it is old
enough to have been rolled back.

Revision ID: 0009_cursor_gaps
Revises: 0008_ticket_claims
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_cursor_gaps"
down_revision = "0008_ticket_claims"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)  # DDL: DATETIME on SQLite, TIMESTAMPTZ on PostgreSQL
EVENT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # as ticket_events.id


def upgrade() -> None:
    op.create_table(
        "svc_cursor_gaps",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("event_id", EVENT_ID, primary_key=True, autoincrement=False),
        sa.Column("seen_at", UTC_TIME, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("svc_cursor_gaps")
