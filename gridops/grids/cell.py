"""A grid cell (网格单元): its code, level, parent, name, owner unit and polygon."""

from __future__ import annotations

from dataclasses import dataclass

import shapely


@dataclass(frozen=True, eq=False)
class Cell:
    """One grid cell: its code, level (0 for an overlay), parent code, owner unit and polygon."""

    code: str
    level: int
    parent: str | None
    name: str
    owner_unit: str
    geometry: shapely.Geometry
    area_m2: float
