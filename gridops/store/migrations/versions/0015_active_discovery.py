"""主动发现率 (active discovery rate): the daily rollups count the tickets found by inspectors and
grid workers (``found_actively``). The rollup state is cleared, so the next refresh rebuilds
every day with the new count instead of leaving it 0 on the days already built.

Revision ID: 0015_active_discovery
Revises: 0014_access_log
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_active_discovery"
down_revision = "0014_access_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_rollups") as batch:
        batch.add_column(
            sa.Column("found_actively", sa.Integer, nullable=False, server_default="0")
        )
    op.execute(sa.text("DELETE FROM rollup_state WHERE name = 'daily'"))


def downgrade() -> None:
    with op.batch_alter_table("ticket_rollups") as batch:
        batch.drop_column("found_actively")
    op.execute(sa.text("DELETE FROM rollup_state WHERE name = 'daily'"))
