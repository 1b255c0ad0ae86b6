"""The worker's reason for a far move (到场核验 超出范围的说明): a done, verify or check sent
from beyond the category's presence radius carries why (a preset or free text), shown to the
dispatcher and the check step.

Revision ID: 0016_far_reason
Revises: 0015_active_discovery
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_far_reason"
down_revision = "0015_active_discovery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("field_moves") as batch:
        batch.add_column(sa.Column("far_reason", sa.String(500)))


def downgrade() -> None:
    with op.batch_alter_table("field_moves") as batch:
        batch.drop_column("far_reason")
