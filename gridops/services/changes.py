"""Whether anything changed (变更标记): a cheap marker of the tickets' events that the live
pages poll — one shared read per process per interval, whatever the number of streams
(:mod:`gridops.store.changes`)."""

from __future__ import annotations

from gridops.store import Store
from gridops.store.changes import FlooredMark, shared_mark

__all__ = ["ticket_change_mark"]


def ticket_change_mark(store: Store, every: float) -> FlooredMark:
    """The tickets' change marker of ``store``, read at most once per ``every`` seconds for
    the whole process."""
    return shared_mark(store).current(every)
