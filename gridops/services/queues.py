"""Work queues (待办) for dispatchers, field staff and supervisors, and a ticket's timeline."""

from __future__ import annotations

from datetime import datetime

from gridops.services.actions import load
from gridops.services.context import ServiceContext
from gridops.services.errors import UnknownQueue
from gridops.services.queries import OPEN, WORKING
from gridops.store import desk
from gridops.store.desk import Search
from gridops.store.queries import TicketFilter, TicketScope, find_many
from gridops.tickets import Event, Status, Ticket

#: Queue name → what it holds, in words (for listings and errors).
QUEUES = {
    "new": "reported, being verified (核实), verified or not verifiable: waiting for dispatch "
    "(待派遣)",
    "returned": "returned by a unit (退单), waiting for re-dispatch",
    "overdue": "open and past the deadline (超时)",
    "escalated": "in joint enforcement (联合执法)",
    "supervised": "open and flagged for supervision (督办)",
    "handled": "handled, waiting for the check (待核查)",
    "open": "every open ticket, whatever its step (全部在办): where a search finds a ticket "
    "the other queues have let go",
}

#: Queue name → the tickets it holds. Listing and counting both read this one table.
QUEUE_FILTERS = {
    "new": TicketFilter((Status.REPORTED, Status.VERIFYING, Status.VERIFIED, Status.UNVERIFIED)),
    "returned": TicketFilter((Status.RETURNED,)),
    "overdue": TicketFilter(tuple(OPEN), overdue=True, order="due"),
    "escalated": TicketFilter((Status.ESCALATED,)),
    "supervised": TicketFilter(tuple(OPEN), supervised=True),
    "handled": TicketFilter((Status.HANDLED,)),
    "open": TicketFilter(tuple(OPEN)),
}


def _filter(name: str) -> TicketFilter:
    if name not in QUEUE_FILTERS:
        raise UnknownQueue(f"queue {name!r} is unknown; queues: {', '.join(QUEUES)}")
    return QUEUE_FILTERS[name]


def queue(
    ctx: ServiceContext,
    name: str,
    *,
    now: datetime,
    unit: str | None = None,
    cell: str | None = None,
    category: str | None = None,
    scope: TicketScope | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Ticket]:
    """The tickets in queue ``name`` (oldest first; overdue: earliest deadline first), only
    those within ``scope`` when given (filtered in SQL: pages are full, paging is stable)."""
    search = Search(cells=frozenset({cell} if cell else ()), category=category, owner_unit=unit)
    return desk.page(ctx.store, _filter(name), search, now=now, scope=scope, limit=limit,
                     offset=offset)  # fmt: skip


def queue_counts(
    ctx: ServiceContext,
    names: tuple[str, ...],
    *,
    now: datetime,
    cell: str | None = None,
    category: str | None = None,
    scope: TicketScope | None = None,
) -> dict[str, int]:
    """How many tickets each queue in ``names`` holds (within ``scope``, or all), in one
    query — the same sets :func:`queue` lists."""
    filters = {name: _filter(name) for name in names}
    search = Search(cells=frozenset({cell} if cell else ()), category=category)
    return desk.counts(ctx.store, filters, search, now=now, scope=scope)


def my_tasks(ctx: ServiceContext, *, assignee: str, unit: str, now: datetime) -> list[Ticket]:
    """Open work of one person in one unit, earliest deadline first (``now`` for the API's
    overdue marks; the order does not depend on it)."""
    return find_many(
        ctx.store, statuses=WORKING, owner_unit=unit, assignee=assignee, order="due", limit=500
    )


def timeline(ctx: ServiceContext, ticket: str | Ticket) -> list[Event]:
    """The ticket's events in order (its audit trail, hash-chained)."""
    return ctx.store.events(load(ctx, ticket).id)
