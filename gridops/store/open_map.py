"""Open tickets for a map that is looked at, not worked (the wall, 大屏): how many open tickets
each cell of a level holds, and the newest open tickets' points. Nothing here writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from gridops.store.queries import TicketScope, _scope_condition
from gridops.store.repository import Store
from gridops.store.schema import tickets
from gridops.tickets.workflow import OPEN

_C = tickets.c
_OPEN = sorted(s.value for s in OPEN)


def _where(scope: TicketScope | None) -> list[Any]:
    conds: list[Any] = [_C.status.in_(_OPEN)]
    if scope is not None:
        conds.append(_scope_condition(scope))
    return conds


def open_counts(store: Store, level: int, scope: TicketScope | None) -> dict[str, int]:
    """Open tickets per cell of ``level`` (1…3) in ``scope`` (None: every ticket)."""
    cell = (_C.cell_1, _C.cell_2, _C.cell_3)[level - 1]
    query = select(cell, func.count()).where(*_where(scope), cell != "").group_by(cell)
    with store.engine.connect() as conn:
        return {code: int(n) for code, n in conn.execute(query)}


def newest_open(
    store: Store, scope: TicketScope | None, limit: int, now: datetime
) -> list[tuple[str, float, float, bool]]:
    """(number, lon, lat, overdue) of the ``limit`` newest open tickets with a point."""
    query = (
        select(_C.number, _C.point_lon, _C.point_lat, _C.open_due_at)
        .where(*_where(scope), _C.point_lon.is_not(None), _C.point_lat.is_not(None))
        .order_by(_C.created_at.desc(), _C.id.desc())
        .limit(limit)
    )
    with store.engine.connect() as conn:
        return [(number, float(lon), float(lat), due is not None and due < now)
                for number, lon, lat, due in conn.execute(query)]  # fmt: skip
