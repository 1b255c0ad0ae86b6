"""The supervisor's view of patrols (巡查): one day's walks — who, when, how far, which unit
cells (单元网格) they passed — and the share of the area's unit cells walked that day."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from gridops.errors import UserError
from gridops.web.console.pages import html_errors, render, signed_in
from gridops.web.permissions import ALL, Action, Principal, require
from gridops.web.state import State, WebState

router = APIRouter(include_in_schema=False)
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _day(state: WebState, raw: str | None) -> date:
    if not raw:
        return state.now().astimezone(state.tz).date()
    if not DAY.match(raw):
        raise UserError(f"day: {raw[:20]!r} is not a date like 2026-11-24")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise UserError(f"day: {raw!r} is not a date like 2026-11-24") from None


def _area(state: WebState, me: Principal) -> frozenset[str]:
    """The level-3 cells of ``me``'s area (all of them for scope "all")."""
    from gridops.web.queries import cells_covered

    grid = state.ctx.grid
    level3 = frozenset(c.code for c in grid.cells_at(grid.levels))
    if me.unit_scope == ALL:
        return level3
    tops = cells_covered(state.ctx.ops.org, me.unit_scope)
    return frozenset(c for c in level3 if any(c.startswith(top) for top in tops))


def patrol_day(state: WebState, me: Principal, day: date) -> dict[str, Any]:
    """The day's patrols in ``me``'s area and its coverage."""
    from gridops.services.patrols import cells_walked, of_day

    start = datetime.combine(day, time(0), tzinfo=state.tz)
    area = _area(state, me)
    rows: list[dict[str, Any]] = []
    walked: set[str] = set()
    for p in of_day(state.ctx, start, start + timedelta(days=1)):
        cells = cells_walked(state.ctx, p) & area
        if not cells and me.unit_scope != ALL:
            continue  # walked outside my area
        walked |= cells
        rows.append({"patrol": p, "cells": sorted(cells), "km": round(p.length_m / 1000, 2)})
    share = len(walked) / len(area) if area else 0.0
    return {"rows": rows, "walked": len(walked), "area": len(area), "share": share}


@router.get("/console/patrols", response_class=HTMLResponse)
@html_errors
def patrols_page(request: Request, state: State, day: str | None = None) -> HTMLResponse:
    me = signed_in(state, request)
    require(me, Action.READ_REPORTS)
    chosen = _day(state, day)
    return render(request, state, "patrols.html", me=me, day=chosen.isoformat(),
                  **patrol_day(state, me, chosen))  # fmt: skip
