"""Console sessions of their own, expiring bearer tokens and API keys, and which tickets each
stored photo belongs to.

- ``console_sessions``: the console's cookie is a random session id (its hash stored here),
  no longer the user's bearer token; signing out deletes the row.
- ``users.token_expires_at``, ``api_keys.expires_at``: optional expiry (NULL: never).
- ``ticket_media``: (photo name, ticket id), filled here from every ticket's ``media`` and
  ``evidence`` (names of photos stored under the data dir: 64 hex characters and .jpg/.png).

Frozen: the name pattern and the JSON keys below are copies, not imports.

Revision ID: 0010_sessions_media
Revises: 0009_cursor_gaps
"""

from __future__ import annotations

import json
import re

import sqlalchemy as sa
from alembic import op

revision = "0010_sessions_media"
down_revision = "0009_cursor_gaps"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)  # DDL: DATETIME on SQLite, TIMESTAMPTZ on PostgreSQL
PHOTO = re.compile(r"^[0-9a-f]{64}\.(jpg|png)$")
BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "console_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(100), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("seen_at", UTC_TIME, nullable=False),
        sa.Column("expires_at", UTC_TIME, nullable=False),
    )
    op.create_index("ix_console_sessions_user", "console_sessions", ["user_id"])
    op.create_index("ix_console_sessions_expires", "console_sessions", ["expires_at"])
    op.add_column("users", sa.Column("token_expires_at", UTC_TIME))
    op.add_column("api_keys", sa.Column("expires_at", UTC_TIME))
    op.create_table(
        "ticket_media",
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("ticket_id", sa.String(32), primary_key=True),
    )
    fill_ticket_media(op.get_bind())


def downgrade() -> None:
    op.drop_table("ticket_media")
    op.drop_column("api_keys", "expires_at")  # SQLite ≥ 3.35 drops columns in place
    op.drop_column("users", "token_expires_at")
    op.drop_index("ix_console_sessions_expires", table_name="console_sessions")
    op.drop_index("ix_console_sessions_user", table_name="console_sessions")
    op.drop_table("console_sessions")


def fill_ticket_media(conn: sa.Connection) -> None:
    """(name, ticket id) of every stored photo a ticket names, read a page of tickets at a time
    (only rows whose JSON mentions .jpg or .png)."""
    table = sa.table("ticket_media", sa.column("name"), sa.column("ticket_id"))
    query = sa.text(
        "SELECT id, data FROM tickets WHERE id > :after AND (data LIKE '%.jpg%' OR data LIKE "
        "'%.png%') ORDER BY id LIMIT :n"
    )
    after = ""
    while True:
        rows = conn.execute(query, {"after": after, "n": BATCH}).all()
        if not rows:
            return
        refs = {
            (name, r.id)
            for r in rows
            for key in ("media", "evidence")
            for name in json.loads(r.data).get(key) or ()
            if isinstance(name, str) and PHOTO.match(name)
        }
        if refs:
            conn.execute(sa.insert(table), [{"name": n, "ticket_id": t} for n, t in sorted(refs)])
        after = rows[-1].id
