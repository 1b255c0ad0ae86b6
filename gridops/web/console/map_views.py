"""The web map's data and files (地图): the grid as GeoJSON by level, zoom and box; the desk's
tickets as pins under the very filter the list uses; the vendored MapLibre GL JS and the
console's map script. Coordinates are in the display's system (the basemap's, else WGS84), see
gridops.grids.basemap.

- ``/console/map/cells.geojson?level=3&z=14&bbox=W,S,E,N[&within=L1]`` — any signed-in user;
  cached by the browser against an ETag of the grid's content.
- ``/console/map/tiles/<key>/<level>/<z>/<x>/<y>.mvt[?within=L1]`` — the same cells as vector
  tiles (gridops.grids.tiles), which the web map draws; ``key`` names the grid's content and
  the display system, so a tile never changes and the browser keeps it.
- ``/console/map/pins.geojson?<the desk's query>`` — queue readers; the tickets of the queue,
  search and filters the list shows (every page, up to PIN_CAP), with the open count per cell
  of the view's level, so map and list agree at every level.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, Response

from gridops.grids import tiles, vector
from gridops.grids.basemap import display_crs, to_display
from gridops.grids.vector import cell_layer, content_key, features, warm
from gridops.org.orgchart import OrgChart
from gridops.web.basemap import basemap_of
from gridops.web.console.readers import plain, reader
from gridops.web.gzip_cache import GzipCache
from gridops.web.permissions import ALL, Principal
from gridops.web.state import State, WebState

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).resolve().parent / "static"
VENDORED = {
    "maplibre-gl.mjs": "text/javascript",
    "maplibre-gl-worker.mjs": "text/javascript",
    "maplibre-gl.css": "text/css",
    "LICENSE.txt": "text/plain; charset=utf-8",
}
OWN = {"map.js": "text/javascript", "map.css": "text/css"}
PIN_CAP = 2000
#: Set by map.js in a browser that drew the web map (it has script and WebGL): the desk then
#: leaves out its SVG fallback (565 KB and ~0.3 s of a 街镇's unit cells). map.js clears it and
#: reloads where WebGL is gone; ``?map=svg`` clears it for a browser without script.
GL_COOKIE = "gridops_gl"
GEOJSON = "application/geo+json"
WARM_FROM = 10_000  # cells: a grid this big has its map layers built at start, in the background
ANSWERS_BYTES = 64 << 20  # the cells answers kept, newest first (a whole district's is ~6 MB)
ANSWERS = GzipCache(ANSWERS_BYTES)  # tag → (JSON, its gzip)


def cells_answer(tag: str, make: Any) -> tuple[bytes, bytes]:
    """The cells answer of ``tag`` (its ETag: grid content, level, zoom, box, within, display
    CRS) and its gzip, made by ``make()`` once and kept while among the newest ANSWERS_BYTES:
    every desk opens on the same few views, and a whole district's answer (~6 MB) costs seconds
    to build and to compress."""
    return ANSWERS.get(tag, make)


def start_warming(ctx: Any) -> threading.Thread | None:
    """Build the map's layers of a big grid in a background thread, so the first map request
    after start does not pay for them (vector.warm); None for a small grid (built on demand)."""
    if len(ctx.grid.cells) < WARM_FROM:
        return None

    def both(grid: Any, basemap: Any) -> None:
        from gridops.services.context import release_free_memory

        warm(grid, basemap)
        tiles.warm(grid, basemap)
        release_free_memory()  # the outlines converted on the way

    thread = threading.Thread(target=both, args=(ctx.grid, basemap_of(ctx.settings)),
                              name="gridops-map-warm", daemon=True)  # fmt: skip
    thread.start()
    return thread


@router.get("/console/static/maplibre-gl/{name}")
def vendored(name: str) -> FileResponse:
    """MapLibre GL JS as vendored from npm (scripts/vendor_maplibre.py), with its licence."""
    if name not in VENDORED:
        raise HTTPException(404, f"no static file {name!r}")
    return FileResponse(STATIC / "maplibre-gl" / name, media_type=VENDORED[name],
                        headers={"Cache-Control": "max-age=86400"})  # fmt: skip


@router.get("/console/static/map/{name}")
def own(name: str) -> FileResponse:
    """The console's map script and style."""
    if name not in OWN:
        raise HTTPException(404, f"no static file {name!r}")
    return FileResponse(STATIC / name, media_type=OWN[name],
                        headers={"Cache-Control": "max-age=300"})  # fmt: skip


def _bbox(raw: str) -> tuple[float, float, float, float] | None:
    parts = raw.split(",")
    if len(parts) != 4:
        return None
    try:
        w, s, e, n = (float(p) for p in parts)
    except ValueError:
        return None
    if not (all(np.isfinite((w, s, e, n))) and w <= e and s <= n):
        return None
    return w, s, e, n


@router.get("/console/map/cells.geojson")
def cells_geojson(request: Request, state: State) -> Response:
    """The cells of a level meeting a box, simplified for a zoom (plain-text 400 naming the
    parameter when one does not fit; 401 signed out)."""
    me = reader(state, request)
    if isinstance(me, Response):
        return me
    q = request.query_params
    grid = state.ctx.grid
    try:
        level = int(q.get("level", "1"))
        zoom = float(q.get("z", "12"))
    except ValueError:
        return plain(400, "level must be 1…N and z a number (the map's zoom)")
    if not 1 <= level <= grid.levels or not np.isfinite(zoom):
        return plain(400, f"level must be 1…{grid.levels} and z a number (the map's zoom)")
    raw = q.get("bbox", "")
    bbox = _bbox(raw) if raw else None
    if raw and bbox is None:
        return plain(400, f"bbox {raw[:80]!r} must be west,south,east,north in degrees")
    within = q.get("within", "")[:20]
    basemap = basemap_of(state.ctx.settings)
    layer = cell_layer(grid, level, basemap)
    shown_in = display_crs(basemap)
    tag = f'"{content_key(grid)}-{level}-{int(zoom)}-{raw}-{within}-{shown_in}"'
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers={"ETag": tag})

    def make() -> bytes:
        return features(layer, bbox, zoom=zoom, within=within)

    body, packed = cells_answer(f"{tag}-{vector.MAX_FEATURES}", make)
    headers = {"ETag": tag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):  # compressed once, when made
        return Response(packed, media_type=GEOJSON, headers=headers | {"Content-Encoding": "gzip"})
    return Response(body, media_type=GEOJSON, headers=headers)


def home_l1(org: OrgChart, me: Principal) -> str:
    """The 街镇 (level-1 cell) a principal works in: the one every unit of its scope lies in
    (a sub-centre dispatcher's), else "" (the district centre, or several 街镇)."""
    if me.unit_scope == ALL or not me.unit_scope:
        return ""
    found = set()
    for uid in me.unit_scope:
        unit = org.units.get(uid)
        if unit is None or not unit.cell or not unit.level:
            return ""
        found.add(unit.cell[:9])
    return found.pop() if len(found) == 1 else ""


def pins_of(state: WebState, me: Principal, request: Request) -> dict[str, Any]:
    """The GeoJSON of the desk's tickets under the request's filters (the list's own query),
    plus ``counts``: tickets per cell of the view's level and ``total``."""
    from gridops.services.desk import desk_page
    from gridops.web.api.common import tickets_out
    from gridops.web.console.dispatch_views import _read
    from gridops.web.queries import ticket_scope

    read = _read(request, state, me)
    view = read.view
    found = desk_page(
        state.ctx, view.queue, read.search, now=state.now(),
        scope=ticket_scope(state.ctx.ops.org, me), sort=view.sort or None,
        descending=read.descending, page=1, per_page=PIN_CAP, names=(view.queue,),
    )  # fmt: skip
    rows = tickets_out(state, me, found.tickets)
    grid = state.ctx.grid
    lon = np.array([r["point_lon"] for r in rows], dtype=np.float64)
    lat = np.array([r["point_lat"] for r in rows], dtype=np.float64)
    x, y = to_display(lon, lat, grid.crs, basemap_of(state.ctx.settings))
    counts: dict[str, int] = {}
    shades: dict[str, int] = {}  # every level up to the view's: tiles may draw a coarser one
    feats = []
    for i, r in enumerate(rows):
        cells = list(r.get("cells") or ())
        cell = cells[view.level - 1] if len(cells) >= view.level else ""
        if cell:
            counts[cell] = counts.get(cell, 0) + 1
        for code in cells[: view.level]:
            shades[code] = shades.get(code, 0) + 1
        feats.append({
            "type": "Feature",
            "properties": {"number": r["number"], "overdue": bool(r.get("overdue")),
                           "urgent": int(r.get("priority") or 3) == 1, "cell": cell},
            "geometry": {"type": "Point",
                         "coordinates": [round(float(x[i]), 6), round(float(y[i]), 6)]},
        })  # fmt: skip
    total = found.counts[view.queue]
    return {"type": "FeatureCollection", "features": feats, "counts": counts, "shades": shades,
            "total": total, "shown": len(feats), "level": view.level}  # fmt: skip


@router.get("/console/map/pins.geojson")
def pins_geojson(request: Request, state: State) -> Response:
    """The desk's tickets as pins (same query string as /console/dispatch)."""
    from gridops.web.console.dispatch_views import require_queue_reader

    me = reader(state, request, require_queue_reader)
    if isinstance(me, Response):
        return me
    return Response(orjson.dumps(pins_of(state, me, request)), media_type=GEOJSON)


def bounds_of(state: WebState, code: str = "") -> list[float]:
    """[w, s, e, n] in the display's system of cell ``code`` (the whole grid when "")."""
    return bounds_of_cells(state, [code] if code in state.ctx.grid.cells else [])


def bounds_of_cells(state: WebState, codes: list[str]) -> list[float]:
    """[w, s, e, n] in the display's system around the cells ``codes`` (the whole grid when
    none of them is a cell)."""
    import shapely

    grid = state.ctx.grid
    geoms = [grid.cells[c].geometry for c in codes if c in grid.cells]
    geoms = geoms or [c.geometry for c in grid.cells_at(1)]
    w, s, e, n = shapely.total_bounds(geoms)
    x, y = to_display(np.array([w, e, w, e]), np.array([s, s, n, n]), grid.crs,
                      basemap_of(state.ctx.settings))  # fmt: skip
    return [round(float(v), 6) for v in (x.min(), y.min(), x.max(), y.max())]


def map_box(state: WebState, **data: Any) -> dict[str, str]:
    """The data-* of a map box (see static/map.js): ``data`` plus the basemap's, as strings."""
    basemap = basemap_of(state.ctx.settings)
    if data.get("cells"):  # the web map draws the cells from vector tiles
        from gridops.web.console.map_tiles import tiles_url

        data["cells"] = tiles_url(state, str(data.get("level") or "1"), data.get("within") or "")
    out = {k.replace("_", "-"): v if isinstance(v, str) else orjson.dumps(v).decode()
           for k, v in data.items() if v not in (None, "")}  # fmt: skip
    if basemap is not None:
        out |= {"tiles": basemap.url, "scheme": basemap.scheme,
                "attribution": basemap.attribution}  # fmt: skip
    return out


def point_on_map(state: WebState, lon: float, lat: float) -> list[float]:
    """A ticket's point (grid system) in the display's system."""
    x, y = to_display(np.array([lon]), np.array([lat]), state.ctx.grid.crs,
                      basemap_of(state.ctx.settings))  # fmt: skip
    return [round(float(x[0]), 6), round(float(y[0]), 6)]


WALL_PINS = 200  # the wall marks the newest open tickets, no more (it is read from across a room)


def wall_map(state: WebState, me: Principal) -> dict[str, str]:
    """The wall's map box (static/map.js, ``data-still``): the reader's 街镇 at level 2, else the
    district at level 1, shaded by open tickets, with the newest of them as pins."""
    home = home_l1(state.ctx.ops.org, me)
    level = "2" if home else "1"
    return map_box(state, bounds=bounds_of(state, home), level=level, within=home if home else "",
                   cells="/console/map/cells.geojson", still="1",
                   pins=f"/console/map/wall.geojson?level={level}")  # fmt: skip


def wall_pins(state: WebState, me: Principal, level: int) -> dict[str, Any]:
    """The newest open tickets in the reader's scope as pins, with the open count per cell of
    ``level`` and ``total``, the open tickets of the scope."""
    from gridops.services.open_map import newest_open, open_counts
    from gridops.web.queries import ticket_scope

    scope = ticket_scope(state.ctx.ops.org, me)
    store = state.ctx.store
    counts = open_counts(store, level, scope)
    total = sum(open_counts(store, 1, scope).values()) if level != 1 else sum(counts.values())
    rows = newest_open(store, scope, WALL_PINS, state.now())
    grid = state.ctx.grid
    lon = np.array([r[1] for r in rows], dtype=np.float64)
    lat = np.array([r[2] for r in rows], dtype=np.float64)
    x, y = to_display(lon, lat, grid.crs, basemap_of(state.ctx.settings))
    feats = [{"type": "Feature", "properties": {"number": number, "overdue": overdue},
              "geometry": {"type": "Point",
                           "coordinates": [round(float(x[i]), 6), round(float(y[i]), 6)]}}
             for i, (number, _, _, overdue) in enumerate(rows)]  # fmt: skip
    return {"type": "FeatureCollection", "features": feats, "counts": counts, "total": total,
            "shown": len(feats), "level": level}  # fmt: skip


@router.get("/console/map/wall.geojson")
def wall_geojson(request: Request, state: State) -> Response:
    """The wall's pins and shades (readers of reports: the wall's own readers)."""
    from gridops.web.permissions import Action, require

    me = reader(state, request, lambda p: require(p, Action.READ_REPORTS))
    if isinstance(me, Response):
        return me
    try:
        level = int(request.query_params.get("level", "1"))
    except ValueError:
        level = 0
    if not 1 <= level <= min(3, state.ctx.grid.levels):
        return plain(400, f"level must be 1…{min(3, state.ctx.grid.levels)}")
    return Response(orjson.dumps(wall_pins(state, me, level)), media_type=GEOJSON)


def task_map(state: WebState, ticket: Any, say: Any) -> dict[str, str]:
    """The field app's small still map of a task (static/map.js, drawn by app.js when online):
    the ticket's pin on its unit cell, about 400 m across."""
    x, y = to_display(np.array([ticket.lon]), np.array([ticket.lat]), ticket.crs,
                      basemap_of(state.ctx.settings))  # fmt: skip
    lon, lat = round(float(x[0]), 6), round(float(y[0]), 6)
    cells = list(ticket.cells or ())
    return map_box(state, bounds=[lon - 0.002, lat - 0.0015, lon + 0.002, lat + 0.0015],
                   pin=[lon, lat], number=ticket.number, level=str(len(cells) or 1),
                   selected=cells[-1] if cells else "", cells="/console/map/cells.geojson",
                   still="1", t_map=say.t("map.mini"), t_zoom_in=say.t("map.zoom_in"),
                   t_zoom_out=say.t("map.zoom_out"))  # fmt: skip
