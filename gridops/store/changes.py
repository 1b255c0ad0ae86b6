"""A cheap marker of "some ticket changed" (变更标记), for live views that watch the store.

Every write of a ticket appends a row to ``ticket_events`` in the same transaction (reports,
every transition, bulk imports), so the events' ids move whenever any ticket does. The highest
id alone is not enough on PostgreSQL: ids are taken from a sequence when rows are inserted, not
when they commit, so a transaction that took id 10 may commit after one that took id 11, and a
reader that saw 11 would never notice 10. The marker is therefore the count *and* the highest id
of the events above a floor chosen a little below the highest id when watching starts: a late
commit above the floor raises the count. Both are read off the primary key's index.

Watchers in one process share one :class:`SharedMark` per store (:func:`shared_mark`): at most
one marker query per ``max_age`` however many ask, and a floor that is moved up, to
``LATE_WINDOW`` below the highest id, once the count above it passes a bound — so the count
never scans more than a few thousand keys, however long a watcher stays.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, func, select

from gridops.store.repository import Store
from gridops.store.schema import ticket_events

#: How far below the highest event id a watcher's floor lies: a transaction whose events were
#: numbered more than this many ids before the newest one, and that commits later still, is
#: missed by the marker (live views re-read now and then anyway).
LATE_WINDOW = 2_000

#: How many events above its floor a shared mark counts before it moves the floor up.
REFLOOR_AT = 2 * LATE_WINDOW


@dataclass(frozen=True)
class EventMark:
    """How many events lie above the floor, and the highest id (the floor when none)."""

    count: int
    last: int


@dataclass(frozen=True)
class FlooredMark:
    """A shared mark: the floor it was counted above, the count and the highest id. Marks
    counted above different floors never compare equal."""

    floor: int
    count: int
    last: int


def last_event_id(engine: Engine) -> int:
    """The highest ticket event id (0 when there are none)."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.max(ticket_events.c.id))).scalar_one() or 0)


def event_mark(engine: Engine, *, above: int) -> EventMark:
    """The count and highest id of the ticket events with an id above ``above`` (one query);
    equal marks mean no ticket was written in between (see the module's note)."""
    ids = ticket_events.c.id
    q = select(func.count(), func.max(ids)).where(ids > above)
    with engine.connect() as conn:
        count, last = conn.execute(q).one()
    return EventMark(int(count), int(last if last is not None else above))


class SharedMark:
    """The ticket marker of one store, shared by the watchers of a process (thread-safe).

    :meth:`current` returns the last mark read when that read began less than ``max_age``
    seconds before the call, else reads it once under a lock: callers that arrive meanwhile
    wait for that read and share it. Once the count above the floor passes ``bound``, the next
    read counts above ``window`` below the highest id seen. The floor is part of the mark, so a
    write between two reads is never hidden by a move of the floor; a move with nothing written
    in between changes the mark too — at most one needless re-render per watcher for each move
    (and a move follows at least ``bound - window`` new events).
    """

    def __init__(self, engine: Engine, *, window: int = LATE_WINDOW, bound: int = REFLOOR_AT):
        if not 0 < window < bound:
            raise ValueError(f"a shared mark needs 0 < window < bound, got {window}, {bound}")
        self._engine = engine  # not the Store: the registry's values must not keep keys alive
        self._window, self._bound = window, bound
        self._lock = threading.Lock()
        self._floor = max(0, last_event_id(engine) - window)
        self._read: tuple[float, FlooredMark] | None = None  # (when the read began, the mark)

    def current(self, max_age: float) -> FlooredMark:
        """The mark, read at most ``max_age`` seconds before this call."""
        asked = time.monotonic()
        read = self._read
        if read is not None and read[0] > asked - max_age:
            return read[1]
        with self._lock:
            read = self._read  # another caller may have read it while this one waited
            if read is not None and read[0] > asked - max_age:
                return read[1]
            began, floor = time.monotonic(), self._floor
            mark = event_mark(self._engine, above=floor)
            if mark.count > self._bound:
                self._floor = mark.last - self._window
            found = FlooredMark(floor, mark.count, mark.last)
            self._read = (began, found)
            return found


_shared: WeakKeyDictionary[Store, SharedMark] = WeakKeyDictionary()
_shared_lock = threading.Lock()


def shared_mark(store: Store) -> SharedMark:
    """The process's :class:`SharedMark` of ``store`` (made, and floored, on first use)."""
    with _shared_lock:
        found = _shared.get(store)
        if found is None:
            found = _shared[store] = SharedMark(store.engine)
        return found
