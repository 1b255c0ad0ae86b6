"""The grid as vector data for a web map (矢量网格): a level's cells simplified for a zoom,
converted to the display's coordinate system, and cut to a bounding box as GeoJSON.

At city scale (120 k level-3 cells) the browser cannot take the whole level at full detail, and
needs none of it: at zoom z a screen pixel is 360 / (256·2^z) degrees, so outlines are
simplified to half a pixel of the zoom bucket asked for (zooms are rounded down to whole steps,
8…16), and only the cells meeting the view's box are sent. Per (grid, level, display system)
a process keeps only each cell's bounds in the display's system (a box test over arrays finds
the cells of a view); the outlines stay the grid's own, converted for the cells an answer
sends. :func:`content_key` is a digest of the grid's cells, so an answer's ETag changes exactly
when the grid does.

Pure: data in, data out (no I/O).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from threading import Lock
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
import shapely

from gridops.grids.basemap import Basemap, display_crs, to_display
from gridops.grids.model import Grid
from gridops.org.names import name_parts

MIN_ZOOM, MAX_ZOOM = 8, 16
BOUNDS_CHUNK = 10_000  # cells converted at a time to find their display bounds
MAX_FEATURES = 20_000  # one answer's cap (a 1440 px view at level 3 holds far fewer)


@dataclass(frozen=True)
class CellLayer:
    """One level's cells: codes, names and parents in code order (the grid's own columns),
    the outlines in the grid's system, and each one's bounds in the display's system — the
    outlines themselves are converted only for the cells an answer sends."""

    codes: npt.NDArray[np.str_]
    names: npt.NDArray[np.str_]
    parents: npt.NDArray[np.str_]
    source: np.ndarray  # shapely geometries, in the grid's system
    bounds: npt.NDArray[np.float64]  # (n, 4): x0 y0 x1 y1 in the display's system
    grid_crs: str
    basemap: Basemap | None

    def display(self, found: npt.NDArray[np.intp]) -> np.ndarray:
        """The outlines of cells ``found``, in the display's system."""
        geoms = self.source[found]
        if display_crs(self.basemap) == self.grid_crs or not len(geoms):
            return geoms
        coords = shapely.get_coordinates(geoms)
        x, y = to_display(coords[:, 0], coords[:, 1], self.grid_crs, self.basemap)
        return shapely.set_coordinates(geoms.copy(), np.column_stack([x, y]))

    @cached_property
    def geoms(self) -> np.ndarray:
        """Every outline in the display's system, for tools and tests (answers convert only
        the cells they send: kept, these would double the grid's memory)."""
        return self.display(np.arange(len(self.source)))

    def meeting(self, bbox: tuple[float, float, float, float]) -> npt.NDArray[np.intp]:
        """The cells whose bounds meet ``bbox`` (display system), in code order."""
        x0, y0, x1, y1 = bbox
        b = self.bounds
        hit = (b[:, 0] <= x1) & (b[:, 2] >= x0) & (b[:, 1] <= y1) & (b[:, 3] >= y0)
        return np.flatnonzero(hit)


_cache: dict[tuple[int, int, str], tuple[Grid, CellLayer]] = {}
_keys: dict[int, tuple[Grid, str]] = {}
_lock = Lock()


def zoom_bucket(zoom: float) -> int:
    """The whole zoom step whose simplification serves ``zoom`` (8…16)."""
    return int(min(MAX_ZOOM, max(MIN_ZOOM, np.floor(zoom))))


def tolerance(zoom: int) -> float:
    """Half a screen pixel at ``zoom``, in degrees."""
    return 0.5 * 360.0 / (256 * 2**zoom)


def content_key(grid: Grid) -> str:
    """A digest of the grid's system and every cell's code, level, name and outline (a packed
    grid's content key already is one: the digest of the files they come from)."""
    if grid.key:
        return grid.key[:16]
    with _lock:
        hit = _keys.get(id(grid))
        if hit is not None and hit[0] is grid:
            return hit[1]
    h = hashlib.sha256(f"{grid.name}|{grid.crs}|{grid.levels}".encode())
    cells = sorted(grid.cells.values(), key=lambda c: c.code)
    for cell, wkb in zip(cells, shapely.to_wkb([c.geometry for c in cells]), strict=True):
        h.update(f"{cell.code}|{cell.level}|{cell.name}|".encode())
        h.update(wkb)
    key = h.hexdigest()[:16]
    with _lock:
        _keys[id(grid)] = (grid, key)
    return key


def cell_layer(grid: Grid, level: int, basemap: Basemap | None) -> CellLayer:
    """The cells of ``level`` with their bounds in the display's system (cached per grid, level
    and display system): the grid's columns and outlines as they are, and the bounds of the
    outlines converted a chunk at a time (the converted outlines are not kept)."""
    key = (id(grid), level, display_crs(basemap))
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] is grid:
            return hit[1]
    source = grid.layers.get(level)
    if source is None:
        none = np.array([], dtype=str)
        return CellLayer(none, none, none, np.array([], dtype=object), np.zeros((0, 4)),
                         grid.crs, basemap)  # fmt: skip
    columns = source.columns
    names, parents = columns["names"], columns["parents"]  # "" where none (Layer.from_cells)
    layer = CellLayer(source.codes, names, parents, source.geoms, np.zeros((0, 4)), grid.crs,
                      basemap)  # fmt: skip
    chunks = [
        shapely.bounds(layer.display(np.arange(k, min(k + BOUNDS_CHUNK, len(source)))))
        for k in range(0, len(source), BOUNDS_CHUNK)
    ]
    bounds = np.concatenate(chunks) if chunks else np.zeros((0, 4))
    layer = CellLayer(source.codes, names, parents, source.geoms, bounds, grid.crs, basemap)
    with _lock:
        _cache[key] = (grid, layer)
    return layer


def simplified(geoms: np.ndarray, zoom: float) -> np.ndarray:
    """``geoms`` simplified to half a pixel of ``zoom``'s bucket (topology kept)."""
    if zoom_bucket(zoom) >= MAX_ZOOM or not len(geoms):
        return geoms
    return shapely.simplify(geoms, tolerance(zoom_bucket(zoom)), preserve_topology=True)


def decimals(zoom: float) -> int:
    """Decimal places that keep a tenth of a pixel at ``zoom``'s bucket."""
    z = zoom_bucket(zoom)
    return 7 if z >= MAX_ZOOM else max(4, int(np.ceil(np.log10(1 / tolerance(z)))) + 1)


def _rings(geom: shapely.Geometry, decimals: int) -> tuple[str, list[Any]]:
    polys = getattr(geom, "geoms", [geom])
    out = []
    for poly in polys:
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        rings = [poly.exterior, *poly.interiors]
        out.append([np.round(np.asarray(r.coords), decimals).tolist() for r in rings])
    if len(out) == 1:
        return "Polygon", out[0]
    return "MultiPolygon", out


def features(
    layer: CellLayer,
    bbox: tuple[float, float, float, float] | None,
    *,
    zoom: float = MAX_ZOOM,
    within: str = "",
    limit: int | None = None,
) -> bytes:
    """GeoJSON (a FeatureCollection) of the layer's cells meeting ``bbox`` (display system;
    all when None) and, with ``within``, only those whose code starts with it, simplified for
    ``zoom``; at most ``limit`` (MAX_FEATURES) features, then ``"truncated": true``; ``matched``
    says how many met the box. Each feature: id (its index), properties code, name, parent,
    and the name's Chinese (zh) and other (en) parts for labels."""
    found = np.arange(len(layer.codes)) if bbox is None else layer.meeting(bbox)
    if within:
        found = np.array([i for i in found if str(layer.codes[i]).startswith(within)],
                         dtype=np.intp)  # fmt: skip
    limit = MAX_FEATURES if limit is None else limit
    matched = len(found)
    truncated = matched > limit
    found = found[:limit]
    places = decimals(zoom)
    feats: list[dict[str, Any]] = []
    for i, geom in zip(found, simplified(layer.display(found), zoom), strict=True):
        kind, coords = _rings(geom, places)
        if not coords:
            continue
        name = str(layer.names[i])
        zh, other = name_parts(name)
        feats.append({
            "type": "Feature", "id": int(i),
            "properties": {"code": str(layer.codes[i]), "name": name,
                           "parent": str(layer.parents[i]), "zh": zh or other, "en": other or zh},
            "geometry": {"type": kind, "coordinates": coords},
        })  # fmt: skip
    return orjson.dumps({"type": "FeatureCollection", "features": feats, "truncated": truncated,
                        "matched": matched, "limit": limit})  # fmt: skip


def warm(grid: Grid, basemap: Basemap | None) -> None:
    """Build the content key and every level's layer now (at 120 k cells the first request
    would otherwise pay 10–20 s): called at start in a background thread."""
    content_key(grid)
    for level in range(1, grid.levels + 1):
        cell_layer(grid, level, basemap)
