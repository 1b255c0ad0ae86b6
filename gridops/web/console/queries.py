"""Read-only numbers the console draws: open tickets per grid cell (map shading) and the
queues of a page with their counts, as the principal may see them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from gridops.services.queries import OPEN
from gridops.store.schema import tickets
from gridops.tickets.model import Status
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
    column = {1: tickets.c.cell_1, 2: tickets.c.cell_2, 3: tickets.c.cell_3}[level]
    q = (
        select(column, func.count())
        .where(tickets.c.status.in_([s.value for s in OPEN]))
        .group_by(column)
    )
    with state.ctx.store.engine.connect() as conn:
        counts = {str(r[0]): int(r[1]) for r in conn.execute(q) if r[0]}
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
    """Queue ``name`` through the services, only the tickets ``me`` may read (as the API)."""
    from gridops.services.queues import queue

    found = queue(state.ctx, name, now=now, cell=cell, category=category, limit=limit)
    return tickets_out(state, me, found)


def queue_counts(
    state: WebState, *, now: datetime, cell: str | None = None, category: str | None = None
) -> dict[str, int]:
    """How many tickets each dispatcher queue holds (all units), in one grouped query.

    Mirrors :data:`gridops.services.queues.QUEUES`; tests/console/test_queries.py holds the two
    together."""
    c = tickets.c
    open_ = c.status.in_([s.value for s in OPEN])
    conditions = {
        "new": c.status.in_(
            [Status.REPORTED.value, Status.VERIFYING.value, Status.VERIFIED.value]
        ),  # fmt: skip
        "returned": c.status == Status.RETURNED.value,
        "overdue": and_(open_, c.open_due_at < now),
        "escalated": c.status == Status.ESCALATED.value,
        "supervised": and_(open_, c.supervised.is_(True)),
    }
    q = select(*(func.sum(case((cond, 1), else_=0)).label(k) for k, cond in conditions.items()))
    if cell:
        q = q.where(or_(c.cell_1 == cell, c.cell_2 == cell, c.cell_3 == cell))
    if category:
        q = q.where(c.category == category)
    with state.ctx.store.engine.connect() as conn:
        row = conn.execute(q).one()
    return {k: int(getattr(row, k) or 0) for k in conditions}
