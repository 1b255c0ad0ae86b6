"""A cheap marker of "some ticket changed" (变更标记), for live views that watch the store.

Every write of a ticket appends a row to ``ticket_events`` in the same transaction (reports,
every transition, bulk imports), so the events' ids move whenever any ticket does. The highest
id alone is not enough on PostgreSQL: ids are taken from a sequence when rows are inserted, not
when they commit, so a transaction that took id 10 may commit after one that took id 11, and a
reader that saw 11 would never notice 10. The marker is therefore the count *and* the highest id
of the events above a floor chosen a little below the highest id when watching starts: a late
commit above the floor raises the count. Both are read off the primary key's index.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from gridops.store.repository import Store
from gridops.store.schema import ticket_events

#: How far below the highest event id a watcher's floor lies: a transaction whose events were
#: numbered more than this many ids before the newest one, and that commits later still, is
#: missed by the marker (live views re-read now and then anyway).
LATE_WINDOW = 2_000


@dataclass(frozen=True)
class EventMark:
    """How many events lie above the floor, and the highest id (the floor when none)."""

    count: int
    last: int


def last_event_id(store: Store) -> int:
    """The highest ticket event id (0 when there are none)."""
    q = select(func.max(ticket_events.c.id))
    with store.engine.connect() as conn:
        return int(conn.execute(q).scalar_one() or 0)


def watch_floor(store: Store, window: int = LATE_WINDOW) -> int:
    """A floor for :func:`event_mark`: ``window`` ids below the highest one (never below 0)."""
    return max(0, last_event_id(store) - window)


def event_mark(store: Store, *, above: int) -> EventMark:
    """The count and highest id of the ticket events with an id above ``above`` (one query);
    equal marks mean no ticket was written in between (see the module's note)."""
    ids = ticket_events.c.id
    q = select(func.count(), func.max(ids)).where(ids > above)
    with store.engine.connect() as conn:
        count, last = conn.execute(q).one()
    return EventMark(int(count), int(last if last is not None else above))
