"""Distances and areas in metres on the WGS84 ellipsoid."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Geod, Transformer

_GEOD = Geod(ellps="WGS84")


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Geodesic distance in metres between two lon/lat points."""
    _, _, dist = _GEOD.inv(lon1, lat1, lon2, lat2)
    return float(dist)


_MEAN_RADIUS_M = 6_371_008.8
#: how far the spherical distance may be from the geodesic one (WGS84 flattening bounds it
#: near 0.56 %; tests/grids/test_geodesy.py checks it)
SPHERICAL_ERROR = 0.006


def spherical_distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Haversine distance on the mean-radius sphere: within :data:`SPHERICAL_ERROR` of
    :func:`distance_m` and several times cheaper, so a screen before the exact figure."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * _MEAN_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def degree_box(lat: float, metres: float) -> tuple[float, float]:
    """Half-widths (Δlon, Δlat) in degrees of a box around a point at ``lat`` that holds every
    point within ``metres`` of it (conservative: the ellipsoid's degrees are never shorter
    than these, and 1 % is added for the latitude changing across the box)."""
    dlat = metres / _LAT_DEGREE_M * 1.01
    cos_lat = math.cos(math.radians(min(89.0, abs(lat) + dlat)))
    return metres / (_EQUATOR_DEGREE_M * cos_lat) * 1.01, dlat


def degree_boxes(
    lats: npt.NDArray[np.float64], metres: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """:func:`degree_box` for many latitudes at once."""
    dlat = metres / _LAT_DEGREE_M * 1.01
    cos_lat = np.cos(np.radians(np.minimum(89.0, np.abs(lats) + dlat)))
    return metres / (_EQUATOR_DEGREE_M * cos_lat) * 1.01, np.full_like(lats, dlat)


_LAT_DEGREE_M = 110_574.0  # a degree of latitude is at least this long
_EQUATOR_DEGREE_M = 111_319.49  # a degree of longitude is at least this times cos(lat)


@lru_cache(maxsize=16)
def _equal_area(lon0: float, lat0: float) -> Transformer:
    proj = f"+proj=laea +lon_0={lon0} +lat_0={lat0} +datum=WGS84 +units=m +no_defs"
    return Transformer.from_crs("EPSG:4326", proj, always_xy=True)


def local_metric(lon0: float, lat0: float) -> Transformer:
    """A lon/lat → metres transformer (Lambert azimuthal equal-area centred on lon0, lat0)."""
    return _equal_area(round(lon0, 3), round(lat0, 3))


def areas_m2(geoms: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Areas in m² of lon/lat geometries, through one local equal-area projection.

    Accurate to well under 0.1 % for a city-sized grid (the projection is equal-area).
    """
    arr = np.asarray(geoms, dtype=object)
    if arr.size == 0:
        return np.zeros(0)
    x0, y0, x1, y1 = shapely.total_bounds(arr)
    if not np.isfinite([x0, y0, x1, y1]).all():  # nothing but empty geometries
        return np.zeros(arr.size)
    tr = local_metric((x0 + x1) / 2, (y0 + y1) / 2)

    def fwd(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        x, y = tr.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return np.asarray(shapely.area(shapely.transform(arr, fwd)), dtype=float)


def to_metres(geom: shapely.Geometry, lon0: float, lat0: float) -> shapely.Geometry:
    """``geom`` (lon/lat) projected to metres around (lon0, lat0)."""
    tr = local_metric(lon0, lat0)

    def fwd(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        x, y = tr.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, fwd)


def from_metres(geom: shapely.Geometry, lon0: float, lat0: float) -> shapely.Geometry:
    """Inverse of :func:`to_metres`."""
    tr = local_metric(lon0, lat0)

    def inv(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        x, y = tr.transform(coords[:, 0], coords[:, 1], direction="INVERSE")
        return np.column_stack([x, y])

    return shapely.transform(geom, inv)
