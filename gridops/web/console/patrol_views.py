"""The supervisor's view of patrols (巡查): one day's walks — who, when, how far, which unit
cells (单元网格) they passed — the share of the area's unit cells walked that day, and the
tracks on the web map (``/console/patrols/tracks.geojson?day=``, drawn by static/map.js)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from gridops.errors import UserError
from gridops.web.console.pages import html_errors, render, signed_in
from gridops.web.permissions import ALL, Action, Principal, require
from gridops.web.state import State, WebState

router = APIRouter(include_in_schema=False)
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: a track's colour by its row (told apart on any basemap; the table says who walked which)
COLOURS = ("#d9480f", "#1971c2", "#2f9e44", "#9c36b5", "#e8590c", "#0c8599", "#c2255c")


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


def tracks(state: WebState, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The day's tracks as GeoJSON lines in the display's system, each with its walker and
    colour (the colour of its row in the table)."""
    import numpy as np

    from gridops.grids.basemap import to_display
    from gridops.web.basemap import basemap_of

    basemap = basemap_of(state.ctx.settings)
    feats = []
    for r in rows:
        points = r["patrol"].points
        if len(points) < 2:
            continue
        lon, lat = (np.array([p[k] for p in points], dtype=np.float64) for k in (0, 1))
        x, y = to_display(lon, lat, "EPSG:4326", basemap)
        line = [[round(float(a), 6), round(float(b), 6)] for a, b in zip(x, y, strict=True)]
        feats.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": line},
                      "properties": {"user": r["patrol"].user_id, "km": r["km"],
                                     "colour": r["colour"]}})  # fmt: skip
    return {"type": "FeatureCollection", "features": feats}


def _map(state: WebState, day: str, shown: dict[str, Any]) -> dict[str, str]:
    """The map box over the day's tracks (the whole grid when there are none)."""
    from gridops.web.console.map_views import bounds_of, map_box

    lines = [f["geometry"]["coordinates"] for f in shown["features"]]
    if lines:
        xs = [p[0] for line in lines for p in line]
        ys = [p[1] for line in lines for p in line]
        pad = max(max(xs) - min(xs), max(ys) - min(ys), 0.004) * 0.15
        bounds = [min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad]
    else:
        bounds = bounds_of(state)
    return map_box(state, bounds=bounds, level=str(state.ctx.grid.levels),
                   cells="/console/map/cells.geojson",
                   tracks=f"/console/patrols/tracks.geojson?day={day}")  # fmt: skip


def _coloured(found: dict[str, Any]) -> dict[str, Any]:
    for i, r in enumerate(found["rows"]):
        r["colour"] = COLOURS[i % len(COLOURS)]
    return found


@router.get("/console/patrols", response_class=HTMLResponse)
@html_errors
def patrols_page(request: Request, state: State, day: str | None = None) -> HTMLResponse:
    me = signed_in(state, request)
    require(me, Action.READ_REPORTS)
    chosen = _day(state, day)
    found = _coloured(patrol_day(state, me, chosen))
    glmap = _map(state, chosen.isoformat(), tracks(state, found["rows"]))
    return render(request, state, "patrols.html", me=me, day=chosen.isoformat(), glmap=glmap,
                  **found)  # fmt: skip


@router.get("/console/patrols/tracks.geojson")
def tracks_geojson(request: Request, state: State, day: str | None = None) -> Response:
    """The day's tracks in the reader's area (plain-text 400/401/403 naming the problem)."""
    import orjson

    from gridops.web.console.map_views import GEOJSON
    from gridops.web.console.readers import plain, reader

    me = reader(state, request, lambda p: require(p, Action.READ_REPORTS))
    if isinstance(me, Response):
        return me
    try:
        chosen = _day(state, day)
    except UserError as e:
        return plain(400, str(e))
    found = _coloured(patrol_day(state, me, chosen))
    return Response(orjson.dumps(tracks(state, found["rows"])), media_type=GEOJSON)
