"""What the web asks of the store, in web terms: the Open311 request search, tickets by status,
the overdue count and stage latencies (for /metrics).

The SQL is in :mod:`gridops.store.queries`; this module maps Open311 parameters and event types
onto it. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from gridops.store import Store
from gridops.store import queries as store_queries
from gridops.tickets.model import DONE, Status, Ticket
from gridops.web.open311.params import RequestQuery

OPEN_STATUSES = tuple(s.value for s in Status if s not in DONE)
CLOSED_STATUSES = tuple(s.value for s in DONE)
#: Events that mark reaching a stage, and the stage name /metrics gives them.
STAGE_EVENTS = {
    "dispatch": "dispatch",
    "accept": "accept",
    "handle": "handle",
    "onsite_resolve": "handle",
    "check_pass": "close",
    "force_close": "close",
    "evaluate": "evaluate",
}
LATENCY_WINDOW = timedelta(hours=24)


def search_requests(store: Store, q: RequestQuery) -> list[Ticket]:
    """Tickets matching an Open311 GET requests query, newest first, one page."""
    statuses = None
    if q.statuses and q.statuses != {"open", "closed"}:
        statuses = OPEN_STATUSES if "open" in q.statuses else CLOSED_STATUSES
    return store_queries.open311_search(
        store,
        numbers=q.service_request_ids,
        categories=q.service_codes,
        statuses=statuses,
        start=q.start,
        end=q.end,
        updated_after=q.updated_after,
        updated_before=q.updated_before,
        limit=q.page_size,
        offset=q.offset,
    )


def tickets_by_status(store: Store) -> dict[str, int]:
    """Ticket counts per workflow status (one grouped query)."""
    return store_queries.count_by_status(store)


def count_overdue(store: Store, now: datetime) -> int:
    """Open tickets whose running deadline has passed."""
    return store_queries.count_overdue(store, statuses=OPEN_STATUSES, now=now)


@dataclass(frozen=True)
class StageLatency:
    """Seconds from the report to reaching ``stage``, one sample per event."""

    stage: str
    seconds: float


def stage_latencies(store: Store, *, since: datetime) -> list[StageLatency]:
    """Time from report to each stage for stage events at or after ``since``."""
    rows = store_queries.stage_latencies(store, event_types=STAGE_EVENTS, since=since)
    return [StageLatency(STAGE_EVENTS[kind], seconds) for kind, seconds in rows]
