"""The standard address database (标准地址库): ``addresses`` (text, parts, point in the grid's
CRS, the deepest cell holding it, aliases) and ``address_imports`` (when, from which file, how
many). Filled by ``gridops address import``.

Revision ID: 0013_addresses
Revises: 0012_outbox
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_addresses"
down_revision = "0012_outbox"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)  # DDL: DATETIME on SQLite, TIMESTAMPTZ on PostgreSQL


def _part(name: str, size: int) -> sa.Column:
    return sa.Column(name, sa.String(size), nullable=False)


def upgrade() -> None:
    op.create_table(
        "addresses",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("text", sa.String(300), nullable=False),
        _part("district", 40),
        _part("street", 40),
        _part("road", 80),
        _part("lane", 12),
        _part("sublane", 12),
        _part("number", 12),
        _part("building", 12),
        _part("room", 12),
        _part("rest", 200),
        sa.Column("aliases", sa.Text, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        _part("cell", 32),
    )
    op.create_index("ix_addresses_road", "addresses", ["road"])
    op.create_index("ix_addresses_cell", "addresses", ["cell"])
    op.create_table(
        "address_imports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("address_imports")
    op.drop_index("ix_addresses_cell", table_name="addresses")
    op.drop_index("ix_addresses_road", table_name="addresses")
    op.drop_table("addresses")
