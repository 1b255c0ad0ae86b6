"""The grid as vector tiles (矢量切片): per zoom/x/y, a level's cells clipped to the tile and
simplified to half a pixel, with one label point per cell, as Mapbox Vector Tiles.

At city scale (120 k level-3 cells) a screen at low zoom would hold tens of thousands of unit
cells, far below a pixel each. So a tile of level L at zoom z draws the finest level up to L
whose cells number at most SCREEN_CELLS on a screen at z (from the level's count and the area
it covers, or the 街镇's under ``within``): the district at zoom 10 shows 居村 (level 2),
unit cells appear from the zoom where a screen holds a few thousand of them, and one 街镇's
~2,000 unit cells are drawn at every zoom. Each feature says its ``level``.

Coordinates: the display system (see gridops.grids.basemap) projected to Web Mercator in
world units (0…1, y down). A tile finds its cells by their bounds in the display system
(gridops.grids.vector's cell layer) and converts only those — but for levels of few cells
(KEEP_WORLD), whose outlines are kept converted: no second copy of the unit cells' outlines is
kept (at 120 k cells it was 130 MB per process). Pure: data in, bytes out.
"""

from __future__ import annotations

import math
from threading import Lock

import numpy as np
import shapely

from gridops.grids import mvt
from gridops.grids.basemap import Basemap, display_crs
from gridops.grids.model import Grid
from gridops.grids.vector import cell_layer
from gridops.org.names import name_parts

SCREEN_CELLS = 5_000  # cells a screen may hold before a coarser level is drawn instead
SCREEN_TILES = 20  # 256 px tiles on a 1440×900 screen
BUFFER = 64 / mvt.EXTENT  # of a tile: outlines cut this far outside, where they are not drawn
MAX_Z = 22


KEEP_WORLD = 20_000  # a level of at most this many cells keeps its outlines in world units

_spread: dict[tuple[int, int, str, str], tuple[Grid, int, float]] = {}
_kept: dict[tuple[int, int, str], tuple[Grid, np.ndarray]] = {}
_lock = Lock()


def to_world(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat (degrees) to Web-Mercator world units: x 0…1 east, y 0…1 south."""
    phi = np.radians(np.clip(lat, -85.05112878, 85.05112878))
    return (lon + 180.0) / 360.0, 0.5 - np.log(np.tan(np.pi / 4 + phi / 2)) / (2 * np.pi)


def from_world(x: float, y: float) -> tuple[float, float]:
    """World units back to lon/lat (degrees): the inverse of :func:`to_world`."""
    return x * 360.0 - 180.0, math.degrees(math.atan(math.sinh(math.pi * (1.0 - 2.0 * y))))


def spread(grid: Grid, level: int, within: str, basemap: Basemap | None) -> tuple[int, float]:
    """How many cells of ``level`` lie under ``within`` (a code prefix; "" for all) and the
    world area their 街镇 cover."""
    key = (id(grid), level, within, display_crs(basemap))
    with _lock:
        hit = _spread.get(key)
        if hit is not None and hit[0] is grid:
            return hit[1], hit[2]
    mine = cell_layer(grid, level, basemap)
    top = cell_layer(grid, 1, basemap)
    count = int(np.char.startswith(mine.codes, within).sum()) if within else len(mine.codes)
    l1 = within[: len(top.codes[0])] if len(top.codes) else ""
    found = np.flatnonzero(np.char.startswith(top.codes, l1))
    area = float(shapely.area(outlines(grid, 1, basemap, found)).sum()) if len(found) else 0.0
    with _lock:
        _spread[key] = (grid, count, area)
    return count, area


def outlines(grid: Grid, level: int, basemap: Basemap | None, found: np.ndarray) -> np.ndarray:
    """The outlines of ``level``'s cells ``found``, in world units. A level of few, large
    cells (街镇, 居村: long outlines, drawn at low zoom on every screen) keeps them converted;
    the unit cells (120 k at city scale) are converted for each tile that draws them."""
    shown = cell_layer(grid, level, basemap)
    if len(shown.codes) > KEEP_WORLD:
        return _world(shown.display(found))
    key = (id(grid), level, display_crs(basemap))
    with _lock:
        hit = _kept.get(key)
    if hit is None or hit[0] is not grid:
        hit = (grid, _world(shown.display(np.arange(len(shown.codes)))))
        with _lock:
            _kept[key] = hit
    return hit[1][found]


def _world(geoms: np.ndarray) -> np.ndarray:
    """Outlines in the display's system (lon/lat) to world units."""
    if not len(geoms):
        return geoms
    return shapely.transform(geoms, lambda c: np.column_stack(to_world(c[:, 0], c[:, 1])))


def drawn_level(grid: Grid, level: int, within: str, z: int, basemap: Basemap | None) -> int:
    """The finest level up to ``level`` whose cells a screen at zoom ``z`` holds at most
    SCREEN_CELLS of (level 1 at the least)."""
    screen = SCREEN_TILES / 4.0**z  # world area of a screen
    for lvl in range(level, 1, -1):
        count, area = spread(grid, lvl, within, basemap)
        if count * min(1.0, screen / area if area > 0 else 1.0) <= SCREEN_CELLS:
            return lvl
    return 1


def tile(
    grid: Grid, level: int, z: int, x: int, y: int, *, within: str = "",
    basemap: Basemap | None = None,
) -> bytes:  # fmt: skip
    """The MVT of tile z/x/y: layer ``cells`` (polygons: code, level) and layer ``labels`` (a
    point per cell whose point lies in the tile: code, zh, en, level); b"" when empty."""
    lvl = drawn_level(grid, level, within, z, basemap)
    shown = cell_layer(grid, lvl, basemap)
    size = 1.0 / 2**z
    x0, y0 = x * size, y * size
    pad = BUFFER * size
    west, north = from_world(x0 - pad, y0 - pad)
    east, south = from_world(x0 + size + pad, y0 + size + pad)
    found = shown.meeting((west, south, east, north))  # the tile's box, in the display's system
    if within and len(found):
        found = found[np.char.startswith(shown.codes[found], within)]
    if not len(found):
        return b""
    geoms = outlines(grid, lvl, basemap, found)
    points = shapely.get_coordinates(shapely.point_on_surface(geoms))
    if z < 16:  # half a pixel of this zoom (a tile is 256 px)
        geoms = shapely.simplify(geoms, 0.5 * size / 256, preserve_topology=False)
    geoms = shapely.clip_by_rect(geoms, x0 - pad, y0 - pad, x0 + size + pad, y0 + size + pad)
    scale = mvt.EXTENT / size
    which, shapes = mvt.polygon_geometries(geoms, (x0, y0), scale)
    codes = shown.codes[found]
    out = b""
    if shapes:
        out += mvt.layer(
            "cells",
            mvt.POLYGON,
            shapes,
            {"code": [str(c) for c in codes[which]], "level": [lvl] * len(which)},
        )
    lx, ly = points[:, 0], points[:, 1]
    inside = np.flatnonzero((lx >= x0) & (lx < x0 + size) & (ly >= y0) & (ly < y0 + size))
    if len(inside):
        marks = mvt.point_geometries((lx[inside] - x0) * scale, (ly[inside] - y0) * scale)
        parts = [name_parts(str(name)) for name in shown.names[found[inside]]]
        out += mvt.layer("labels", mvt.POINT, marks, {
            "code": [str(c) for c in codes[inside]], "zh": [zh or en for zh, en in parts],
            "en": [en or zh for zh, en in parts], "level": [lvl] * len(inside)})  # fmt: skip
    return out


def valid(z: int, x: int, y: int) -> bool:
    """Whether z/x/y names a tile (0 ≤ z ≤ MAX_Z, x and y within 2^z)."""
    return 0 <= z <= MAX_Z and 0 <= x < 2**z and 0 <= y < 2**z


def warm(grid: Grid, basemap: Basemap | None) -> None:
    """Count every level's cells and the area they cover now (called at start, in the
    background, after the cell layers: gridops.grids.vector.warm)."""
    for level in range(1, grid.levels + 1):
        spread(grid, level, "", basemap)


def world_bounds(lon_lat: tuple[float, float, float, float]) -> tuple[float, ...]:
    """[w, s, e, n] in degrees to world units (x0, y0, x1, y1), for tests and the bench."""
    x0, y1 = to_world(np.array(lon_lat[0]), np.array(lon_lat[1]))
    x1, y0 = to_world(np.array(lon_lat[2]), np.array(lon_lat[3]))
    return float(x0), float(y0), float(x1), float(y1)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The tile x, y at zoom ``z`` holding (lon, lat) in the display system."""
    wx, wy = to_world(np.array(lon), np.array(lat))
    n = 2**z
    return min(n - 1, math.floor(float(wx) * n)), min(n - 1, math.floor(float(wy) * n))
