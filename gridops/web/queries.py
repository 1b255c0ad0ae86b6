"""What the web asks of the store, in web terms: the Open311 request search, tickets by status,
the overdue count, stage latencies (for /metrics) and the tickets a principal may see.

The SQL is in :mod:`gridops.store.queries`; this module maps Open311 parameters, event types and
unit scopes onto it. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import datetime, timedelta

from gridops.org.orgchart import LOCALITY, OrgChart
from gridops.store import Store
from gridops.store import queries as store_queries
from gridops.store.queries import TicketScope
from gridops.tickets.model import DONE, Status, Ticket
from gridops.tickets.vocabulary import Role
from gridops.web.open311.params import RequestQuery
from gridops.web.permissions import Principal, listing_scope

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


def search_requests(
    store: Store, q: RequestQuery, *, exclude_sources: Set[str] = frozenset()
) -> list[Ticket]:
    """Tickets matching an Open311 GET requests query, newest first, one page (none of
    ``exclude_sources``)."""
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
        exclude_sources=exclude_sources,
    )


def tickets_by_status(store: Store, scope: TicketScope | None = None) -> dict[str, int]:
    """Ticket counts per workflow status (one grouped query), within ``scope`` if given."""
    return store_queries.count_by_status(store, scope)


def count_overdue(store: Store, now: datetime, scope: TicketScope | None = None) -> int:
    """Open tickets whose running deadline has passed, within ``scope`` if given."""
    return store_queries.count_overdue(store, statuses=OPEN_STATUSES, now=now, scope=scope)


@dataclass(frozen=True)
class StageLatency:
    """Seconds from the report to reaching ``stage``, one sample per event."""

    stage: str
    seconds: float


def stage_latencies(store: Store, *, since: datetime) -> list[StageLatency]:
    """Time from report to each stage for stage events at or after ``since``."""
    rows = store_queries.stage_latencies(store, event_types=STAGE_EVENTS, since=since)
    return [StageLatency(STAGE_EVENTS[kind], seconds) for kind, seconds in rows]


def ticket_scope(org: OrgChart, me: Principal) -> TicketScope | None:
    """The store's filter for the tickets ``me`` may read — what ``authorize(READ_TICKET)``
    allows on ``view_of``'s unit path, as sets SQL can test (``None``: every ticket).

    A unit in scope covers the units under it and the territory of its locality units (属地):
    the cells whose locality unit it covers. Those cells form whole subtrees of the grid, so
    only each subtree's top cell is sent (a ticket lies in every cell above its level-3 cell).
    The web's TicketView names no reporter, so inspectors list nothing, as they read nothing."""
    wanted = listing_scope(me)
    if wanted.all_units:
        return None
    if not wanted.include_below:
        return TicketScope(owner_units=wanted.units, assignee=wanted.assignee_id)
    below = org.below(wanted.units)
    return TicketScope(owner_units=below, assignee=wanted.assignee_id, cells=_top_cells(org, below))


def report_scope(org: OrgChart, me: Principal) -> TicketScope | None:
    """What reports (the summary, the supervisor's trend) count for ``me``: the tickets they
    may read (:func:`ticket_scope`) — every ticket for admins, who are not unit-scoped."""
    return None if me.role is Role.ADMIN else ticket_scope(org, me)


def cells_covered(org: OrgChart, units: Set[str]) -> frozenset[str]:
    """The cells (any level) that ``units`` and the units under them are responsible for: a
    locality unit's own cell (属地), a department branch's area (``dept-…@<street>``)."""
    found = (org.units.get(u) for u in org.below(units))
    return frozenset(u.cell for u in found if u is not None and u.cell)


def _top_cells(org: OrgChart, covered: Set[str]) -> frozenset[str]:
    """The cells whose locality unit is in ``covered`` and whose parent cell's is not."""
    top: set[str] = set()
    for unit_id in covered:  # units.brief: a city's posts are not made for this
        brief = org.units.brief(unit_id)
        if brief is None:
            continue
        kind, cell, parent_id = brief
        if kind != LOCALITY or not cell:
            continue
        if unit_id in org.units.held and org.locality.get(cell) != unit_id:
            continue  # (a post is its cell's locality unit)
        parent = org.units.brief(parent_id or "")
        if parent is not None and parent[0] == LOCALITY and parent_id in covered:
            continue  # inside a covered parent cell: that cell's code already matches
        top.add(cell)
    return frozenset(top)
