"""Read-only queries over the store's tickets table that the store's API does not offer yet
(several statuses at once, category, open work per assignee). Writes always go through
:class:`gridops.store.Store`."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from gridops.store import Store
from gridops.store.schema import tickets
from gridops.tickets import Status, Ticket, decode_ticket

WORKING = (Status.DISPATCHED, Status.ACCEPTED, Status.REWORK, Status.ESCALATED)
OPEN = tuple(s for s in Status if s.open)


def _values(statuses: Iterable[Status | str]) -> list[str]:
    return [Status(s).value for s in statuses]


def select_tickets(
    store: Store,
    *,
    statuses: Collection[Status | str] | None = None,
    owner_unit: str | None = None,
    assignee: str | None = None,
    cell: str | None = None,
    category: str | None = None,
    due_before: datetime | None = None,
    supervised: bool | None = None,
    order: str = "created",
    limit: int = 50,
    offset: int = 0,
) -> list[Ticket]:
    """Tickets matching every filter given; ``order`` is "created" or "due"."""
    c = tickets.c
    q = select(c.data)
    if statuses is not None:
        q = q.where(c.status.in_(_values(statuses)))
    if owner_unit is not None:
        q = q.where(c.owner_unit == owner_unit)
    if assignee is not None:
        q = q.where(c.assignee == assignee)
    if cell:
        q = q.where(or_(c.cell_1 == cell, c.cell_2 == cell, c.cell_3 == cell))
    if category:
        q = q.where(c.category == category)
    if due_before is not None:
        q = q.where(c.open_due_at < due_before)
    if supervised is not None:
        q = q.where(c.supervised == supervised)
    if order == "due":
        q = q.order_by(c.open_due_at.is_(None), c.open_due_at, c.created_at, c.id)
    else:
        q = q.order_by(c.created_at, c.id)
    with store.engine.connect() as conn:
        rows = conn.execute(q.limit(limit).offset(offset))
        return [decode_ticket(json.loads(r.data)) for r in rows]


def open_work(store: Store, units: Collection[str] | None = None) -> dict[str, int]:
    """Open working tickets per assignee (of ``units``, or all), in one grouped query."""
    c = tickets.c
    q = select(c.assignee, func.count()).where(c.status.in_(_values(WORKING)), c.assignee != "")
    if units is not None:
        q = q.where(c.owner_unit.in_(sorted(units)))
    q = q.group_by(c.assignee)
    with store.engine.connect() as conn:
        return {r[0]: int(r[1]) for r in conn.execute(q)}


def has_claimable(store: Store, statuses: Collection[Status | str], now: datetime) -> bool:
    """Whether any ticket in ``statuses`` is unclaimed (or its claim expired) — a read, so a
    stage can skip a write transaction that would claim nothing."""
    c = tickets.c
    q = (
        select(c.id)
        .where(c.status.in_(_values(statuses)), or_(c.claim_until.is_(None), c.claim_until < now))
        .limit(1)
    )
    with store.engine.connect() as conn:
        return conn.execute(q).first() is not None


def count_by_status(store: Store) -> dict[str, int]:
    """How many tickets are in each status."""
    q = select(tickets.c.status, func.count()).group_by(tickets.c.status)
    with store.engine.connect() as conn:
        return {r[0]: int(r[1]) for r in conn.execute(q)}


def duplicate_candidates(
    store: Store, categories: Collection[str], cells_2: Collection[str], since: datetime
) -> list[dict[str, Any]]:
    """Open, already routed tickets of these categories in these level-2 cells since ``since``
    (plain dicts with id, category, point_lon, point_lat, created_at)."""
    if not categories or not cells_2:
        return []
    c = tickets.c
    live = [s for s in _values(OPEN) if s != Status.REPORTED.value]
    q = select(c.id, c.category, c.created_at, c.data).where(
        c.category.in_(sorted(categories)),
        c.cell_2.in_(sorted(cells_2)),
        c.status.in_(live),
        c.created_at >= since,
    )
    out = []
    with store.engine.connect() as conn:
        for r in conn.execute(q):
            data = json.loads(r.data)
            out.append(
                {
                    "id": r.id,
                    "category": r.category,
                    "created_at": r.created_at,
                    "point_lon": data["point_lon"],
                    "point_lat": data["point_lat"],
                }
            )
    return out
