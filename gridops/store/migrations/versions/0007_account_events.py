"""The account log: one hash chain of every change to users and API keys (who gave whom which
powers, and when), written in the same transaction as the change.

Accounts that exist already get one ``*.baseline`` event each, by the actor ``migration:0007``,
holding their state as found, so that `gridops audit verify` can check every row against its
history from here on.

Frozen: the table, the canonical JSON, the event body and the chain hash below are copies of
``gridops.store.account_log`` / ``gridops.tickets.codec`` as of this revision, not imports, so
a database upgraded through here later gets the rows and hashes this revision always wrote
(tests/store/test_migrations_frozen.py checks they still verify with today's code).

Revision ID: 0007_account_events
Revises: 0006_ticket_points
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007_account_events"
down_revision = "0006_ticket_points"
branch_labels = None
depends_on = None

GENESIS = "0" * 64  # the prev_hash of the first event
BASELINE_ACTOR = "migration:0007"
EVENT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_TIME = sa.DateTime(timezone=True)  # DDL: DATETIME on SQLite, TIMESTAMPTZ on PostgreSQL

#: the columns the baseline writes, untyped: each value is bound exactly as given
account_events = sa.table(
    "account_events",
    sa.column("seq"),
    sa.column("at"),
    sa.column("actor"),
    sa.column("action"),
    sa.column("subject"),
    sa.column("payload"),
    sa.column("prev_hash"),
    sa.column("hash"),
)


def upgrade() -> None:
    op.create_table(
        "account_events",
        sa.Column("id", EVENT_ID, primary_key=True, autoincrement=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("seq", name="uq_account_events_seq"),
    )
    op.create_index("ix_account_events_subject", "account_events", ["subject"])
    conn = op.get_bind()
    rows = baseline_rows(found_accounts(conn), datetime.now(UTC), conn.dialect.name)
    if rows:
        conn.execute(sa.insert(account_events), rows)


def downgrade() -> None:
    op.drop_index("ix_account_events_subject", table_name="account_events")
    op.drop_table("account_events")


def canonical(data: Any) -> str:
    """Canonical JSON: sorted keys, no whitespace, UTF-8 kept, finite numbers only."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def iso(at: datetime) -> str:
    """ISO-8601 UTC with microseconds and a Z (the event time as hashed)."""
    return at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def stored_time(at: datetime, dialect: str) -> Any:
    """The value the ``at`` column holds: naive UTC text on SQLite, an aware time elsewhere."""
    at = at.astimezone(UTC)
    return at.replace(tzinfo=None).isoformat(" ", "microseconds") if dialect == "sqlite" else at


def found_accounts(conn: sa.Connection) -> list[tuple[str, str, dict[str, Any]]]:
    """(action, subject, payload) of every user (by id), then every API key (by name)."""
    found: list[tuple[str, str, dict[str, Any]]] = []
    users = "SELECT id, name, role, units, active, token_hint FROM users ORDER BY id"
    for r in conn.execute(sa.text(users)):
        units = json.loads(r.units)  # "all" or a list of unit ids
        payload = {
            "name": r.name,
            "role": r.role,
            "units": units if units == "all" else sorted(units),
            "active": bool(r.active),
            "token_hint": r.token_hint,
        }
        found.append(("user.baseline", r.id, payload))
    for r in conn.execute(sa.text("SELECT name, key_hint, active FROM api_keys ORDER BY name")):
        found.append(("apikey.baseline", r.name, {"hint": r.key_hint, "active": bool(r.active)}))
    return found


def baseline_rows(
    found: list[tuple[str, str, dict[str, Any]]], now: datetime, dialect: str
) -> list[dict[str, Any]]:
    """The account_events rows of a new chain holding ``found``, all at ``now``:
    ``hash = sha256(prev_hash + canonical JSON of {action, actor, at, payload, subject})``."""
    rows: list[dict[str, Any]] = []
    prev = GENESIS
    for seq, (action, subject, payload) in enumerate(found, start=1):
        body = {
            "action": action,
            "actor": BASELINE_ACTOR,
            "at": iso(now),
            "payload": payload,
            "subject": subject,
        }
        digest = hashlib.sha256((prev + canonical(body)).encode("utf-8")).hexdigest()
        rows.append(
            {
                "seq": seq,
                "at": stored_time(now, dialect),
                "actor": BASELINE_ACTOR,
                "action": action,
                "subject": subject,
                "payload": canonical(payload),
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    return rows
