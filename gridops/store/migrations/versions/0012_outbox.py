"""The notification outbox (通知发件箱): each delivery row names its channel and is claimed
before it is sent.

- ``svc_deliveries.channel``: the channel as JSON (type, url or the names of its secrets,
  address; never a secret's value); "" for rows sent by the process's own sender (the log).
- ``svc_deliveries.claimed_until``: while a row is ``sending``, the sending worker's lease; a
  row still ``sending`` after it was left by a dead worker (see gridops.services.outbox).

Revision ID: 0012_outbox
Revises: 0011_field_moves
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_outbox"
down_revision = "0011_field_moves"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a table the services once made at start-up (before 0004) may have the columns already
    have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("svc_deliveries")}
    with op.batch_alter_table("svc_deliveries") as batch:
        if "channel" not in have:
            batch.add_column(sa.Column("channel", sa.Text(), nullable=False, server_default=""))
        if "claimed_until" not in have:
            batch.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("svc_deliveries") as batch:
        batch.drop_column("claimed_until")
        batch.drop_column("channel")
