"""Tables (SQLAlchemy Core). The Alembic migrations in ``migrations/versions`` create them."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

metadata = MetaData()
EventId = BigInteger().with_variant(Integer(), "sqlite")


class _SQLiteDateTimeText(sqlite.DATETIME):
    """SQLite's DATETIME column (the same DDL) whose text :class:`UTCDateTime` makes and
    reads itself: SQLAlchemy's own processors format with ``%``-strings and parse with a
    regular expression, per value, which costs more than the rest of a ticket's write."""

    def bind_processor(self, dialect: Dialect) -> None:
        return None

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None

    def literal_processor(self, dialect: Dialect) -> Any:
        return lambda text: "'" + str(text).replace("'", "''") + "'"


@lru_cache(maxsize=4096)  # a batch writes the same instant into many columns and rows
def sqlite_text(value: datetime) -> str:
    """An aware time as SQLite's naive UTC text (refuses naive times, every time: a refusal is
    not cached, and a naive time never equals an aware one)."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: the store needs timezone-aware times")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in, timezone-aware UTC out.

    SQLite stores it as naive UTC text, ``YYYY-MM-DD HH:MM:SS.ffffff`` — the text SQLAlchemy's
    SQLite DATETIME writes (tests/store/test_schema.py proves it), so older databases read the
    same and compare in the same order."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SQLiteDateTimeText())
        return dialect.type_descriptor(self.impl)

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return sqlite_text(value)
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store needs timezone-aware times")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # SQLite
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


tickets = Table(
    "tickets",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("number", String(40), nullable=False, unique=True),
    Column("idempotency_key", String(200), unique=True),
    Column("category", String(40), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("status", String(20), nullable=False),
    Column("version", Integer, nullable=False),
    Column("owner_unit", String(100), nullable=False, default=""),
    Column("assignee", String(100), nullable=False, default=""),
    Column("priority", SmallInteger, nullable=False),
    Column("open_due_at", UTCDateTime),  # due_at while the clock runs on an open ticket
    Column("cell_1", String(32), nullable=False, default=""),
    Column("cell_2", String(32), nullable=False, default=""),
    Column("cell_3", String(32), nullable=False, default=""),
    Column("supervised", Boolean, nullable=False, default=False),
    Column("chain_head", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("data", Text, nullable=False),  # the full ticket as JSON (codec.compact)
    # indicator columns (migration 0003_metrics), read by gridops.store.rollups
    Column("source", String(20), nullable=False, default=""),
    Column("due_at", UTCDateTime),  # the deadline, whatever the clock's state
    Column("dispatched_at", UTCDateTime),
    Column("handled_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    Column("onsite", Boolean, nullable=False, default=False),
    Column("satisfaction", SmallInteger),
    Column("escalation_level", SmallInteger, nullable=False, default=0),
    Column("rework_count", SmallInteger, nullable=False, default=0),
    Column("return_count", SmallInteger, nullable=False, default=0),
    # the point in the grid's CRS (migration 0006), read by the duplicate check
    Column("point_lon", Float),
    Column("point_lat", Float),
    Index("ix_tickets_status_created", "status", "created_at"),
    Index("ix_tickets_owner_status", "owner_unit", "status"),
    Index("ix_tickets_status_assignee", "status", "assignee"),
    Index("ix_tickets_open_due", "open_due_at"),
    Index("ix_tickets_cell_1", "cell_1"),
    Index("ix_tickets_cell_3", "cell_3"),
    Index("ix_tickets_created", "created_at"),
    Index("ix_tickets_updated", "updated_at"),
    Index("ix_tickets_cell2_category", "cell_2", "category", "created_at"),
)

#: Routing claims (leases): a worker takes a ticket until ``until`` (migration 0008). Kept apart
#: from the ticket row so that claiming 200 tickets writes 200 small rows, not 200 whole ticket
#: rows (~800 KiB of log per batch on SQLite); writing a ticket deletes its claim.
ticket_claims = Table(
    "ticket_claims",
    metadata,
    Column("ticket_id", String(32), primary_key=True),
    Column("worker_id", String(100), nullable=False),
    Column("until", UTCDateTime, nullable=False),
)

ticket_events = Table(
    "ticket_events",
    metadata,
    Column("id", EventId, primary_key=True, autoincrement=True),
    Column("ticket_id", String(32), ForeignKey("tickets.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", String(30), nullable=False),
    Column("from_status", String(20), nullable=False),
    Column("to_status", String(20), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("role", String(20), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("payload", Text, nullable=False),  # canonical JSON, exactly what was hashed
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("ticket_id", "seq", name="uq_ticket_events_ticket_seq"),
    Index("ix_ticket_events_at", "at"),
)

number_counters = Table(
    "number_counters",
    metadata,
    Column("day", String(8), primary_key=True),
    Column("category", String(40), primary_key=True),
    Column("last", Integer, nullable=False),
)

account_events = Table(
    "account_events",
    metadata,
    Column("id", EventId, primary_key=True, autoincrement=True),
    Column("seq", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(30), nullable=False),
    Column("subject", String(100), nullable=False),  # the user id or API key name
    Column("payload", Text, nullable=False),  # canonical JSON, exactly what was hashed
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("seq", name="uq_account_events_seq"),
    Index("ix_account_events_subject", "subject"),
)

#: Console sessions (登录会话, migration 0010): the browser's cookie holds a random secret and
#: this table its SHA-256 only; a session ends at ``expires_at``, after ``seen_at`` plus the idle
#: timeout, or when it is signed out (its row deleted).
console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_console_sessions_user", "user_id"),
    Index("ix_console_sessions_expires", "expires_at"),
)

#: Which tickets a stored photo belongs to (migration 0010): a photo is shown to those who may
#: read one of them. One photo (stored once by its hash) may belong to several tickets.
ticket_media = Table(
    "ticket_media",
    metadata,
    Column("name", String(80), primary_key=True),
    Column("ticket_id", String(32), primary_key=True),
)

#: The field app's moves (外勤动作, migration 0011): each write the phone sends carries a key
#: made on the device, so a move sent again after a lost answer is applied once; the row also
#: keeps where the device was (WGS84), how far that was from the ticket's point, and which
#: photos were taken before (处置前) and after (处置后) the work.
field_moves = Table(
    "field_moves",
    metadata,
    Column("user_id", String(100), primary_key=True),
    Column("move_key", String(64), primary_key=True),
    Column("ticket", String(40), nullable=False),
    Column("action", String(20), nullable=False),
    Column("state", String(10), nullable=False),  # applying | done
    Column("lon", Float),
    Column("lat", Float),
    Column("distance_m", Float),
    Column("far", Boolean),
    Column("far_reason", String(500)),  # why a far move was sent from there (migration 0016)
    Column("photos_before", Text, nullable=False, default="[]"),
    Column("photos_after", Text, nullable=False, default="[]"),
    Column("answer", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_field_moves_ticket", "ticket"),
)

#: Patrols (巡查, migration 0011): an inspector's or grid worker's walk, its id made on the
#: phone, the sampled track as JSON ``[[lon, lat, unix_ms], …]`` (WGS84) and its length.
patrols = Table(
    "patrols",
    metadata,
    Column("user_id", String(100), primary_key=True),
    Column("patrol_id", String(64), primary_key=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Column("points", Text, nullable=False),
    Column("length_m", Float, nullable=False),
    Index("ix_patrols_started", "started_at"),
)

#: The access log (migration 0014): console sign-ins, sign-outs, refused sign-ins and API key
#: use — kept apart from the account log's chain, since none of them changes an account.
access_events = Table(
    "access_events",
    metadata,
    Column("id", EventId, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(20), nullable=False),  # sign_in | sign_out | sign_in_refused | key_use
    Column("subject", String(100), nullable=False),  # the user id or key name ("" if unknown)
    Column("detail", String(100), nullable=False),
    Column("address", String(64), nullable=False),  # the client's address
    Index("ix_access_events_at", "at"),
    Index("ix_access_events_subject", "subject"),
)
