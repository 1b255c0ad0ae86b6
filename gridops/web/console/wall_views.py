"""The video wall (大屏): a read-only page for the operations centre's wall (1920×1080 and
3840×2160), sized from the screen's width so it reads from across a room, kept current over
the same event stream as the desk (gridops.web.console.live) with polling as the fallback.
The map slot (``#wall-map``) holds the web map: the grid by 街镇 and the overdue tickets as pins
(for those who read the queues), kept in place when the panels around it are swapped."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from gridops.web.console.live import embedded, fragment_stream
from gridops.web.console.pages import html_errors, render, signed_in
from gridops.web.console.wall_data import STAGES, wall
from gridops.web.permissions import Action, require
from gridops.web.state import State, WebState

router = APIRouter(include_in_schema=False)


def wall_fragment(request: Request, state: WebState) -> HTMLResponse:
    """The wall's panels for the request's user (sign-in, role and scope checked)."""
    me = signed_in(state, request)
    require(me, Action.READ_REPORTS)
    board = wall(state, me)
    top = max([d.reports for d in board.days] + [1])
    from gridops.web.console.map_views import wall_map

    return render(request, state, "_wall.html", me=me, w=board, stages=STAGES, top=top,
                  glmap=wall_map(state, me))  # fmt: skip


@router.get("/console/wall", response_class=HTMLResponse)
@html_errors
def wall_page(request: Request, state: State) -> HTMLResponse:
    me = signed_in(state, request)
    require(me, Action.READ_REPORTS)
    return render(request, state, "wall.html", me=me, **embedded(wall_fragment(request, state)))


@router.get("/console/wall/live", response_class=HTMLResponse)
@html_errors
def wall_live(request: Request, state: State) -> HTMLResponse:
    """The panels alone: what the page swaps in when it polls."""
    return wall_fragment(request, state)


@router.get("/console/wall/stream")
@html_errors
def wall_stream(request: Request, state: State) -> Response:
    """The panels as Server-Sent Events, sent when their HTML changes."""
    me = signed_in(state, request)
    require(me, Action.READ_REPORTS)
    return fragment_stream(request, state, lambda: wall_fragment(request, state))
