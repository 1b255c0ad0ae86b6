"""Index tickets by (status, assignee): routing counts each assignee's open work per batch
(least open work first), a grouped count that otherwise scans every working ticket.

Revision ID: 0005_assignee_index
Revises: 0004_services
"""

from __future__ import annotations

from alembic import op

revision = "0005_assignee_index"
down_revision = "0004_services"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tickets_status_assignee", "tickets", ["status", "assignee"])


def downgrade() -> None:
    op.drop_index("ix_tickets_status_assignee", table_name="tickets")
