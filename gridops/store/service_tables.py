"""The services' tables: notification deliveries, the notify cursor and its gaps,
joint-enforcement tasks, escalation progress and call-back samples (送达记录 / 联合执法任务 /
升级进度 / 回访抽样).

They share the schema's metadata and are created by the migrations ``0004_services`` and
``0009_cursor_gaps``. Nothing here is part of a ticket's hash chain; every row can be rebuilt
from the tickets and events.

The notify cursor alone would lose events on PostgreSQL: event ids are taken when rows are
inserted, not when they commit, so a transaction holding lower ids may commit after a reader
moved the cursor past a higher one. The ids a read passed without seeing are kept as gaps
(``svc_cursor_gaps``) and read again by later runs until their events appear or they are old
enough to have been rolled back (:mod:`gridops.services.notifying` decides which).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Index,
    Integer,
    Select,
    String,
    Table,
    Text,
    bindparam,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from gridops.store.batch_write import chunks
from gridops.store.engine import write
from gridops.store.repository import Store
from gridops.store.schema import EventId, UTCDateTime, metadata, ticket_events, tickets

#: One notification to one recipient; failures are retried per recipient (FixMyStreet style).
deliveries = Table(
    "svc_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", String(32), nullable=False),
    Column("event_seq", Integer, nullable=False),  # 0 for escalation notify steps
    Column("kind", String(30), nullable=False),
    Column("recipient", String(120), nullable=False),
    Column("message", Text, nullable=False),
    Column("status", String(10), nullable=False),  # pending|sending|sent|failed|unknown
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_at", UTCDateTime, nullable=False),
    Column("last_error", Text, nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
    # the channel as JSON (gridops.org.channels.Channel.as_dict; "" = the process's sender)
    Column("channel", Text, nullable=False, default=""),
    Column("claimed_until", UTCDateTime),  # status sending: a worker's lease on the send
    Index("ix_svc_deliveries_due", "status", "next_at"),
    Index("uq_svc_deliveries_once", "ticket_id", "event_seq", "kind", "recipient", unique=True),
)

#: The event cursor of the notify stage (how far the event log has been turned into deliveries).
cursors = Table(
    "svc_cursors",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("position", Integer, nullable=False),
)

#: Event ids below a cursor that its reads passed without seeing: transactions still in flight
#: then (on PostgreSQL), or rolled back; each with when it was first passed.
cursor_gaps = Table(
    "svc_cursor_gaps",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("event_id", EventId, primary_key=True, autoincrement=False),
    Column("seen_at", UTCDateTime, nullable=False),
)

#: Per-department tasks of a ticket escalated to a joint-enforcement group (联合执法).
joint_tasks = Table(
    "svc_joint_tasks",
    metadata,
    Column("ticket_id", String(32), primary_key=True),
    Column("round", Integer, primary_key=True),  # the ticket's escalation_level
    Column("department", String(100), primary_key=True),
    Column("grp", String(100), nullable=False),
    Column("lead", Boolean, nullable=False),
    Column("status", String(12), nullable=False),  # open | acknowledged | completed
    Column("actor", String(100), nullable=False, default=""),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_svc_joint_tasks_dept", "department", "status"),
)

#: Where each running ticket stands in its frozen escalation policy.
escalations = Table(
    "svc_escalations",
    metadata,
    Column("ticket_id", String(32), primary_key=True),
    Column("run", Integer, nullable=False),  # dispatch round: len(returned_by)
    Column("steps_done", Integer, nullable=False),
    Column("last_step_at", UTCDateTime),
    Column("version_seen", Integer, nullable=False),
    Column("next_due_at", UTCDateTime),
    Index("ix_svc_escalations_due", "next_due_at"),
)

#: Closed tickets looked at by the evaluation stage, and whether they were sampled (抽查).
callbacks = Table(
    "svc_callbacks",
    metadata,
    Column("ticket_id", String(32), primary_key=True),
    Column("sampled", Boolean, nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),
)


def insert_ignore(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows``, skipping any that a unique key says exist already."""
    if not rows:
        return
    ins = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(ins(table).on_conflict_do_nothing(), rows)


def record_callback_samples(
    store: Store, *, status: str, limit: int, sampled: Callable[[str], bool], now: datetime
) -> int:
    """Decide the call-back sample (回访抽样) for up to ``limit`` tickets in ``status`` not looked
    at yet, oldest update first, in one write transaction; how many were decided.
    ``sampled`` decides by the ticket's case number (deterministic where ids are random)."""
    t, cb = tickets.c, callbacks.c
    q = (
        select(t.id, t.number)
        .outerjoin(callbacks, cb.ticket_id == t.id)
        .where(t.status == status, cb.ticket_id.is_(None))
        .order_by(t.updated_at)
        .limit(limit)
    )
    with write(store.engine) as conn:
        found = conn.execute(q).all()
        if found:
            rows = [{"ticket_id": r.id, "sampled": sampled(r.number), "decided_at": now}
                    for r in found]  # fmt: skip
            conn.execute(callbacks.insert(), rows)
    return len(found)


# -- reads for the notify stage and the sweeper (送达 / 巡检) ------------------------------------
def cursor_position(store: Store, name: str) -> int | None:
    """Where the event cursor ``name`` stands (None: never moved)."""
    with store.engine.connect() as conn:
        return conn.execute(select(cursors.c.position).where(cursors.c.name == name)).scalar()


def _events() -> Select[Any]:
    """Events with their ticket's number, owner_unit, assignee, cell_1 and cell_3 (what
    deliveries are addressed by), in id order."""
    e, t = ticket_events.c, tickets.c
    return (
        select(e.id, e.seq, e.type, e.payload, e.ticket_id, t.number, t.owner_unit,
               t.assignee, t.cell_1, t.cell_3, t.category, t.due_at)
        .join(tickets, t.id == e.ticket_id)
        .order_by(e.id)
    )  # fmt: skip


@dataclass(frozen=True)
class CursorRead:
    """One read of an event cursor: where it stood (None: never moved), its open gaps (event
    id → when first passed), up to ``limit`` events past it and the events of open gaps that
    have appeared since (both as rows of events with their ticket's number, owner_unit, assignee,
    cell_1 and cell_3)."""

    position: int | None
    gaps: dict[int, datetime]
    events: list[Any]
    filled: list[Any]


def read_cursor(store: Store, name: str, limit: int) -> CursorRead:
    """The cursor ``name``, its gaps and the events to collect, in one connection; the gaps'
    events are looked for only when there are gaps (none, as a rule, on SQLite)."""
    g = cursor_gaps.c
    with store.engine.connect() as conn:
        pos = conn.execute(select(cursors.c.position).where(cursors.c.name == name)).scalar()
        open_gaps = conn.execute(select(g.event_id, g.seen_at).where(g.name == name))
        gaps = {int(r.event_id): r.seen_at for r in open_gaps}
        events = list(conn.execute(_events().where(ticket_events.c.id > (pos or 0)).limit(limit)))
        filled = []
        if gaps:
            open_ids = select(g.event_id).where(g.name == name)
            found = conn.execute(_events().where(ticket_events.c.id.in_(open_ids)))
            filled = [r for r in found if r.id in gaps]  # not a gap added since it was read
    return CursorRead(pos, gaps, events, filled)


def due_deliveries(store: Store, *, now: datetime, limit: int) -> list[Any]:
    """Pending deliveries whose time has come, oldest first."""
    d = deliveries.c
    q = select(deliveries).where(d.status == "pending", d.next_at <= now)
    with store.engine.connect() as conn:
        return list(conn.execute(q.order_by(d.id).limit(limit)).all())


def delivery_counts(store: Store) -> dict[str, int]:
    """Deliveries by status (pending, sent, failed)."""
    q = select(deliveries.c.status, func.count()).group_by(deliveries.c.status)
    with store.engine.connect() as conn:
        return {r[0]: int(r[1]) for r in conn.execute(q)}


def pending_work(store: Store, *, cursor: str, now: datetime, closed: str) -> dict[str, bool]:
    """Whether the notify and evaluation stages have work: events past the ``cursor`` or in
    one of its gaps (``events``), deliveries due (``sends``), tickets in ``closed`` not sampled
    yet (``unsampled``). One-row probes in one connection.

    A gap counts only once its event has committed: an open gap alone is no work (the run
    would find nothing and write nothing), and one too old to fill is dropped by whichever
    notify run comes next."""
    t, g, e = tickets.c, cursor_gaps.c, ticket_events.c
    with store.engine.connect() as conn:
        pos = conn.execute(select(cursors.c.position).where(cursors.c.name == cursor)).scalar()
        events = select(e.id).where(e.id > (pos or 0))
        filled = select(g.event_id).join(ticket_events, e.id == g.event_id).where(g.name == cursor)
        d = deliveries.c
        sends = select(d.id).where(
            ((d.status == "pending") & (d.next_at <= now))
            | ((d.status == "sending") & (d.claimed_until < now))
        )
        unsampled = (
            select(t.id)
            .outerjoin(callbacks, callbacks.c.ticket_id == t.id)
            .where(t.status == closed, callbacks.c.ticket_id.is_(None))
        )
        found = {
            name: conn.execute(q.limit(1)).first() is not None
            for name, q in (("events", events), ("sends", sends), ("unsampled", unsampled))
        }
        if not found["events"]:
            found["events"] = conn.execute(filled.limit(1)).first() is not None
        return found


# -- writes for the sweeper and the notify stage (巡检 / 送达) ---------------------------------
def add_deliveries(store: Store, rows: list[dict[str, Any]]) -> None:
    """Insert delivery rows in one write; a (ticket, event, kind, recipient) stored already is
    left as it is."""
    if rows:
        with write(store.engine) as conn:
            insert_ignore(conn, deliveries, rows)


def collect_deliveries(
    store: Store, *, cursor: str, seen: int | None, position: int, rows: list[dict[str, Any]],
    opened: Mapping[int, datetime] | None = None, closed: Collection[int] = (),
) -> bool:  # fmt: skip
    """In one write transaction: if the event cursor ``cursor`` still stands at ``seen`` (None:
    never moved), insert the delivery ``rows`` (a repeat is skipped), move the cursor to
    ``position``, open the gaps ``opened`` (event id → when passed) and close the gaps
    ``closed`` (event ids). False, writing nothing, when another collector moved it meanwhile."""
    at_cursor = select(cursors.c.position).where(cursors.c.name == cursor)
    g = cursor_gaps.c
    with write(store.engine) as conn:
        if conn.execute(at_cursor).scalar() != seen:
            return False
        if seen is None:
            conn.execute(cursors.insert().values(name=cursor, position=0))
        insert_ignore(conn, deliveries, rows)
        if position != seen:
            conn.execute(update(cursors).where(cursors.c.name == cursor).values(position=position))
        for gone in chunks(sorted(closed), 1000):  # well inside every driver's parameter limit
            conn.execute(delete(cursor_gaps).where(g.name == cursor, g.event_id.in_(gone)))
        insert_ignore(conn, cursor_gaps, [{"name": cursor, "event_id": i, "seen_at": at}
                                          for i, at in (opened or {}).items()])  # fmt: skip
    return True


def record_sends(store: Store, outcomes: list[dict[str, Any]]) -> None:
    """Record send outcomes in one write: each a dict of ``b_id`` (the delivery's id),
    ``status``, ``attempts``, ``next_at`` and ``last_error``."""
    if not outcomes:
        return
    d = deliveries.c
    stmt = (
        update(deliveries)
        .where(d.id == bindparam("b_id"))
        .values(status=bindparam("status"), attempts=bindparam("attempts"),
                next_at=bindparam("next_at"), last_error=bindparam("last_error"))
    )  # fmt: skip
    with write(store.engine) as conn:
        conn.execute(stmt, outcomes)


def save_escalations(store: Store, rows: list[dict[str, Any]], drop: Collection[str] = ()) -> None:
    """Replace the escalation progress (升级进度) of the tickets in ``rows`` with those rows and
    forget the progress of the tickets in ``drop``, in one write transaction."""
    ids = [r["ticket_id"] for r in rows] + list(drop)
    if not ids:
        return
    with write(store.engine) as conn:
        conn.execute(delete(escalations).where(escalations.c.ticket_id.in_(ids)))
        if rows:
            conn.execute(escalations.insert(), rows)


# -- writes for joint enforcement (联合执法) ------------------------------------------------------
def add_joint_tasks(store: Store, rows: list[dict[str, Any]]) -> None:
    """Insert task rows; a (ticket, round, department) stored already is left as it is."""
    with write(store.engine) as conn:
        insert_ignore(conn, joint_tasks, rows)


def set_joint_task(
    store: Store, *, ticket_id: str, round: int, department: str, status: str, actor: str,
    now: datetime,
) -> None:  # fmt: skip
    """Move one department's task to ``status`` (by ``actor`` at ``now``)."""
    c = joint_tasks.c
    key = (c.ticket_id == ticket_id, c.round == round, c.department == department)
    with write(store.engine) as conn:
        conn.execute(
            update(joint_tasks).where(*key).values(status=status, actor=actor, updated_at=now)
        )
