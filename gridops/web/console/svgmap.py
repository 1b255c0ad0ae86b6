"""The grid drawn as SVG (网格地图) with no map tiles: cells shaded by open tickets, pins for
tickets, each cell a link that filters the queue.

Lon/lat (the grid's CRS) are projected equirectangularly, x scaled by cos(mid latitude), which is
true enough across one district. Geometry is simplified per level once per process and kept as
path strings in one fixed projection; a drawing picks the cells it needs and sets the viewBox to
their bounds, so level 3 (~5,000 cells) is only ever drawn for one level-1 cell.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from threading import Lock

import shapely

from gridops.grids.model import Cell, Grid

SCALE = 10_000.0  # projected units per degree of longitude at the equator
TOLERANCE = {1: 0.0004, 2: 0.0003, 3: 0.00004}  # degrees (~40 m, 30 m, 4 m)
DECIMALS = {1: 0, 2: 0, 3: 1}  # 1 projected unit is ~10 m
SHADES = (0, 1, 3, 10, 30)  # open tickets at which each darker shade starts


@dataclass(frozen=True)
class Projection:
    """Equirectangular: x = (lon - lon0)·cos(lat_mid)·SCALE, y = (lat_top - lat)·SCALE."""

    lon0: float
    lat_top: float
    kx: float

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.lon0) * self.kx, (self.lat_top - lat) * SCALE


@dataclass(frozen=True)
class DrawnCell:
    """One cell's simplified outline as an SVG path, with its projected bounds."""

    code: str
    name: str
    parent: str | None
    path: str
    bounds: tuple[float, float, float, float]  # minx, miny, maxx, maxy (projected)


@dataclass(frozen=True)
class Pin:
    """A ticket on the map (lon/lat in the grid's CRS)."""

    number: str
    lon: float
    lat: float
    overdue: bool = False


_cache: dict[tuple[int, int, str], tuple[Grid, dict[str, DrawnCell]]] = {}
_lock = Lock()


def projection_of(grid: Grid) -> Projection:
    """The fixed projection of ``grid`` (from its level-1 extent)."""
    minx, miny, maxx, maxy = shapely.total_bounds([c.geometry for c in grid.cells_at(1)])
    return Projection(minx, maxy, SCALE * math.cos(math.radians((miny + maxy) / 2)))


def _path(geometry: shapely.Geometry, proj: Projection, decimals: int) -> str:
    parts = []
    polygons = getattr(geometry, "geoms", [geometry])
    for poly in polygons:
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        for ring in (poly.exterior, *poly.interiors):
            pts = [proj.xy(x, y) for x, y in ring.coords[:-1]]
            parts.append("M" + "L".join(f"{x:.{decimals}f} {y:.{decimals}f}" for x, y in pts) + "Z")
    return "".join(parts)


def drawn_cells(grid: Grid, level: int, within: str = "") -> dict[str, DrawnCell]:
    """Every cell of ``level`` (whose code starts with ``within``) simplified and projected,
    cached per grid, level and ``within``: one 街镇's unit cells are 2 k of a city's 120 k,
    and drawing all of them first took ~4 s of the first desk page after a start."""
    key = (id(grid), level, within)
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] is grid:
            return hit[1]
    proj = projection_of(grid)
    cells: list[Cell] = [c for c in grid.cells_at(level) if c.code.startswith(within)]
    simple = shapely.simplify(
        [c.geometry for c in cells], TOLERANCE.get(level, 0.00004), preserve_topology=True
    )
    out: dict[str, DrawnCell] = {}
    for cell, geom in zip(cells, simple, strict=True):
        minx, miny, maxx, maxy = geom.bounds
        x0, y1 = proj.xy(minx, miny)
        x1, y0 = proj.xy(maxx, maxy)
        path = _path(geom, proj, DECIMALS.get(level, 1))
        out[cell.code] = DrawnCell(cell.code, cell.name, cell.parent, path, (x0, y0, x1, y1))
    with _lock:
        _cache[key] = (grid, out)
    return out


def shade(count: int) -> int:
    """The shade class 0–4 of a cell with ``count`` open tickets."""
    return sum(1 for start in SHADES[1:] if count >= start)


def cells_for(grid: Grid, level: int, within: str | None) -> list[DrawnCell]:
    """The cells to draw: level 1 and 2 whole (or inside ``within``), level 3 only inside a
    level-1 cell (none without one)."""
    if within is None:
        return [] if level >= 3 else list(drawn_cells(grid, level).values())
    drawn = drawn_cells(grid, level, within) if level >= 3 else drawn_cells(grid, level)
    return [c for c in drawn.values() if c.code.startswith(within) and c.code != within]


def render_map(
    grid: Grid,
    cells: Sequence[DrawnCell],
    *,
    counts: Mapping[str, int],
    pins: Iterable[Pin] = (),
    selected: str | None = None,
    href: Callable[[str], str] | None,
    label: Callable[[DrawnCell, int], str],
    title: str = "",
) -> str:
    """The SVG document for ``cells``: one shaded path per cell (a link, with ``href``), then
    the pins; a group named ``title`` (its cells are links: not an image)."""
    if not cells:
        return ""
    minx = min(c.bounds[0] for c in cells)
    miny = min(c.bounds[1] for c in cells)
    maxx = max(c.bounds[2] for c in cells)
    maxy = max(c.bounds[3] for c in cells)
    pad = max(maxx - minx, maxy - miny) * 0.01
    vb = (
        f"{minx - pad:.1f} {miny - pad:.1f} {maxx - minx + 2 * pad:.1f} {maxy - miny + 2 * pad:.1f}"
    )
    step = max(maxx - minx, maxy - miny) / 600  # a 600th of the map, in its units
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gridmap" viewBox="{vb}" '
        f'preserveAspectRatio="xMidYMid meet" role="group" aria-label="{escape(title)}">'
    ]
    for c in cells:
        n = counts.get(c.code, 0)
        cls = f"cell s{shade(n)}" + (" sel" if c.code == selected else "")
        path = (
            f'<path class="{cls}" data-code="{c.code}" data-open="{n}" d="{c.path}">'
            f"<title>{escape(label(c, n))}</title></path>"
        )
        out.append(f'<a href="{escape(href(c.code))}">{path}</a>' if href else path)
    proj = projection_of(grid)
    radius = step * 5
    for p in pins:
        x, y = proj.xy(p.lon, p.lat)
        if not (minx - pad <= x <= maxx + pad and miny - pad <= y <= maxy + pad):
            continue
        cls = "pin late" if p.overdue else "pin"
        out.append(
            f'<circle class="{cls}" data-number="{escape(p.number)}" cx="{x:.1f}" cy="{y:.1f}" '
            f'r="{radius:.1f}"><title>{escape(p.number)}</title></circle>'
        )
    out.append("</svg>")
    return "".join(out)
