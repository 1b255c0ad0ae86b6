"""The map's basemap (底图) from configuration, and the conversion that puts the grid and the
pins on its streets.

A basemap is a tile URL template — XYZ (``{z}/{x}/{y}``, ``{-y}`` for TMS rows) or a WMTS
GetTile/REST template (``{TileMatrix}``, ``{TileRow}``, ``{TileCol}``) on the Web-Mercator tile
grid (GoogleMapsCompatible / EPSG:3857 tile matrix set) — with the coordinate system its imagery
is drawn in and its attribution. The browser map draws in Web Mercator; what differs between
高德 (GCJ-02), 天地图 (CGCS2000 ≈ WGS84), 百度 (BD-09) and a city's GeoServer (an EPSG datum) is
where a street sits on those tiles, so every coordinate sent to the browser is converted into
the basemap's system first (:func:`display_crs`, :func:`to_display`). Without a basemap the
display is plain WGS84 and the grid itself is the map.

Pure: parsing and arithmetic only (pyproj through gridops.grids.crs), no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import numpy as np
import numpy.typing as npt
from pyproj import CRS

from gridops.errors import ConfigError
from gridops.grids.crs import BD09, GCJ02, WGS84, normalise_crs, to_grid_crs_many

FloatArray = npt.NDArray[np.float64]
WEB_MERCATOR = "EPSG:3857"
_WMTS = {"{TileMatrix}": "{z}", "{TileRow}": "{y}", "{TileCol}": "{x}"}


@dataclass(frozen=True)
class Basemap:
    """A configured tile source: ``url`` in MapLibre's template form ({z} {x} {y}),
    ``scheme`` "xyz" or "tms", the canonical ``crs`` of its imagery, ``attribution``."""

    url: str
    crs: str
    attribution: str
    scheme: str = "xyz"

    @property
    def origin(self) -> str:
        """scheme://host[:port] of the tiles (the one other host the page may fetch from)."""
        parts = urlsplit(self.url.replace("{", "").replace("}", ""))
        return f"{parts.scheme}://{parts.netloc}"


def parse_basemap(url: str | None, crs: str | None, attribution: str | None) -> Basemap | None:
    """The basemap of a configuration (``None`` when ``url`` is empty: the grid is the map).

    Raises ConfigError naming the value and the fix for a URL that is not http(s) or lacks a
    tile placeholder, an unknown CRS, or a projected CRS other than Web Mercator."""
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url.replace("{", "").replace("}", ""))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"GRIDOPS_BASEMAP_URL {url!r} is not an http(s) URL; give a tile template such as "
            "https://tiles.example.cn/{z}/{x}/{y}.png"
        )
    scheme = "xyz"
    for wmts, xyz in _WMTS.items():
        url = url.replace(wmts, xyz)
    if "{-y}" in url:
        url, scheme = url.replace("{-y}", "{y}"), "tms"
    missing = [p for p in ("{z}", "{x}", "{y}") if p not in url]
    if missing:
        raise ConfigError(
            f"GRIDOPS_BASEMAP_URL {url!r} lacks {' '.join(missing)}; use {{z}}/{{x}}/{{y}} "
            "(XYZ), {-y} for TMS rows, or {TileMatrix}/{TileRow}/{TileCol} (WMTS)"
        )
    canon = _tile_datum(crs or WGS84)
    return Basemap(url, canon, (attribution or "").strip(), scheme)


def _tile_datum(name: str) -> str:
    """The geographic system in which a Web-Mercator tile set's imagery is drawn."""
    try:
        canon = normalise_crs(name)
    except ConfigError as e:
        raise ConfigError(f"GRIDOPS_BASEMAP_CRS: {e}") from None
    if canon in (WGS84, GCJ02, BD09) or canon == WEB_MERCATOR:
        return WGS84 if canon == WEB_MERCATOR else canon
    if not CRS.from_user_input(canon).is_geographic:
        raise ConfigError(
            f"GRIDOPS_BASEMAP_CRS {name!r} is a projected system: the map draws Web-Mercator "
            "tiles only; publish the layer on the EPSG:3857 (GoogleMapsCompatible) tile matrix "
            "set and give its datum (e.g. EPSG:4490)"
        )
    return canon


def display_crs(basemap: Basemap | None) -> str:
    """The system of the coordinates sent to the browser: the basemap's, else WGS84."""
    return WGS84 if basemap is None else basemap.crs


def to_display(
    lon: FloatArray, lat: FloatArray, from_crs: str, basemap: Basemap | None
) -> tuple[FloatArray, FloatArray]:
    """Coordinates in ``from_crs`` (the grid's or a ticket's) converted to the display's."""
    return to_grid_crs_many(lon, lat, from_crs, display_crs(basemap))
