"""The dispatcher console (派遣台): live queues with counts and filters, and the grid map
(level 1/2/3, cells shaded by open tickets, pins, click a cell to filter). The queue panel is
pushed as an HTML fragment over Server-Sent Events when it changes (gridops.web.console.live),
or re-fetched every few seconds where the stream fails, so the page updates without a reload."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from gridops.tickets.vocabulary import Role
from gridops.web.console.live import embedded, fragment_stream
from gridops.web.console.pages import html_errors, render, signed_in
from gridops.web.console.queries import QUEUE_NAMES, open_by_cell, queue_counts, visible_queue
from gridops.web.console.svgmap import DrawnCell, Pin, cells_for, render_map
from gridops.web.permissions import PermissionDenied, Principal
from gridops.web.state import State, WebState

router = APIRouter(include_in_schema=False)
QUEUE_ROLES = frozenset({Role.DISPATCHER, Role.ACCEPTOR, Role.SUPERVISOR})
SHOWN = 50
Code = Annotated[str | None, Query(max_length=32, pattern=r"^[0-9A-Za-z_.-]*$")]


def with_due(ticket: dict[str, Any]) -> dict[str, Any]:
    """The API's ticket dict plus ``due`` as a datetime (for countdowns) and ``clock_state``:
    "" while the clock runs, else "paused", "done_on_time" or "done_late" (no countdown then)."""
    clock = ticket.get("clock") or {}
    due = datetime.fromisoformat(clock["due_at"]) if clock.get("due_at") else None
    state = ""
    if due is not None and clock.get("paused_at"):
        state = "paused"
    elif due is not None and clock.get("stopped_at"):
        state = "done_late" if datetime.fromisoformat(clock["stopped_at"]) > due else "done_on_time"
    return ticket | {"due": None if state else due, "clock_state": state}


def require_queue_reader(me: Principal) -> None:
    if me.role not in QUEUE_ROLES:
        raise PermissionDenied(
            f"{me.role.value} may not read the dispatch queues; dispatchers, acceptors and "
            "supervisors may"
        )


def _filters(**params: Any) -> str:
    """The page's query string (empty values dropped)."""
    return "?" + urlencode({k: v for k, v in params.items() if v})


@dataclass(frozen=True)
class View:
    """What the dispatcher is looking at: the queue, the map level and the filters (from the
    query string; the page and its live fragment share it)."""

    queue: Annotated[str, Query(pattern="^(new|returned|overdue|escalated|supervised)$")] = "new"
    level: Annotated[int, Query(ge=1, le=3)] = 1
    l1: Code = None
    cell: Code = None
    category: Code = None

    def link(self, **change: Any) -> str:
        """The query string of this view with ``change`` applied."""
        return _filters(**(asdict(self) | change))

    def resolved(self) -> View:
        """This view with the level-1 cell taken from ``cell`` when none is given."""
        return replace(self, l1=self.l1 or (self.cell[:9] if self.cell else None))


def queue_panel(
    state: WebState, me: Principal, queue: str, cell: str | None, category: str | None
) -> dict[str, Any]:
    """Counts of every queue and the first rows of the chosen one, both of the tickets ``me``
    may read (one counting query, one page query)."""
    now = state.now()
    counts = queue_counts(state, now=now, cell=cell, category=category, me=me)
    rows = visible_queue(state, me, queue, now=now, cell=cell, category=category, limit=SHOWN)
    return {
        "queues": QUEUE_NAMES,
        "counts": counts,
        "queue": queue,
        "rows": [with_due(t) for t in rows],
    }


def grid_map(
    state: WebState, me: Principal, level: int, l1: str | None, cell: str | None,
    pins: list[Pin], link: Any, t: Any,
) -> str:  # fmt: skip
    """The SVG map of ``level`` (level 3 only inside ``l1``)."""
    grid = state.ctx.grid
    within = l1 if level > 1 else None
    counts = open_by_cell(state, me, level)
    cells = cells_for(grid, level, within)

    def label(c: DrawnCell, n: int) -> str:
        return f"{c.code} {c.name} · {t('open_tickets')} {n}"

    def href(code: str) -> str:
        return link(l1=code[:9], cell=code)

    return render_map(grid, cells, counts=counts, pins=pins, selected=cell, href=href, label=label)


def queue_fragment(
    request: Request, state: WebState, me: Principal, view: View, panel: dict[str, Any]
) -> HTMLResponse:
    """The live fragment (``_queues.html``) of a queue panel, as the page, the polled fragment
    and the stream all show it."""
    return render(request, state, "_queues.html", me=me, link=view.link, **panel)


def live_fragment(request: Request, state: WebState, view: View) -> HTMLResponse:
    """The live fragment for the request's user (sign-in and role checked, scoped queries)."""
    me = signed_in(state, request)
    require_queue_reader(me)
    panel = queue_panel(state, me, view.queue, view.cell, view.category)
    return queue_fragment(request, state, me, view, panel)


@router.get("/console/dispatch", response_class=HTMLResponse)
@html_errors
def dispatch_page(request: Request, state: State, view: Annotated[View, Depends()]) -> HTMLResponse:
    from gridops.web.console.i18n import translator
    from gridops.web.console.pages import lang_of

    me = signed_in(state, request)
    require_queue_reader(me)
    view = view.resolved()
    l1 = view.l1
    panel = queue_panel(state, me, view.queue, view.cell, view.category)
    pins = [
        Pin(r["number"], r["point_lon"], r["point_lat"], bool(r.get("overdue")))
        for r in panel["rows"]
    ]
    t = translator(lang_of(request))
    svg = grid_map(state, me, view.level, l1, view.cell, pins, view.link, t)
    categories = sorted(state.ctx.ops.taxonomy.categories.values(), key=lambda c: c.code)
    l1_cell = state.ctx.grid.cells.get(l1) if l1 else None
    live = embedded(queue_fragment(request, state, me, view, panel))
    return render(
        request, state, "dispatch.html", me=me, svg=svg, svg_bytes=len(svg.encode()),
        level=view.level, l1=l1, l1_cell=l1_cell, cell=view.cell, category=view.category,
        categories=categories, link=view.link, **live, **panel,
    )  # fmt: skip


@router.get("/console/dispatch/live", response_class=HTMLResponse)
@html_errors
def dispatch_live(request: Request, state: State, view: Annotated[View, Depends()]) -> HTMLResponse:
    """The queue panel alone: what the page's script swaps in every few seconds when it polls."""
    return live_fragment(request, state, view.resolved())


@router.get("/console/dispatch/stream")
@html_errors
def dispatch_stream(request: Request, state: State, view: Annotated[View, Depends()]) -> Response:
    """The queue panel as Server-Sent Events, sent when its HTML changes (see
    gridops.web.console.live: a ticket-event marker is checked, the fragment re-rendered and
    hashed); signed-out users are sent to the login page, other roles get the 403 page."""
    me = signed_in(state, request)
    require_queue_reader(me)
    view = view.resolved()
    return fragment_stream(request, state, lambda: live_fragment(request, state, view))
