"""What the sweeper looks at (巡检的候选), found through indexes rather than by walking the
open work: the tickets past their deadline and not flagged yet (:func:`overdue`), and the
running tickets whose escalation needs a look (below).

A running ticket needs a look when its escalation progress (``svc_escalations``) is missing or
older than the ticket (its version moved), or when its next step is due. Asked of every running
ticket, that is a walk over all open work on every sweep: 15 ms at 11,000 open tickets on
SQLite, every 2 s, growing with the city and holding a worker that routing may need.

:func:`changed_or_due` asks two indexed questions instead:

- the tickets with an event above an event id (the primary key of ``ticket_events``: every
  change of a ticket appends one) — those changed since the last scan;
- the progress rows due by now (``ix_svc_escalations_due``).

Event ids are not read off a clock, so simulated time, a worker's wrong clock or a time going
backwards cannot hide a change. On PostgreSQL ids are taken when rows are inserted, not when
they commit (see :mod:`gridops.store.changes`), so the caller reads from that module's
``LATE_WINDOW`` ids below where it stopped; :func:`all_running` — the full walk — stays for a
first look and as a periodic backstop.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update

from gridops.store.engine import write
from gridops.store.repository import Store
from gridops.store.rows import ticket_of
from gridops.store.schema import ticket_events, tickets
from gridops.store.service_tables import escalations
from gridops.tickets import Ticket

Found = list[tuple[Ticket, Any]]


def _needs_look(now: datetime) -> Any:
    e, t = escalations.c, tickets.c
    return or_(e.ticket_id.is_(None), e.version_seen != t.version, e.next_due_at <= now)


def all_running(store: Store, *, statuses: Collection[str], now: datetime, limit: int) -> Found:
    """Every ticket in ``statuses`` whose progress is missing, older than the ticket or due,
    with its progress row (fields None if none): a walk over all of them."""
    t = tickets.c
    q = (
        select(t.data, escalations)
        .outerjoin(escalations, escalations.c.ticket_id == t.id)
        .where(t.status.in_(sorted(statuses)), _needs_look(now))
        .limit(limit)
    )
    with store.engine.connect() as conn:
        return [(ticket_of(r), r) for r in conn.execute(q)]


def changed_or_due(
    store: Store,
    *,
    statuses: Collection[str],
    now: datetime,
    limit: int,
    after_event: int,
    upto_event: int,
) -> tuple[Found, list[str], bool]:
    """The tickets in ``statuses`` that need a look among those with an event id in
    (``after_event``, ``upto_event``] and those whose progress row is due; the ids of tickets
    no longer running whose row still says due (to clear with :func:`clear_due`, so that the
    due index does not fill with closed tickets); and whether that was all of them (each
    query reads at most ``limit`` rows: a False asks the caller to come back)."""
    found: dict[str, tuple[Ticket, Any]] = {}
    stale: list[str] = []
    with store.engine.connect() as conn:
        changed = conn.execute(changed_query(now, limit, after_event, upto_event)).all()
        due = conn.execute(due_query(now, limit)).all()
    for r in changed:
        if r.status in statuses:
            ticket = ticket_of(r)
            found[ticket.id] = (ticket, r)
    for r in due:
        if r.status not in statuses:
            stale.append(r.ticket_id)
        elif r.ticket_id not in found:
            found[r.ticket_id] = (ticket_of(r), r)
    return list(found.values()), stale, len(changed) < limit and len(due) < limit


def changed_query(now: datetime, limit: int, after_event: int, upto_event: int) -> Any:
    """The tickets with an event in (``after_event``, ``upto_event``] that need a look, with
    their status and progress rows: a range of the events' primary key, then lookups by id.
    The status is checked by the caller: in SQL, SQLite would walk the status index instead
    (every running ticket: what this module exists to avoid)."""
    t, e, ev = tickets.c, escalations.c, ticket_events.c
    changed_ids = select(ev.ticket_id).where(ev.id > after_event, ev.id <= upto_event).distinct()
    return (
        select(t.data, t.status, escalations)
        .outerjoin(escalations, e.ticket_id == t.id)
        .where(t.id.in_(changed_ids), _needs_look(now))
        .limit(limit)
    )


def due_query(now: datetime, limit: int) -> Any:
    """The progress rows due by ``now`` with their tickets (and status), earliest first."""
    t, e = tickets.c, escalations.c
    return (
        select(t.data, t.status, escalations)
        .join(tickets, t.id == e.ticket_id)
        .where(e.next_due_at <= now)
        .order_by(e.next_due_at)
        .limit(limit)
    )


def overdue(store: Store, *, now: datetime, limit: int) -> tuple[list[Ticket], bool]:
    """Tickets whose running deadline passed before ``now`` and that are not supervised yet,
    earliest first, along ``ix_tickets_open_due`` (``open_due_at`` is set only on open tickets
    whose clock runs, so no status is asked: in SQL, SQLite would walk the status index over
    all open work instead); and whether that was all of them (fewer than ``limit`` read)."""
    with store.engine.connect() as conn:
        rows = conn.execute(overdue_query(now, limit)).all()
    return [ticket_of(r) for r in rows], len(rows) < limit


def overdue_query(now: datetime, limit: int) -> Any:
    """The query of :func:`overdue`."""
    t = tickets.c
    return (
        select(t.data)
        .where(t.open_due_at < now, t.supervised.is_(False))
        .order_by(t.open_due_at, t.id)
        .limit(limit)
    )


def clear_due(store: Store, ticket_ids: Collection[str]) -> None:
    """Forget the due time of these tickets' progress (they are no longer running)."""
    if ticket_ids:
        with write(store.engine) as conn:
            conn.execute(
                update(escalations)
                .where(escalations.c.ticket_id.in_(sorted(ticket_ids)))
                .values(next_due_at=None)
            )
