"""Open tickets for a map that is looked at, not worked (the wall, 大屏): how many open tickets
each cell of a level holds, and the newest open tickets' points, within the reader's ticket
scope (:mod:`gridops.store.open_map`)."""

from __future__ import annotations

from datetime import datetime

from gridops.store import Store
from gridops.store import open_map as rows
from gridops.store.queries import TicketScope

__all__ = ["newest_open", "open_counts"]


def open_counts(store: Store, level: int, scope: TicketScope | None) -> dict[str, int]:
    """Open tickets per cell of ``level`` (1…3) in ``scope`` (None: every ticket)."""
    return rows.open_counts(store, level, scope)


def newest_open(
    store: Store, scope: TicketScope | None, limit: int, now: datetime
) -> list[tuple[str, float, float, bool]]:
    """(number, lon, lat, overdue at ``now``) of the ``limit`` newest open tickets with a
    point, in ``scope``."""
    return rows.newest_open(store, scope, limit, now)
