"""Work queues (待办) for dispatchers, field staff and supervisors, and a ticket's timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gridops.services.actions import load
from gridops.services.context import ServiceContext
from gridops.services.errors import UnknownQueue
from gridops.services.queries import OPEN, WORKING
from gridops.store.queries import find_many
from gridops.tickets import Event, Status, Ticket

#: Queue name → the filter it applies (statuses; overdue; supervised).
QUEUES = {
    "new": "reported, being verified or verified: waiting for dispatch (待派遣)",
    "returned": "returned by a unit (退单), waiting for re-dispatch",
    "overdue": "open and past the deadline (超时)",
    "escalated": "in joint enforcement (联合执法)",
    "supervised": "open and flagged for supervision (督办)",
    "handled": "handled, waiting for the check (待核查)",
}


def queue(
    ctx: ServiceContext,
    name: str,
    *,
    now: datetime,
    unit: str | None = None,
    cell: str | None = None,
    category: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Ticket]:
    """The tickets in queue ``name`` (oldest first; overdue: earliest deadline first)."""
    common: dict[str, Any] = dict(
        owner_unit=unit, cell=cell, category=category, limit=limit, offset=offset
    )
    if name == "new":
        new = (Status.REPORTED, Status.VERIFYING, Status.VERIFIED)
        return find_many(ctx.store, statuses=new, **common)
    if name == "returned":
        return find_many(ctx.store, statuses=(Status.RETURNED,), **common)
    if name == "overdue":
        return find_many(ctx.store, statuses=OPEN, due_before=now, order="due", **common)
    if name == "escalated":
        return find_many(ctx.store, statuses=(Status.ESCALATED,), **common)
    if name == "supervised":
        return find_many(ctx.store, statuses=OPEN, supervised=True, **common)
    if name == "handled":
        return find_many(ctx.store, statuses=(Status.HANDLED,), **common)
    raise UnknownQueue(f"queue {name!r} is unknown; queues: {', '.join(QUEUES)}")


def my_tasks(ctx: ServiceContext, *, assignee: str, unit: str, now: datetime) -> list[Ticket]:
    """Open work of one person in one unit, earliest deadline first (``now`` for the API's
    overdue marks; the order does not depend on it)."""
    return find_many(
        ctx.store, statuses=WORKING, owner_unit=unit, assignee=assignee, order="due", limit=500
    )


def timeline(ctx: ServiceContext, ticket: str | Ticket) -> list[Event]:
    """The ticket's events in order (its audit trail, hash-chained)."""
    return ctx.store.events(load(ctx, ticket).id)
