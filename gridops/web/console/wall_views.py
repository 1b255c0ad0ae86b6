"""The video wall (大屏): a read-only page for the operations centre's wall (1920×1080 and
3840×2160), sized from the screen's width so it reads from across a room, kept current over
the same event stream as the desk (gridops.web.console.live) with polling as the fallback.
The map slot (``#wall-map``) holds the web map: the grid by 街镇 and the overdue tickets as pins
(for those who read the queues), kept in place when the panels around it are swapped."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from gridops.web.console.live import embedded, fragment_stream
from gridops.web.console.pages import html_errors, lang_of, render, signed_in
from gridops.web.console.wall_data import STAGES, wall
from gridops.web.permissions import Action, Principal, require
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
                  glmap=wall_map(state, me), svg=wall_svg(state, me, lang_of(request)))  # fmt: skip


def wall_svg(state: WebState, me: Principal, lang: str) -> str:
    """The map for a screen without WebGL (the web map hides it): the reader's 街镇 by 居村,
    else the district by 街镇, shaded by open tickets (no links: the wall is read, not used)."""
    from gridops.services.open_map import open_counts
    from gridops.web.console.explain import Speaker
    from gridops.web.console.i18n import translator
    from gridops.web.console.map_views import home_l1
    from gridops.web.console.svgmap import DrawnCell, cells_for, render_map
    from gridops.web.queries import ticket_scope

    ctx = state.ctx
    home = home_l1(ctx.ops.org, me)
    level = 2 if home else 1
    counts = open_counts(ctx.store, level, ticket_scope(ctx.ops.org, me))
    say = Speaker(translator(lang), lang, ctx.ops, ctx.grid)

    def label(c: DrawnCell, n: int) -> str:
        return f"{say.place_text(c.code)} · {say.t('open_tickets')} {n}"

    return render_map(ctx.grid, cells_for(ctx.grid, level, home or None), counts=counts,
                      href=None, label=label, title=say.t("map"))  # fmt: skip


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
