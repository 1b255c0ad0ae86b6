"""The ticket's point (in the grid's CRS) as columns, and an index by (cell_2, category,
created_at) in place of the one by cell_2 alone (its prefix): the duplicate check reads the
open tickets of a batch's categories in its level-2 cells, which otherwise scans every open
ticket of the window and decodes each one's JSON.

Existing rows are filled from their JSON (``point_lon``/``point_lat`` have always been there).

Revision ID: 0006_ticket_points
Revises: 0005_assignee_index
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_ticket_points"
down_revision = "0005_assignee_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("point_lon", sa.Float))
    op.add_column("tickets", sa.Column("point_lat", sa.Float))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE tickets SET point_lon = (data::jsonb->>'point_lon')::double precision,"
            " point_lat = (data::jsonb->>'point_lat')::double precision"
        )
    else:
        op.execute(
            "UPDATE tickets SET point_lon = json_extract(data, '$.point_lon'),"
            " point_lat = json_extract(data, '$.point_lat')"
        )
    op.create_index("ix_tickets_cell2_category", "tickets", ["cell_2", "category", "created_at"])
    op.drop_index("ix_tickets_cell_2", table_name="tickets")  # the new index's prefix


def downgrade() -> None:
    op.create_index("ix_tickets_cell_2", "tickets", ["cell_2"])
    op.drop_index("ix_tickets_cell2_category", table_name="tickets")
    op.drop_column("tickets", "point_lat")  # SQLite ≥ 3.35 drops columns in place
    op.drop_column("tickets", "point_lon")
