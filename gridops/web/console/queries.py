"""Read-only numbers the console draws: open tickets per grid cell (map shading) and the
queues of a page with their counts, as the principal may see them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from gridops.services.queries import OPEN
from gridops.store.schema import tickets
from gridops.web.api.common import tickets_out
from gridops.web.permissions import Principal
from gridops.web.state import WebState

QUEUE_NAMES = ("new", "returned", "overdue", "escalated", "supervised")
COUNT_CAP = 500


def open_by_cell(state: WebState, level: int) -> dict[str, int]:
    """Open tickets per cell of ``level`` (one grouped query)."""
    column = {1: tickets.c.cell_1, 2: tickets.c.cell_2, 3: tickets.c.cell_3}[level]
    q = (
        select(column, func.count())
        .where(tickets.c.status.in_([s.value for s in OPEN]))
        .group_by(column)
    )
    with state.ctx.store.engine.connect() as conn:
        return {str(r[0]): int(r[1]) for r in conn.execute(q) if r[0]}


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
