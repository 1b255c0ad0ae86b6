"""Read-only queries the web needs and the store does not offer yet: the Open311 request
search, tickets by status and stage latencies (for /metrics).

Plain SQL over the store's tables; nothing here writes. (These belong in gridops.store or
gridops.services once they grow a search API; the routes only call the functions below.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, select
from sqlalchemy.orm import aliased

from gridops.store.rows import ticket_of
from gridops.store.schema import ticket_events, tickets
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


def search_requests(engine: Engine, q: RequestQuery) -> list[Ticket]:
    """Tickets matching an Open311 GET requests query, newest first, one page."""
    sel = select(tickets.c.data).order_by(tickets.c.created_at.desc(), tickets.c.number.desc())
    if q.service_request_ids:
        sel = sel.where(tickets.c.number.in_(q.service_request_ids))
    else:
        if q.service_codes:
            sel = sel.where(tickets.c.category.in_(q.service_codes))
        if q.start is not None:
            sel = sel.where(tickets.c.created_at >= q.start)
        if q.end is not None:
            sel = sel.where(tickets.c.created_at <= q.end)
        if q.statuses and q.statuses != {"open", "closed"}:
            wanted = OPEN_STATUSES if "open" in q.statuses else CLOSED_STATUSES
            sel = sel.where(tickets.c.status.in_(wanted))
        if q.updated_after is not None:
            sel = sel.where(tickets.c.updated_at >= q.updated_after)
        if q.updated_before is not None:
            sel = sel.where(tickets.c.updated_at <= q.updated_before)
    sel = sel.limit(q.page_size).offset(q.offset)
    with engine.connect() as conn:
        return [ticket_of(r) for r in conn.execute(sel)]


def tickets_by_status(engine: Engine) -> dict[str, int]:
    """Ticket counts per workflow status (one grouped query)."""
    sel = select(tickets.c.status, func.count()).group_by(tickets.c.status)
    with engine.connect() as conn:
        return {status: int(n) for status, n in conn.execute(sel)}


def count_overdue(engine: Engine, now: datetime) -> int:
    """Open tickets whose running deadline has passed."""
    sel = select(func.count()).where(
        tickets.c.status.in_(OPEN_STATUSES), tickets.c.open_due_at < now
    )
    with engine.connect() as conn:
        return int(conn.execute(sel).scalar_one())


@dataclass(frozen=True)
class StageLatency:
    """Seconds from the report to reaching ``stage``, one sample per event."""

    stage: str
    seconds: float


def stage_latencies(engine: Engine, *, since: datetime) -> list[StageLatency]:
    """Time from report to each stage for stage events at or after ``since`` (indexed on at)."""
    first = aliased(ticket_events)
    sel = (
        select(ticket_events.c.type, ticket_events.c.at, first.c.at)
        .join(first, and_(first.c.ticket_id == ticket_events.c.ticket_id, first.c.seq == 1))
        .where(ticket_events.c.at >= since, ticket_events.c.type.in_(list(STAGE_EVENTS)))
    )
    with engine.connect() as conn:
        rows: Sequence[Any] = conn.execute(sel).all()
    return [
        StageLatency(STAGE_EVENTS[kind], max((at - reported).total_seconds(), 0.0))
        for kind, at, reported in rows
    ]


LATENCY_WINDOW = timedelta(hours=24)
