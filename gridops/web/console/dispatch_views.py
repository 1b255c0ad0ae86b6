"""The dispatcher's desk (派遣台): queues with the columns a dispatcher reads, sortable, paged on
the server within the reader's scope (a tab's count is what its pages hold), newest first on
request, searched by case number, text and place, with a selection to dispatch or void at once;
and the grid map (level 1/2/3, cells shaded by open tickets, click a cell to filter). The queue
panel is pushed as an HTML fragment over Server-Sent Events when it changes
(gridops.web.console.live), or re-fetched every few seconds where the stream fails."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from gridops.tickets.vocabulary import Role
from gridops.web.console.desk_form import DeskRead, read_view
from gridops.web.console.live import embedded, fragment_stream
from gridops.web.console.map_views import GL_COOKIE
from gridops.web.console.pages import html_errors, lang_of, render, signed_in
from gridops.web.console.svgmap import DrawnCell, Pin, cells_for, render_map
from gridops.web.permissions import ROLE_ACTIONS, Action, PermissionDenied, Principal
from gridops.web.state import State, WebState

router = APIRouter(include_in_schema=False)
QUEUE_ROLES = frozenset({Role.DISPATCHER, Role.ACCEPTOR, Role.SUPERVISOR})
FRESH = timedelta(minutes=15)  # a ticket reported this recently is marked new (新)
COLUMNS = (
    ("number", "number"), ("category", "category"), ("place", "col.place_l1"),
    ("", "col.place_l2"), ("", "col.nearby"), ("reported", "reported_at"),
    ("source", "col.source"), ("priority", "col.priority"), ("", "status"),
    ("due", "deadline"),
)  # fmt: skip


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


def _row(ticket: dict[str, Any], now: datetime) -> dict[str, Any]:
    reported = datetime.fromisoformat(ticket["reported_at"])
    return with_due(ticket) | {
        "fresh": now - reported < FRESH,
        "urgent": int(ticket.get("priority") or 3) == 1,
    }


BULK = (("dispatch", Action.DISPATCH), ("void", Action.VOID))


def queue_panel(state: WebState, me: Principal, read: DeskRead) -> dict[str, Any]:
    """The tabs with their counts and the chosen page of the chosen queue, of the tickets
    ``me`` may read (one counting query, one page query)."""
    from gridops.web.console.queries import QUEUE_NAMES, desk

    now = state.now()
    page = desk(state, me, read)
    view = read.view
    first = (page.page - 1) * page.per_page + 1
    shown = {t["number"] for t in page.rows}
    return {
        "queues": QUEUE_NAMES, "counts": page.counts, "queue": view.queue, "view": view,
        "rows": [_row(t, now) for t in page.rows], "page": page.page, "pages": page.pages,
        "total": page.total, "first": first, "last": first + len(page.rows) - 1,
        "columns": COLUMNS, "link": view.link,
        "found": None if view.q in shown else numbered(state, me, view.q),
        # the bulk bar offers only what the role may do (an acceptor voids, never dispatches)
        "bulk_ops": tuple(op for op, action in BULK if action in ROLE_ACTIONS[me.role]),
    }  # fmt: skip


def numbered(state: WebState, me: Principal, text: str) -> dict[str, str] | None:
    """The ticket whose case number the search text is, when ``me`` may read it: the desk
    offers to open it whatever its step (closed, in a unit's hands) and whatever the tab."""
    from gridops.store.errors import UnknownTicket
    from gridops.web.api.common import allowed_ticket

    if not text or len(text) > 40 or " " in text:
        return None
    try:
        found = allowed_ticket(state, me, text, Action.READ_TICKET)
    except (UnknownTicket, PermissionDenied):
        return None
    return {"number": found.number, "status": found.status.value}


def grid_map(
    state: WebState, me: Principal, read: DeskRead, pins: list[Pin], say: Any
) -> str:  # fmt: skip
    """The SVG map of the view's level (level 3 only inside its level-1 cell)."""
    from gridops.web.console.queries import open_by_cell

    view, grid = read.view, state.ctx.grid
    within = view.l1 if view.level > 1 and view.l1 else None
    counts = open_by_cell(state, me, view.level)
    cells = cells_for(grid, view.level, within)
    selected = next(iter(read.search.cells), None) if len(read.search.cells) == 1 else None

    def label(c: DrawnCell, n: int) -> str:
        return f"{c.code} {say.place_text(c.code)} · {say.t('open_tickets')} {n}"

    def href(code: str) -> str:
        return view.link(l1=code[:9], cell=code)

    return render_map(grid, cells, counts=counts, pins=pins, selected=selected, href=href,
                      label=label, title=say.t("map"))  # fmt: skip


def desk_map(request: Request, state: WebState, read: DeskRead) -> dict[str, str]:
    """The web map's box on the desk (static/map.js): the view's level and 街镇, its pins
    under the list's own query, the selected cell, and the desk's link for a cell."""
    from gridops.web.console.map_views import bounds_of, map_box

    view = read.view
    selected = next(iter(read.search.cells), "") if len(read.search.cells) == 1 else ""
    query = request.query_params
    return map_box(
        state, bounds=bounds_of(state, view.l1), level=str(view.level),
        within=view.l1 if view.level > 1 else "", selected=selected,
        cells="/console/map/cells.geojson",
        pins="/console/map/pins.geojson?" + urlencode(
            [(k, v) for k, v in query.multi_items() if k not in ("page", "lang")]
            + ([("l1", view.l1), ("level", str(view.level))] if "l1" not in query else [])),
        link="/console/dispatch" + view.link(l1="__L1__", cell="__CELL__"),
    )  # fmt: skip


def queue_fragment(
    request: Request, state: WebState, me: Principal, read: DeskRead, panel: dict[str, Any]
) -> HTMLResponse:
    """The live fragment (``_queues.html``) of a queue panel, as the page, the polled fragment
    and the stream all show it."""
    return render(request, state, "_queues.html", me=me, **panel)


def _read(request: Request, state: WebState, me: Principal | None = None) -> DeskRead:
    """The desk the request asks for; for ``me`` with no 街镇 asked, the maps start on their own
    (a sub-centre dispatcher's, at level 2: its communities; see map_views.home_l1)."""
    from gridops.web.console.i18n import translator
    from gridops.web.console.map_views import home_l1

    read = read_view(request.query_params, translator(lang_of(request)), state.ctx.grid,
                     state.ctx.ops.taxonomy.categories)  # fmt: skip
    home = home_l1(state.ctx.ops.org, me) if me is not None else ""
    if home and not read.view.l1 and "l1" not in request.query_params:
        level = read.view.level if "level" in request.query_params else 2
        read = replace(read, view=replace(read.view, l1=home, level=level))
    return read


def live_fragment(request: Request, state: WebState) -> HTMLResponse:
    """The live fragment for the request's user (sign-in and role checked, scoped queries)."""
    me = signed_in(state, request)
    require_queue_reader(me)
    read = _read(request, state, me)
    return queue_fragment(request, state, me, read, queue_panel(state, me, read))


@router.get("/console/dispatch", response_class=HTMLResponse)
@html_errors
def dispatch_page(request: Request, state: State) -> HTMLResponse:
    from gridops.web.console.explain import Speaker
    from gridops.web.console.i18n import translator

    me = signed_in(state, request)
    require_queue_reader(me)
    read = _read(request, state, me)
    panel = queue_panel(state, me, read)
    pins = [Pin(r["number"], r["point_lon"], r["point_lat"], bool(r.get("overdue")))
            for r in panel["rows"]]  # fmt: skip
    lang = lang_of(request)
    say = Speaker(translator(lang), lang, state.ctx.ops, state.ctx.grid)
    # a browser that drew the web map before gets none of the SVG fallback (map_views.GL_COOKIE)
    asked_svg = request.query_params.get("map") == "svg"
    omitted = request.cookies.get(GL_COOKIE) == "1" and not asked_svg
    svg = "" if omitted else grid_map(state, me, read, pins, say)
    categories = sorted(state.ctx.ops.taxonomy.categories.values(), key=lambda c: c.code)
    live = embedded(queue_fragment(request, state, me, read, panel))
    l1 = read.view.l1
    page = render(
        request, state, "dispatch.html", me=me, svg=svg, svg_bytes=len(svg.encode()),
        svg_omitted=omitted, glmap=desk_map(request, state, read),
        level=read.view.level, l1=l1, categories=categories, errors=read.errors,
        status=400 if read.errors else 200, **live, **panel,
    )  # fmt: skip
    if asked_svg:
        page.delete_cookie(GL_COOKIE, path="/console")
    return page


@router.get("/console/dispatch/live", response_class=HTMLResponse)
@html_errors
def dispatch_live(request: Request, state: State) -> HTMLResponse:
    """The queue panel alone: what the page's script swaps in every few seconds when it polls."""
    return live_fragment(request, state)


@router.get("/console/dispatch/stream")
@html_errors
def dispatch_stream(request: Request, state: State) -> Response:
    """The queue panel as Server-Sent Events, sent when its HTML changes (see
    gridops.web.console.live: a ticket-event marker is checked, the fragment re-rendered and
    hashed); signed-out users are sent to the login page, other roles get the 403 page."""
    me = signed_in(state, request)
    require_queue_reader(me)
    return fragment_stream(request, state, lambda: live_fragment(request, state))
