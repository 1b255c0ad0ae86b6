"""`grid stats`: cell counts and area figures per level and overlay layer."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import shapely

from gridops.grids.model import LEVEL_NAMES, Cell, Grid


@dataclass(frozen=True)
class LayerStats:
    """Counts and areas of one level or overlay layer."""

    layer: str
    cells: int
    area_km2: float
    min_m2: float
    median_m2: float
    max_m2: float
    vertices: int
    with_owner: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _stats(layer: str, cells: list[Cell]) -> LayerStats:
    areas = np.array([c.area_m2 for c in cells]) if cells else np.zeros(1)
    geoms = [c.geometry for c in cells]
    return LayerStats(
        layer=layer,
        cells=len(cells),
        area_km2=round(float(areas.sum()) / 1e6, 3),
        min_m2=round(float(areas.min()), 1),
        median_m2=round(float(np.median(areas)), 1),
        max_m2=round(float(areas.max()), 1),
        vertices=int(shapely.get_num_coordinates(geoms).sum()) if geoms else 0,
        with_owner=sum(1 for c in cells if c.owner_unit),
    )


def grid_stats(grid: Grid) -> list[LayerStats]:
    """One LayerStats per level (1..N), then one per overlay layer."""
    out = [
        _stats(f"level {lv} {LEVEL_NAMES.get(lv, '').split(' ')[0]}".strip(), grid.cells_at(lv))
        for lv in range(1, grid.levels + 1)
    ]
    out += [_stats(f"overlay {name}", cells) for name, cells in grid.overlays.items()]
    return out
