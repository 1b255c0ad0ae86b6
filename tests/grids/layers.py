"""Helpers: write small GeoJSON and Shapefile layers and grid specs into a temporary folder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import shapefile
import shapely
from shapely.geometry import mapping


def feature(props: dict[str, Any], geom: shapely.Geometry | dict[str, Any]) -> dict[str, Any]:
    geometry = geom if isinstance(geom, dict) else mapping(geom)
    return {"type": "Feature", "properties": props, "geometry": geometry}


def write_layer(path: Path, features: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


@contextmanager
def shapefile_writer(base: Path) -> Iterator[shapefile.Writer]:
    """A polygon Shapefile writer for ``base``.shp/.shx/.dbf over files this helper opens and
    closes: pyshp 3.1.9's own Writer(path) leaves the .dbf open (a ResourceWarning)."""
    with ExitStack() as files:
        shp, shx, dbf = (
            files.enter_context(open(f"{base}.{ext}", "wb")) for ext in ["shp", "shx", "dbf"]
        )
        with shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGON) as writer:
            yield writer


def write_spec(folder: Path, text: str) -> Path:
    spec = folder / "grid.yaml"
    spec.write_text(text)
    return spec


def box_grid(folder: Path) -> Path:
    """A 3-level grid of axis-aligned boxes on [0, 4] x [0, 4] (WGS84 degrees).

    Level 1: 2x2 boxes of side 2 (codes A..D); level 2: 4x4 boxes of side 1; level 3: 8x8
    boxes of side 0.5 except the top-right level-2 box, left empty (a gap). Overlay: one box
    across the middle.
    """
    l1, l2, l3 = [], [], []
    for i in range(2):
        for j in range(2):
            c1 = f"{i}{j}"
            l1.append(
                feature(
                    {"id": c1, "nm": f"block {c1}"}, shapely.box(2 * i, 2 * j, 2 * i + 2, 2 * j + 2)
                )
            )
    for i in range(4):
        for j in range(4):
            c2 = f"{i // 2}{j // 2}{i}{j}"
            l2.append(feature({"id": c2}, shapely.box(i, j, i + 1, j + 1)))
            if (i, j) == (3, 3):
                continue
            for a in range(2):
                for b in range(2):
                    x, y = i + a / 2, j + b / 2
                    l3.append(
                        feature(
                            {"id": f"{c2}{a}{b}", "up": c2}, shapely.box(x, y, x + 0.5, y + 0.5)
                        )
                    )
    write_layer(folder / "l1.geojson", l1)
    write_layer(folder / "l2.geojson", l2)
    write_layer(folder / "l3.geojson", l3)
    write_layer(folder / "zone.geojson", [feature({"id": "mid"}, shapely.box(1.5, 1.5, 2.5, 2.5))])
    return write_spec(
        folder,
        """
name: boxes
crs: EPSG:4326
levels:
  - {level: 1, file: l1.geojson, code: "{id}", name: "{nm}", owner: "sc-{code}"}
  - {level: 2, file: l2.geojson, code: "{id}", owner: "ws-{code}"}
  - {level: 3, file: l3.geojson, code: "{id}", parent: "{up}", owner: "gw-{code}"}
overlays:
  - {name: zone, file: zone.geojson, code: "{id}", owner: "zone-{code}"}
""",
    )
