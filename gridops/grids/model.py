"""Cells, locations and the Grid: nested levels (1 街镇 sub-district/town, 2 居村 community,
3 单元网格 unit cell) plus overlay layers that do not nest.

Locate rule (documented and tested): at every level the answer is the cell that contains the
point, found in that level's own index — parent links are never trusted for this, so imported
layers that do not nest perfectly still give the true cell. Boundaries count as inside (a point
on the outer edge of the grid is inside); on an edge or vertex shared by several cells of one
level, the cell with the lowest code (plain string order) wins. A point in no level-1 cell is
outside (``None``; empty codes at every level in bulk), whatever lower levels say.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import shapely

from gridops.grids.cell import Cell
from gridops.grids.crs import normalise_crs, to_grid_crs, to_grid_crs_many
from gridops.grids.geodesy import degree_boxes
from gridops.grids.index import LayerIndex
from gridops.grids.layer import CellView, Layer

LEVEL_NAMES = {1: "街镇 sub-district/town", 2: "居村 community", 3: "单元网格 unit cell"}


@dataclass(frozen=True)
class Location:
    """Where a point lies: a code per level ("" where none) and every overlay (layer, code)."""

    codes: tuple[str, ...]
    overlays: tuple[tuple[str, str], ...] = ()


@dataclass
class Grid:
    """A loaded grid: cells of levels 1..N and overlay layers, indexed for locate.

    Made from Cell objects (``Grid(name, crs, levels, cells, overlays)``), or from layers of
    columns (:meth:`from_layers`, a grid read back from its packed file): then ``cells`` is a
    read-only view that makes each Cell when it is asked for.
    """

    name: str
    crs: str
    levels: int
    cells: Mapping[str, Cell]
    overlays: Mapping[str, list[Cell]] = field(default_factory=dict)
    layers: dict[int, Layer] = field(default_factory=dict, repr=False)
    overlay_layers: dict[str, Layer] = field(default_factory=dict, repr=False)
    key: str = ""  # the content key of the pack it was read from ("" when read from its files)
    _index: dict[int, LayerIndex] = field(init=False, repr=False)
    _overlay_index: dict[str, LayerIndex] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.crs = normalise_crs(self.crs)
        if not self.layers:
            by_level: dict[int, list[Cell]] = {lv: [] for lv in range(1, self.levels + 1)}
            for cell in self.cells.values():
                by_level[cell.level].append(cell)
            self.layers = {lv: Layer.from_cells(lv, cells) for lv, cells in by_level.items()}
            self.overlay_layers = {
                name: Layer.from_cells(0, cells) for name, cells in self.overlays.items()
            }
        self._index = {lv: LayerIndex(ly.codes, ly.geoms) for lv, ly in self.layers.items()}
        self._overlay_index = {
            name: LayerIndex(ly.codes, ly.geoms) for name, ly in self.overlay_layers.items()
        }

    @classmethod
    def from_layers(
        cls,
        name: str,
        crs: str,
        layers: Mapping[int, Layer],
        overlays: Mapping[str, Layer],
        key: str = "",
    ) -> Grid:
        """A grid over layers of columns (levels 1..N, and overlays by name)."""
        view = CellView([layers[lv] for lv in sorted(layers)])
        overlay_cells = {k: ly.cells() for k, ly in overlays.items()}
        return cls(name, crs, len(layers), view, overlay_cells, dict(layers), dict(overlays), key)

    def cells_at(self, level: int) -> list[Cell]:
        """The cells of one level, sorted by code."""
        layer = self.layers.get(level)
        return layer.cells() if layer is not None else []

    def cells_near(
        self, lons: Sequence[float], lats: Sequence[float], metres: float, level: int
    ) -> set[str]:
        """Codes of the level's cells that may lie within ``metres`` of any of the points
        (lon/lat grids): every cell that does is included, a few a little farther may be."""
        if level not in self._index or not len(lons):
            return set()
        x, y = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
        dlon, dlat = degree_boxes(y, metres)
        return self._index[level].codes_in_boxes(x - dlon, y - dlat, x + dlon, y + dlat)

    def children(self, code: str) -> list[Cell]:
        """The cells whose parent is ``code``, sorted by code."""
        cell = self.cells[code]
        layer = self.layers.get(cell.level + 1)
        return layer.children_of(code) if layer is not None else []

    def locate(self, lon: float, lat: float, crs: str | None = None) -> Location | None:
        """The codes of the cells holding (lon, lat) at every level, and its overlays.

        ``crs`` is the point's CRS (default: the grid's). Returns None outside every level-1 cell
        and for coordinates that are not finite.
        """
        if crs is not None:
            lon, lat = to_grid_crs(lon, lat, crs, self.crs)
        if not (math.isfinite(lon) and math.isfinite(lat)):
            return None
        point = shapely.Point(lon, lat)
        first = self._index[1].locate_one(point)
        if not first:
            return None
        codes = [first] + [self._index[lv].locate_one(point) for lv in range(2, self.levels + 1)]
        overlays = tuple(
            (name, code)
            for name, index in self._overlay_index.items()
            for code in index.locate_all(point)
        )
        return Location(tuple(codes), overlays)

    def locate_many(
        self, lons: npt.ArrayLike, lats: npt.ArrayLike, crs: str | None = None
    ) -> list[npt.NDArray[np.str_]]:
        """Vectorised locate: one array of codes per level ("" where none, or outside)."""
        x, y, pts, ok = self._points(lons, lats, crs)
        out: list[npt.NDArray[np.str_]] = []
        inside = ok
        for lv in range(1, self.levels + 1):
            codes = self._index[lv].locate_many(x, y, pts, inside)
            if lv == 1:
                inside = codes != ""
            out.append(codes)
        return out

    def locate_overlays_many(
        self, lons: npt.ArrayLike, lats: npt.ArrayLike, crs: str | None = None
    ) -> dict[str, npt.NDArray[np.str_]]:
        """Vectorised overlay lookup: per layer, the lowest code holding each point ("" none)."""
        x, y, pts, ok = self._points(lons, lats, crs)
        return {n: ix.locate_many(x, y, pts, ok) for n, ix in self._overlay_index.items()}

    def _points(
        self, lons: npt.ArrayLike, lats: npt.ArrayLike, crs: str | None
    ) -> tuple[
        npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.object_], npt.NDArray
    ]:
        x = np.asarray(lons, dtype=float).ravel()
        y = np.asarray(lats, dtype=float).ravel()
        if x.shape != y.shape:
            raise ValueError(f"lons and lats differ in length: {x.size} != {y.size}")
        if crs is not None:
            x, y = to_grid_crs_many(x, y, crs, self.crs)
        ok = np.isfinite(x) & np.isfinite(y)
        pts = shapely.points(np.where(ok, x, 0.0), np.where(ok, y, 0.0))
        return x, y, pts, ok


def by_level(codes: Iterable[str]) -> tuple[str, ...]:
    """A point's cells by level, level 1 first: "" where a level has no cell (a gap stays a
    gap, so a level-3 code never lands in the level-2 slot); trailing gaps are dropped."""
    out = list(codes)
    while out and not out[-1]:
        out.pop()
    return tuple(out)


def build_grid(
    name: str,
    crs: str,
    levels: int,
    cells: Sequence[Cell],
    overlays: Mapping[str, Sequence[Cell]] | None = None,
) -> Grid:
    """A Grid from cells (codes must be unique across levels)."""
    by_code = {c.code: c for c in cells}
    if len(by_code) != len(cells):
        raise ValueError("duplicate cell codes")
    return Grid(name, crs, levels, by_code, {k: list(v) for k, v in (overlays or {}).items()})
