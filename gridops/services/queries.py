"""The services' read-side rules over :mod:`gridops.store.queries`: which statuses are open
work and which tickets may absorb a duplicate. The SQL is in the store (call its other reads,
such as ``find_many``, from :mod:`gridops.store.queries` directly); writes always go through
:class:`gridops.store.Store`."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from gridops.store import Store
from gridops.store import queries as store_queries
from gridops.tickets import Status

WORKING = (Status.DISPATCHED, Status.ACCEPTED, Status.REWORK, Status.ESCALATED)
OPEN = tuple(s for s in Status if s.open)
#: Open and already routed: the tickets a new report may be a duplicate of.
ROUTED_OPEN = tuple(s for s in OPEN if s is not Status.REPORTED)

__all__ = [
    "OPEN",
    "ROUTED_OPEN",
    "WORKING",
    "duplicate_candidates",
    "open_work",
]


def open_work(store: Store, units: Collection[str] | None = None) -> dict[str, int]:
    """Open working tickets (dispatched, accepted, rework, escalated) per assignee."""
    return store_queries.open_counts_by_assignee(store, statuses=WORKING, units=units)


def duplicate_candidates(
    store: Store, categories: Collection[str], cells_2: Collection[str], since: datetime
) -> list[dict[str, Any]]:
    """Open, already routed tickets of these categories in these level-2 cells since ``since``
    (plain dicts with id, category, point_lon, point_lat, created_at)."""
    return store_queries.duplicate_candidates(
        store, statuses=ROUTED_OPEN, categories=categories, cells_2=cells_2, since=since
    )
