"""Coordinate reference systems (坐标系): WGS84/CGCS2000, GCJ-02, BD-09 and any EPSG code.

GCJ-02 is the offset "Mars" system of Chinese web maps (高德/腾讯); BD-09 is Baidu's further
offset of it. Both are converted with the well-known public algorithm: the forward transform
exactly, the inverse by fixed-point iteration to < 1e-7 degree. Outside China there is no offset.
Projected EPSG codes are converted to and from lon/lat with pyproj.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from gridops.errors import ConfigError

FloatArray = npt.NDArray[np.float64]

WGS84 = "EPSG:4326"
GCJ02 = "GCJ-02"
BD09 = "BD-09"
_ALIASES = {
    "WGS84": WGS84,
    "WGS-84": WGS84,
    "EPSG:4326": WGS84,
    "CGCS2000": WGS84,  # EPSG:4490; equal to WGS84 to well under a metre
    "EPSG:4490": WGS84,
    "GCJ-02": GCJ02,
    "GCJ02": GCJ02,
    "BD-09": BD09,
    "BD09": BD09,
}

_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0


def normalise_crs(name: str) -> str:
    """The canonical name of a CRS ("EPSG:4326", "GCJ-02", "BD-09" or "EPSG:xxxx").

    Raises ConfigError for a name that is none of these.
    """
    key = str(name).strip().upper()
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        crs = CRS.from_user_input(key)
    except CRSError:
        raise ConfigError(
            f"unknown CRS {name!r}: use EPSG:4326, CGCS2000, GCJ-02, BD-09 or an EPSG code"
        ) from None
    epsg = crs.to_epsg()
    if epsg is None:
        raise ConfigError(f"CRS {name!r} has no EPSG code: use EPSG:4326, GCJ-02, BD-09 or EPSG:n")
    return _ALIASES.get(f"EPSG:{epsg}", f"EPSG:{epsg}")


def is_geographic(name: str) -> bool:
    """True when coordinates in ``name`` are lon/lat degrees."""
    canon = normalise_crs(name)
    return canon in (WGS84, GCJ02, BD09) or CRS.from_user_input(canon).is_geographic


def _out_of_china(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _delta(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    x = lon - 105.0
    y = lat - 35.0
    sq = np.sqrt(np.abs(x))
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sq
    dlat += (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat += (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * math.pi) + 320 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sq
    dlon += (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlon += (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * math.pi)
    outside = _out_of_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def wgs84_to_gcj02(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """WGS84 → GCJ-02 (the forward transform)."""
    dlon, dlat = _delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 → WGS84 by iterating the forward transform to < 1e-7 degree."""
    wlon, wlat = lon - _delta(lon, lat)[0], lat - _delta(lon, lat)[1]
    for _ in range(30):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        elon, elat = glon - lon, glat - lat
        wlon, wlat = wlon - elon, wlat - elat
        if (
            float(np.max(np.abs(elon), initial=0.0)) < 1e-7
            and float(np.max(np.abs(elat), initial=0.0)) < 1e-7
        ):
            break
    return wlon, wlat


def gcj02_to_bd09(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 → BD-09."""
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """BD-09 → GCJ-02: the usual closed form, refined by iterating the forward transform."""
    x = lon - 0.0065
    y = lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    glon, glat = z * np.cos(theta), z * np.sin(theta)
    for _ in range(5):
        blon, blat = gcj02_to_bd09(glon, glat)
        glon, glat = glon - (blon - lon), glat - (blat - lat)
    return glon, glat


@lru_cache(maxsize=32)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def _to_wgs84(lon: FloatArray, lat: FloatArray, crs: str) -> tuple[FloatArray, FloatArray]:
    if crs == WGS84:
        return lon, lat
    if crs == GCJ02:
        return gcj02_to_wgs84(lon, lat)
    if crs == BD09:
        return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))
    x, y = _transformer(crs, WGS84).transform(lon, lat)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def _from_wgs84(lon: FloatArray, lat: FloatArray, crs: str) -> tuple[FloatArray, FloatArray]:
    if crs == WGS84:
        return lon, lat
    if crs == GCJ02:
        return wgs84_to_gcj02(lon, lat)
    if crs == BD09:
        return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))
    x, y = _transformer(WGS84, crs).transform(lon, lat)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def to_grid_crs_many(
    lon: npt.ArrayLike, lat: npt.ArrayLike, from_crs: str, to_crs: str
) -> tuple[FloatArray, FloatArray]:
    """Convert arrays of coordinates from ``from_crs`` to ``to_crs`` (vectorised)."""
    src, dst = normalise_crs(from_crs), normalise_crs(to_crs)
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    if src == dst:
        return x, y
    if {src, dst} == {GCJ02, BD09}:
        return bd09_to_gcj02(x, y) if src == BD09 else gcj02_to_bd09(x, y)
    return _from_wgs84(*_to_wgs84(x, y, src), dst)


def to_grid_crs(lon: float, lat: float, from_crs: str, to_crs: str) -> tuple[float, float]:
    """Convert one point from ``from_crs`` to the grid's ``to_crs``; returns (lon, lat)."""
    x, y = to_grid_crs_many(np.array([lon]), np.array([lat]), from_crs, to_crs)
    return float(x[0]), float(y[0])


def crs_of_declaration(text: str) -> str:
    """The canonical CRS a layer file declares (a GeoJSON ``crs`` name such as
    ``urn:ogc:def:crs:EPSG::2263`` or ``…OGC:1.3:CRS84``, or a .prj's WKT).

    Raises ConfigError when it names no CRS that has an EPSG code.
    """
    head = text.strip()
    if head.upper().replace("::", ":").endswith("CRS84"):
        return WGS84
    try:
        crs = CRS.from_user_input(head)
    except CRSError:
        raise ConfigError(f"the declared CRS {_short(head)!r} is not understood") from None
    epsg = crs.to_epsg(min_confidence=70)
    if epsg is None:
        raise ConfigError(f"the declared CRS {crs.name!r} has no EPSG code")
    return _ALIASES.get(f"EPSG:{epsg}", f"EPSG:{epsg}")


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."
