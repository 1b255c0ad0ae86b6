"""A small "real city" the way a GIS officer receives it, with the faults real layers have.

Level 1 (boroughs): GeoJSON in lon/lat with a ``crs`` member naming OGC CRS84, plus a borough
of another city dropped by the spec's ``where``. Level 2 (wards): a Shapefile in New York
State Plane Long Island, US survey feet (EPSG:2263), with its .prj; three wards cover
borough A and half of B, so B's other half is in no ward. Level 3 (tracts): GeoJSON in
EPSG:2263 declared by a ``crs`` member, numeric WARD and TRACT properties (codes
``T{WARD:02d}{TRACT:03d}``); tract 901 lies in the half of B that has no ward (an orphan).
Boundaries are converted from lon/lat corner by corner, so layers share edges only to within
boundary noise (slivers), as real layers do.
"""

from __future__ import annotations

from pathlib import Path

import shapely
from pyproj import CRS, Transformer
from pyproj.enums import WktVersion

from grids.layers import feature, shapefile_writer, write_layer, write_spec

FEET = "EPSG:2263"
_TO_FEET = Transformer.from_crs("EPSG:4326", FEET, always_xy=True)

# borough A | borough B, lon/lat
A = shapely.box(-74.02, 40.70, -74.00, 40.72)
B = shapely.box(-74.00, 40.70, -73.98, 40.72)
WARDS = {  # ward number → lon/lat box
    1: shapely.box(-74.02, 40.70, -74.00, 40.71),
    2: shapely.box(-74.02, 40.71, -74.00, 40.72),
    3: shapely.box(-74.00, 40.70, -73.98, 40.71),
}
ORPHAN = shapely.box(-73.995, 40.712, -73.985, 40.718)  # in B, above ward 3: no ward


def in_feet(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geom, lambda xy: _xy(_TO_FEET.transform(xy[:, 0], xy[:, 1])))


def _xy(pair: tuple[object, object]) -> object:
    import numpy as np

    return np.column_stack(pair)


def tracts() -> list[tuple[int, int, shapely.Geometry]]:
    """(ward, tract, lon/lat box): two tracts per ward, split east-west, and the orphan."""
    out = []
    for ward, box in WARDS.items():
        x0, y0, x1, y1 = box.bounds
        mid = (x0 + x1) / 2
        out.append((ward, 1, shapely.box(x0, y0, mid, y1)))
        out.append((ward, 2, shapely.box(mid, y0, x1, y1)))
    out.append((0, 901, ORPHAN))
    return out


def write_city(folder: Path, *, prj: bool = True, ward_crs: str | None = None) -> Path:
    """Write the three layers and a spec; ``prj`` False drops the wards' .prj, ``ward_crs``
    writes a crs for the ward level into the spec."""
    boroughs = [
        feature({"BoroCode": 1, "BoroName": "Alpha", "county": "Kings"}, A),
        feature({"BoroCode": 2, "BoroName": "Beta", "county": "Kings"}, B),
        feature({"BoroCode": 9, "BoroName": "Elsewhere", "county": "Erie"}, A.buffer(0.5)),
    ]
    crs84 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    _write_with_crs(folder / "boroughs.geojson", boroughs, crs84)
    with shapefile_writer(folder / "wards") as w:
        w.field("WARD", "N", 4, 0)
        w.field("WARD_NAME", "C", 40)
        for ward, box in WARDS.items():
            poly = in_feet(box)
            w.poly([list(reversed(poly.exterior.coords))])  # shapefile rings run clockwise
            w.record(ward, f"Ward {ward}")
    if prj:
        wkt = CRS.from_user_input(FEET).to_wkt(WktVersion.WKT1_ESRI)
        (folder / "wards.prj").write_text(wkt)
    feet = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2263"}}
    _write_with_crs(
        folder / "tracts.geojson",
        [feature({"WARD": w, "TRACT": t}, in_feet(g)) for w, t, g in tracts()],
        feet,
    )
    ward_crs_line = f", crs: {ward_crs}" if ward_crs else ""
    return write_spec(
        folder,
        f"""
name: alpha-beta
levels:
  - {{level: 1, file: boroughs.geojson, code: "B{{BoroCode}}", name: "{{BoroName}}",
     where: {{county: Kings}}}}
  - {{level: 2, file: wards.shp, code: "W{{WARD:02d}}", name: "{{WARD_NAME}}"{ward_crs_line}}}
  - {{level: 3, file: tracts.geojson, code: "T{{WARD:02d}}{{TRACT:03d}}"}}
""",
    )


def _write_with_crs(path: Path, features: list[dict[str, object]], crs: dict[str, object]) -> None:
    write_layer(path, features)
    import json

    doc = json.loads(path.read_text())
    doc["crs"] = crs
    path.write_text(json.dumps(doc))
