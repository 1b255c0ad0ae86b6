"""Write features as RFC 7946 GeoJSON, byte-for-byte deterministic (one feature per line,
coordinates rounded to 6 decimals, sorted keys)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping


def _round(obj: Any) -> Any:
    if isinstance(obj, float):
        return round(obj, 6)
    if isinstance(obj, (list, tuple)):
        return [_round(v) for v in obj]
    return obj


def feature_json(props: dict[str, Any], geom: shapely.Geometry) -> str:
    """One GeoJSON Feature as a compact line."""
    g = mapping(shapely.orient_polygons(geom))
    geometry = {"type": g["type"], "coordinates": _round(g["coordinates"])}
    doc = {"type": "Feature", "properties": props, "geometry": geometry}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def write_features(
    path: Path, features: Iterable[tuple[dict[str, Any], shapely.Geometry]], name: str = ""
) -> int:
    """Write a FeatureCollection atomically (temp file, then rename); returns the count."""
    lines = [feature_json(p, g) for p, g in features]
    head = json.dumps({"type": "FeatureCollection", "name": name}, ensure_ascii=False)[:-1]
    text = head + ',"features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return len(lines)


def cell_features(
    cells: Iterable[Any], from_crs: str, to_crs: str | None = None
) -> list[tuple[dict[str, Any], shapely.Geometry]]:
    """Cells as (properties, geometry), optionally converted to ``to_crs``."""
    from gridops.grids.crs import to_grid_crs_many

    def convert(xy: Any) -> Any:
        x, y = to_grid_crs_many(xy[:, 0], xy[:, 1], from_crs, str(to_crs))
        return np.column_stack([x, y])

    out = []
    for c in cells:
        geom = c.geometry if to_crs is None else shapely.transform(c.geometry, convert)
        props = {
            "code": c.code,
            "level": c.level,
            "parent": c.parent,
            "name": c.name,
            "owner_unit": c.owner_unit,
            "area_m2": round(c.area_m2, 1),
        }
        out.append((props, geom))
    return out
