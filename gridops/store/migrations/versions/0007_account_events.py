"""The account log: one hash chain of every change to users and API keys (who gave whom which
powers, and when), written in the same transaction as the change.

Accounts that exist already get one ``*.baseline`` event each, by the actor ``migration:0007``,
holding their state as found, so that `gridops audit verify` can check every row against its
history from here on.

Revision ID: 0007_account_events
Revises: 0006_ticket_points
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from gridops.store.schema import EventId, UTCDateTime

revision = "0007_account_events"
down_revision = "0006_ticket_points"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_events",
        sa.Column("id", EventId, primary_key=True, autoincrement=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("seq", name="uq_account_events_seq"),
    )
    op.create_index("ix_account_events_subject", "account_events", ["subject"])
    from gridops.store.account_audit import record_baseline

    record_baseline(op.get_bind(), now=datetime.now(UTC))


def downgrade() -> None:
    op.drop_index("ix_account_events_subject", table_name="account_events")
    op.drop_table("account_events")
