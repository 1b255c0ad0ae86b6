"""Indicator columns on tickets (source, stage times, deadline, outcome counts), backfilled
from the JSON ``data`` column, so that supervisors' indicators are plain grouped SQL; the daily
rollups (ticket_rollups, one row per local day × dimension × key) and their refresh state.

Revision ID: 0003_metrics
Revises: 0002_accounts
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003_metrics"
down_revision = "0002_accounts"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)  # DDL: DATETIME on SQLite, TIMESTAMPTZ on PostgreSQL

TIMES = ("due_at", "dispatched_at", "handled_at", "closed_at")
COUNTS = ("escalation_level", "rework_count", "return_count")
ROLLUP_COUNTS = (
    "reports",
    "registered",
    "dispatched",
    "dispatched_right",
    "dispatched_on_time",
    "due",
    "due_not_suspended",
    "handled",
    "handled_on_time",
    "closed",
    "closed_on_time",
    "reworked",
    "resolved",
    "resolved_onsite",
    "escalated",
    "supervised",
    "callbacks",
    "satisfied",
    "inspector_reports",
    "valid_inspector_reports",
)
STAGES = ("report_to_dispatch", "dispatch_to_handled", "handled_to_closed")


def upgrade() -> None:
    op.add_column("tickets", sa.Column("source", sa.String(20), nullable=False, server_default=""))
    for name in TIMES:
        op.add_column("tickets", sa.Column(name, UTC_TIME))
    op.add_column(
        "tickets", sa.Column("onsite", sa.Boolean, nullable=False, server_default=sa.false())
    )
    op.add_column("tickets", sa.Column("satisfaction", sa.SmallInteger))
    for name in COUNTS:
        op.add_column(
            "tickets", sa.Column(name, sa.SmallInteger, nullable=False, server_default="0")
        )
    _backfill()
    op.create_index("ix_tickets_updated", "tickets", ["updated_at"])
    op.create_table(
        "ticket_rollups",
        sa.Column("dim", sa.String(10), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("key", sa.String(100), primary_key=True),
        *(sa.Column(c, sa.Integer, nullable=False) for c in ROLLUP_COUNTS),
        *(sa.Column(f"{s}_n", sa.Integer, nullable=False) for s in STAGES),
        *(sa.Column(f"{s}_s", sa.Float, nullable=False) for s in STAGES),
        sqlite_with_rowid=False,  # clustered by (dim, day, key): a period is one range read
    )
    op.create_table(
        "rollup_state",
        sa.Column("name", sa.String(20), primary_key=True),
        sa.Column("refreshed_at", UTC_TIME, nullable=False),
        sa.Column("params", sa.Text, nullable=False),
    )


def _backfill() -> None:
    """Fill the new columns of existing tickets from their JSON, a page at a time."""
    conn = op.get_bind()
    t = sa.table(
        "tickets",
        sa.column("id", sa.String),
        sa.column("data", sa.Text),
        sa.column("source", sa.String),
        sa.column("onsite", sa.Boolean),
        sa.column("satisfaction", sa.SmallInteger),
        *(sa.column(n) for n in TIMES),  # untyped: bound as _stored_time made them
        *(sa.column(n, sa.SmallInteger) for n in COUNTS),
    )
    stmt = (
        sa.update(t)
        .where(t.c.id == sa.bindparam("b_id"))
        .values({c: sa.bindparam(c) for c in ("source", "onsite", "satisfaction", *TIMES, *COUNTS)})
    )
    after = ""
    while True:
        rows = conn.execute(
            sa.select(t.c.id, t.c.data).where(t.c.id > after).order_by(t.c.id).limit(2000)
        ).all()
        if not rows:
            return
        dialect = conn.dialect.name
        conn.execute(stmt, [_values(r.id, json.loads(r.data), dialect) for r in rows])
        after = rows[-1].id


def _values(ticket_id: str, d: dict[str, Any], dialect: str) -> dict[str, Any]:
    clock = d.get("clock") or {}
    return {
        "b_id": ticket_id,
        "source": d.get("source", ""),
        "onsite": bool(d.get("onsite")),
        "satisfaction": d.get("satisfaction"),
        "due_at": _stored_time(clock.get("due_at"), dialect),
        "dispatched_at": _stored_time(d.get("dispatched_at"), dialect),
        "handled_at": _stored_time(d.get("handled_at"), dialect),
        "closed_at": _stored_time(d.get("closed_at"), dialect),
        "escalation_level": int(d.get("escalation_level") or 0),
        "rework_count": int(d.get("rework_count") or 0),
        "return_count": len(d.get("returned_by") or ()),
    }


def _stored_time(text: str | None, dialect: str) -> str | datetime | None:
    """An ISO-8601 time from the JSON as the column holds it: naive UTC text on SQLite
    (``YYYY-MM-DD HH:MM:SS.ffffff``), an aware UTC time on PostgreSQL."""
    if not text:
        return None
    at = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    return at.replace(tzinfo=None).isoformat(" ", "microseconds") if dialect == "sqlite" else at


def downgrade() -> None:
    op.drop_table("rollup_state")
    op.drop_table("ticket_rollups")
    op.drop_index("ix_tickets_updated", "tickets")
    for name in ("source", *TIMES, "onsite", "satisfaction", *COUNTS):
        op.drop_column("tickets", name)
