"""Write features as RFC 7946 GeoJSON, byte-for-byte deterministic (one feature per line,
coordinates rounded to 6 decimals, sorted keys)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

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
