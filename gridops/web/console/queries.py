"""What the console reads, as the principal may see it — through the services, with the scope
the JSON API uses (gridops.web.queries.ticket_scope): open tickets per grid cell (map shading),
the desk's page of a queue with every tab's count, and the queues of other pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gridops.services.desk import DESK_QUEUES
from gridops.web.api.common import tickets_out
from gridops.web.console.desk_form import DeskRead
from gridops.web.permissions import ALL, Principal
from gridops.web.state import WebState

QUEUE_NAMES = DESK_QUEUES
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
    """Open tickets per cell of ``level`` (one grouped query), of those ``me`` may read."""
    from gridops.services.desk import open_by_cell as counts
    from gridops.web.queries import ticket_scope

    return counts(state.ctx, level, ticket_scope(state.ctx.ops.org, me))


@dataclass(frozen=True)
class DeskRows:
    """A page of the desk as the API shows tickets, with the counts of every tab."""

    rows: list[dict[str, Any]]
    counts: dict[str, int]
    page: int
    pages: int
    per_page: int
    total: int


def desk(state: WebState, me: Principal, read: DeskRead) -> DeskRows:
    """The page of the desk ``read`` asks for, of the tickets ``me`` may read."""
    from gridops.services.desk import desk_page
    from gridops.web.queries import ticket_scope

    view = read.view
    found = desk_page(
        state.ctx, view.queue, read.search, now=state.now(),
        scope=ticket_scope(state.ctx.ops.org, me), sort=view.sort or None,
        descending=read.descending, page=view.page, per_page=view.per,
    )  # fmt: skip
    return DeskRows(tickets_out(state, me, found.tickets), found.counts, found.page,
                    found.pages, found.per_page, found.total)  # fmt: skip


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
