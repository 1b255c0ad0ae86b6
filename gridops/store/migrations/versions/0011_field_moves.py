"""The field app's moves: one row per write sent from a phone, keyed by the user and the id the
device made, so a move sent twice is applied once; with the device's position, its distance to
the ticket's point (proof of presence) and the photos labelled before / after; and patrols
(巡查): a sampled track per walk, its id made on the phone.

Revision ID: 0011_field_moves
Revises: 0010_sessions_media
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_field_moves"
down_revision = "0010_sessions_media"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "field_moves",
        sa.Column("user_id", sa.String(100), primary_key=True),
        sa.Column("move_key", sa.String(64), primary_key=True),
        sa.Column("ticket", sa.String(40), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("lon", sa.Float),
        sa.Column("lat", sa.Float),
        sa.Column("distance_m", sa.Float),
        sa.Column("far", sa.Boolean),
        sa.Column("photos_before", sa.Text, nullable=False),
        sa.Column("photos_after", sa.Text, nullable=False),
        sa.Column("answer", sa.Text),
        sa.Column("created_at", UTC_TIME, nullable=False),
    )
    op.create_index("ix_field_moves_ticket", "field_moves", ["ticket"])
    op.create_table(
        "patrols",
        sa.Column("user_id", sa.String(100), primary_key=True),
        sa.Column("patrol_id", sa.String(64), primary_key=True),
        sa.Column("started_at", UTC_TIME, nullable=False),
        sa.Column("ended_at", UTC_TIME),
        sa.Column("points", sa.Text, nullable=False),
        sa.Column("length_m", sa.Float, nullable=False),
    )
    op.create_index("ix_patrols_started", "patrols", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_patrols_started", table_name="patrols")
    op.drop_table("patrols")
    op.drop_index("ix_field_moves_ticket", table_name="field_moves")
    op.drop_table("field_moves")
