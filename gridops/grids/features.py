"""Read polygon features from GeoJSON (RFC 7946) or ESRI Shapefile, checking every coordinate.

A file that cannot be read at all raises UnreadableFile (a ConfigError naming the file, what is
wrong and what to do; `grid check` reports each such file and goes on). A feature that cannot be
used (not a Feature, no geometry, not a polygon, coordinates that are not numbers or out of
range, a polygon that cannot be repaired) is an error Issue naming the file, the feature index,
the reason and the fix, and is skipped; without an ``issues`` list it is a ConfigError instead.
A polygon that is invalid (self-intersecting, …) is repaired with ``shapely.make_valid`` and
reported as a warning Issue.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapefile
import shapely
from shapely.geometry import shape
from shapely.validation import explain_validity

from gridops.errors import ConfigError
from gridops.grids.crs import crs_of_declaration
from gridops.grids.issues import Issue


@dataclass(frozen=True)
class Feature:
    """One polygon feature: index in its file, properties, geometry (valid, polygonal)."""

    index: int
    properties: dict[str, Any]
    geometry: shapely.Geometry


class UnreadableFile(ConfigError):
    """A whole layer file that cannot be read: the file, what is wrong, and what to do."""

    def __init__(self, path: Path, reason: str, fix: str) -> None:
        super().__init__(f"{path}: {reason}; {fix}")
        self.path = path
        self.reason = reason
        self.fix = fix


class BadFeature(Exception):
    """One feature that cannot become a cell: a kind, what is wrong, and what to do."""

    def __init__(self, kind: str, reason: str, fix: str) -> None:
        super().__init__(f"{reason}; {fix}")
        self.kind = kind


def read_features(
    path: Path, *, geographic: bool = True, issues: list[Issue] | None = None
) -> list[Feature]:
    """The usable polygon features of a GeoJSON or Shapefile.

    With ``issues``, each unusable feature adds an error Issue and is skipped, and each repaired
    geometry a warning; without it, the first unusable feature raises ConfigError.
    """
    if not path.is_file():
        raise UnreadableFile(
            path, "file not found", "check the layer's 'file' in the spec (relative to the spec)"
        )
    shp = path.suffix.lower() == ".shp"
    raw = list(_read_shapefile(path) if shp else _read_geojson(path))
    if not raw:
        raise UnreadableFile(
            path, "no features (the file is empty)", "add its polygons or drop the layer"
        )
    fast = None if shp else _fast_geometries(path, len(raw), geographic)
    out = []
    for k, (i, obj) in enumerate(raw):
        try:
            props = _properties(obj)
            if fast is not None:
                geom = fast[k]
            else:
                geom, repaired = _to_polygonal(obj.get("geometry"), geographic)
                if repaired and issues is not None:
                    message = f"invalid polygon ({repaired}), repaired"
                    issues.append(Issue("warning", "repaired-geometry", message, str(path), i))
        except BadFeature as bad:
            if issues is None:
                raise ConfigError(f"{path}: feature {i}: {bad}") from None
            issues.append(Issue("error", bad.kind, str(bad), str(path), i))
            continue
        out.append(Feature(i, props, geom))
    return out


def declared_crs(path: Path) -> str | None:
    """The CRS a layer file declares about itself: a Shapefile's .prj, or a GeoJSON's ``crs``
    member (the 2008 GeoJSON form, still written by many GIS exports); None when it says none.

    Raises UnreadableFile when the declaration cannot be understood.
    """
    text: str | None
    if path.suffix.lower() == ".shp":
        prj = path.with_suffix(".prj")
        text = prj.read_text(encoding="utf-8", errors="replace") if prj.is_file() else None
        where = prj.name
    else:
        text, where = _geojson_crs_name(path), "its crs member"
    if text is None:
        return None
    try:
        return crs_of_declaration(text)
    except ConfigError as exc:
        raise UnreadableFile(
            path, f"{where}: {exc}", "fix or remove it, and give the layer's crs in the spec"
        ) from None


def _geojson_crs_name(path: Path) -> str | None:
    if not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8-sig")
        doc = json.loads(text) if '"crs"' in text else None
    except (ValueError, OSError):
        return None  # read_features names the problem
    crs = doc.get("crs") if isinstance(doc, dict) else None
    if not isinstance(crs, dict):
        return None
    props = crs.get("properties")
    name = props.get("name") if isinstance(props, dict) else None
    return str(name) if name else None


def _properties(obj: Any) -> dict[str, Any]:
    if not isinstance(obj, dict) or obj.get("type") != "Feature":
        raise BadFeature(
            "not-a-feature",
            "not a GeoJSON Feature object",
            'each entry of "features" must be {"type": "Feature", "properties": …, "geometry": …}',
        )
    props = obj.get("properties") or {}
    if not isinstance(props, dict):
        raise BadFeature(
            "bad-properties", "'properties' is not an object", "give it an object of fields"
        )
    return props


def _fast_geometries(path: Path, n: int, geographic: bool) -> list[shapely.Geometry] | None:
    """Every geometry parsed at once by GEOS, or None when anything at all looks wrong — the
    feature-by-feature path then finds the problem and names it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            collection = shapely.from_geojson(path.read_text(encoding="utf-8-sig"))
    except Exception:  # any parse problem: let the slow path explain it
        return None
    geoms = shapely.get_parts(collection)
    if len(geoms) != n or not np.isin(shapely.get_type_id(geoms), (3, 6)).all():
        return None
    xy = shapely.get_coordinates(geoms)
    if not np.isfinite(xy).all():
        return None
    if geographic and ((np.abs(xy[:, 0]) > 180).any() or (np.abs(xy[:, 1]) > 90).any()):
        return None
    if shapely.is_empty(geoms).any() or not shapely.is_valid(geoms).all():
        return None
    return list(geoms)


_EXPORT = "export the layer again as GeoJSON (or give a .shp)"


def _read_geojson(path: Path) -> Iterator[tuple[int, Any]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            path, f"not UTF-8 text (byte {exc.start}): not a GeoJSON file", _EXPORT
        ) from None
    except OSError as exc:
        raise UnreadableFile(
            path, f"cannot read the file: {exc.strerror}", "check its permissions"
        ) from None
    if not text.strip():
        raise UnreadableFile(path, "empty file, expected a GeoJSON FeatureCollection", _EXPORT)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFile(
            path, f"broken JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", _EXPORT
        ) from None
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        feats = doc.get("features")
        if not isinstance(feats, list):
            raise UnreadableFile(
                path,
                "FeatureCollection without a 'features' list",
                'give it a "features" list of polygon Features',
            )
    elif isinstance(doc, dict) and doc.get("type") == "Feature":
        feats = [doc]
    else:
        top = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        raise UnreadableFile(
            path,
            f"not a GeoJSON FeatureCollection or Feature (top level: {top})",
            "convert it to a GeoJSON FeatureCollection of polygon Features",
        )
    yield from enumerate(feats)


_SHP_FIX = "check that its .shp, .shx and .dbf are complete, or export it again"


def _read_shapefile(path: Path) -> Iterator[tuple[int, Any]]:
    try:
        reader = shapefile.Reader(str(path))
    except Exception as exc:  # pyshp raises struct.error, IndexError, … on corrupt files
        raise UnreadableFile(path, f"cannot read the Shapefile: {exc}", _SHP_FIX) from None
    with reader:
        try:
            for i, rec in enumerate(reader.iterShapeRecords()):
                geo = rec.shape.__geo_interface__ if rec.shape.shapeType != 0 else None
                yield i, {"type": "Feature", "properties": rec.record.as_dict(), "geometry": geo}
        except Exception as exc:  # as above: any corruption is reported as one line
            raise UnreadableFile(path, f"broken Shapefile: {exc}", _SHP_FIX) from None


def _to_polygonal(geo: Any, geographic: bool) -> tuple[shapely.Geometry, str]:
    """A valid polygonal geometry, and why it had to be repaired ("" when it did not)."""
    if not geo:
        raise BadFeature("no-geometry", "no geometry", "draw its polygon or delete the feature")
    kind = geo.get("type") if isinstance(geo, dict) else None
    if kind not in ("Polygon", "MultiPolygon"):
        raise BadFeature(
            "not-polygon",
            f"geometry is {kind}, expected Polygon or MultiPolygon",
            "only polygons can be cells: convert it or move it to another file",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NaN: reported just below
            geom = shape(geo)
    except (ValueError, TypeError, IndexError, AttributeError, shapely.errors.GEOSException) as exc:
        raise BadFeature(
            "bad-coordinates",
            f"malformed {kind} coordinates ({exc})",
            "each ring must be a list of [x, y] positions, closed, of 4 or more",
        ) from None
    _check_coords(np.asarray(shapely.get_coordinates(geom)), geographic)
    if geom.is_empty:
        raise BadFeature("empty-geometry", f"empty {kind}", "draw its polygon or delete it")
    if geom.is_valid:
        return geom, ""
    reason = explain_validity(geom)
    fixed = _polygonal_part(shapely.make_valid(geom))
    if fixed.is_empty or fixed.area == 0:
        raise BadFeature(
            "unrepairable-geometry",
            f"invalid polygon that cannot be repaired: {reason}",
            "redraw it in a GIS (it has no area left once made valid)",
        )
    return fixed, reason


def _polygonal_part(geom: shapely.Geometry) -> shapely.Geometry:
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _check_coords(xy: np.ndarray, geographic: bool) -> None:
    if xy.size == 0:
        return
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        k = int(np.argmax(bad))
        raise BadFeature(
            "bad-coordinates",
            f"coordinate {k} is not a number ({xy[k, 0]}, {xy[k, 1]})",
            "fix or delete that vertex",
        )
    if not geographic:
        return
    x, y = xy[:, 0], xy[:, 1]
    out = (np.abs(x) > 180) | (np.abs(y) > 90)
    if out.any():
        k = int(np.argmax(out))
        lon, lat = float(xy[k, 0]), float(xy[k, 1])
        if abs(lon) <= 90 and abs(lat) <= 180:
            raise BadFeature(
                "bad-coordinates",
                f"coordinate ({_fmt(lon)}, {_fmt(lat)}) looks lat/lon swapped",
                "GeoJSON positions are [lon, lat]",
            )
        raise BadFeature(
            "bad-coordinates",
            f"coordinate ({_fmt(lon)}, {_fmt(lat)}) is out of range for lon/lat",
            "is the spec's crs right? (projected metres need crs: EPSG:<code>)",
        )


def _fmt(v: float) -> str:
    return "nan" if math.isnan(v) else f"{v:g}"
