"""Read-only numbers the console draws: open tickets per grid cell (map shading) and the
queues of a page with their counts, as the principal may see them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gridops.services.queries import OPEN
from gridops.store.queries import counts_by_cell
from gridops.web.api.common import tickets_out
from gridops.web.permissions import ALL, Principal
from gridops.web.state import WebState

QUEUE_NAMES = ("new", "returned", "overdue", "escalated", "supervised")
COUNT_CAP = 500


def in_scope(state: WebState, me: Principal, unit: str | None) -> bool:
    """Does ``me`` cover ``unit`` (itself or a unit above it)?"""
    if me.unit_scope == ALL:
        return True
    if not unit:
        return False
    org = state.ctx.ops.org
    chain = (unit, *org.up_chain(unit)) if unit in org else (unit,)
    return any(u in me.unit_scope for u in chain)


def open_by_cell(state: WebState, me: Principal, level: int) -> dict[str, int]:
    """Open tickets per cell of ``level`` (one grouped query); a user of some units sees the
    numbers of the cells their units cover (by the cell's territorial unit 属地)."""
    counts = counts_by_cell(state.ctx.store, level=level, statuses=OPEN)
    if me.unit_scope == ALL:
        return counts
    locality = state.ctx.ops.org.locality
    return {k: n for k, n in counts.items() if in_scope(state, me, locality.get(k))}


def visible_queue(
    state: WebState,
    me: Principal,
    name: str,
    *,
    now: datetime,
    cell: str | None = None,
    category: str | None = None,
    limit: int = COUNT_CAP,
) -> list[dict[str, Any]]:
    """The first ``limit`` tickets of queue ``name`` that ``me`` may read (the scope is in the
    query, as in the API), each as the API shows it."""
    from gridops.services.queues import queue
    from gridops.web.queries import ticket_scope

    scope = ticket_scope(state.ctx.ops.org, me)
    found = queue(state.ctx, name, now=now, cell=cell, category=category, scope=scope, limit=limit)
    return tickets_out(state, me, found)


def queue_counts(
    state: WebState,
    *,
    now: datetime,
    cell: str | None = None,
    category: str | None = None,
    me: Principal | None = None,
) -> dict[str, int]:
    """How many tickets each dispatcher queue holds — those ``me`` may read, or all — in one
    query, counted from the same queue definitions and scope the lists use
    (gridops.services.queues.QUEUE_FILTERS, gridops.web.queries.ticket_scope)."""
    from gridops.services.queues import queue_counts as counts
    from gridops.web.queries import ticket_scope

    scope = None if me is None else ticket_scope(state.ctx.ops.org, me)
    return counts(state.ctx, QUEUE_NAMES, now=now, cell=cell, category=category, scope=scope)
