"""The access log (登录与密钥使用记录): console sign-ins, sign-outs and refused sign-ins, and the
use of Open311 API keys — who, when, from where. Kept apart from the account log's hash chain
(which records changes to accounts): these are frequent, and none changes an account.

Revision ID: 0014_access_log
Revises: 0013_addresses
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_access_log"
down_revision = "0013_addresses"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "access_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),  # fmt: skip
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("detail", sa.String(100), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
    )
    op.create_index("ix_access_events_at", "access_events", ["at"])
    op.create_index("ix_access_events_subject", "access_events", ["subject"])


def downgrade() -> None:
    op.drop_index("ix_access_events_subject", table_name="access_events")
    op.drop_index("ix_access_events_at", table_name="access_events")
    op.drop_table("access_events")
