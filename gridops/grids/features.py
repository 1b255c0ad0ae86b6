"""Read polygon features from GeoJSON (RFC 7946) or ESRI Shapefile, checking every coordinate.

Every problem is a ConfigError naming the file, the feature index and the reason; a polygon
that is invalid (self-intersecting, …) is repaired with ``shapely.make_valid`` and reported as a
warning Issue.
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
from gridops.grids.issues import Issue


@dataclass(frozen=True)
class Feature:
    """One polygon feature: index in its file, properties, geometry (valid, polygonal)."""

    index: int
    properties: dict[str, Any]
    geometry: shapely.Geometry


def read_features(
    path: Path, *, geographic: bool = True, issues: list[Issue] | None = None
) -> list[Feature]:
    """The polygon features of a GeoJSON or Shapefile; repaired geometries add warning Issues."""
    if not path.is_file():
        raise ConfigError(f"{path}: file not found")
    raw = list(_read_shapefile(path) if path.suffix.lower() == ".shp" else _read_geojson(path))
    if not raw:
        raise ConfigError(f"{path}: no features (the file is empty)")
    fast = None if path.suffix.lower() == ".shp" else _fast_geometries(path, len(raw), geographic)
    if fast is not None:
        return [Feature(i, props, g) for (i, props, _), g in zip(raw, fast, strict=True)]
    out = []
    for i, props, geo in raw:
        geom = _to_polygonal(path, i, geo, geographic, issues)
        out.append(Feature(i, props, geom))
    return out


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


def _read_geojson(path: Path) -> Iterator[tuple[int, dict[str, Any], Any]]:
    text = path.read_text(encoding="utf-8-sig")
    if not text.strip():
        raise ConfigError(f"{path}: empty file, expected a GeoJSON FeatureCollection")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}: broken JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        feats = doc.get("features")
        if not isinstance(feats, list):
            raise ConfigError(f"{path}: FeatureCollection without a 'features' list")
    elif isinstance(doc, dict) and doc.get("type") == "Feature":
        feats = [doc]
    else:
        raise ConfigError(f"{path}: not a GeoJSON FeatureCollection or Feature")
    for i, f in enumerate(feats):
        if not isinstance(f, dict) or f.get("type") != "Feature":
            raise ConfigError(f"{path}: feature {i}: not a GeoJSON Feature object")
        props = f.get("properties") or {}
        if not isinstance(props, dict):
            raise ConfigError(f"{path}: feature {i}: 'properties' is not an object")
        yield i, props, f.get("geometry")


def _read_shapefile(path: Path) -> Iterator[tuple[int, dict[str, Any], Any]]:
    try:
        reader = shapefile.Reader(str(path))
    except Exception as exc:  # pyshp raises struct.error, IndexError, … on corrupt files
        raise ConfigError(f"{path}: cannot read the Shapefile: {exc}") from None
    with reader:
        try:
            for i, rec in enumerate(reader.iterShapeRecords()):
                geo = rec.shape.__geo_interface__ if rec.shape.shapeType != 0 else None
                yield i, rec.record.as_dict(), geo
        except Exception as exc:  # as above: any corruption is reported as one line
            raise ConfigError(f"{path}: broken Shapefile: {exc}") from None


def _to_polygonal(
    path: Path, i: int, geo: Any, geographic: bool, issues: list[Issue] | None
) -> shapely.Geometry:
    where = f"{path}: feature {i}"
    if not geo:
        raise ConfigError(f"{where}: no geometry")
    kind = geo.get("type") if isinstance(geo, dict) else None
    if kind not in ("Polygon", "MultiPolygon"):
        raise ConfigError(f"{where}: geometry is {kind}, expected Polygon or MultiPolygon")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NaN: reported just below
            geom = shape(geo)
    except (ValueError, TypeError, IndexError, AttributeError, shapely.errors.GEOSException) as exc:
        raise ConfigError(f"{where}: malformed {kind} coordinates ({exc})") from None
    _check_coords(where, np.asarray(shapely.get_coordinates(geom)), geographic)
    if geom.is_empty:
        raise ConfigError(f"{where}: empty {kind}")
    if not geom.is_valid:
        reason = explain_validity(geom)
        fixed = _polygonal_part(shapely.make_valid(geom))
        if fixed.is_empty or fixed.area == 0:
            raise ConfigError(f"{where}: invalid polygon that cannot be repaired: {reason}")
        if issues is not None:
            issues.append(
                Issue(
                    "warning",
                    "repaired-geometry",
                    f"invalid polygon ({reason}), repaired",
                    str(path),
                    i,
                )
            )
        geom = fixed
    return geom


def _polygonal_part(geom: shapely.Geometry) -> shapely.Geometry:
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _check_coords(where: str, xy: np.ndarray, geographic: bool) -> None:
    if xy.size == 0:
        return
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        k = int(np.argmax(bad))
        raise ConfigError(f"{where}: coordinate {k} is not a number ({xy[k, 0]}, {xy[k, 1]})")
    if not geographic:
        return
    x, y = xy[:, 0], xy[:, 1]
    out = (np.abs(x) > 180) | (np.abs(y) > 90)
    if out.any():
        k = int(np.argmax(out))
        lon, lat = float(xy[k, 0]), float(xy[k, 1])
        if abs(lon) <= 90 and abs(lat) <= 180:
            raise ConfigError(
                f"{where}: coordinate ({_fmt(lon)}, {_fmt(lat)}) looks lat/lon swapped; "
                "GeoJSON positions are [lon, lat]"
            )
        raise ConfigError(
            f"{where}: coordinate ({_fmt(lon)}, {_fmt(lat)}) is out of range for lon/lat"
        )


def _fmt(v: float) -> str:
    return "nan" if math.isnan(v) else f"{v:g}"
