"""Navigating to a ticket's place (导航): the links that open 高德 (Amap), 百度 (Baidu) and the
phone's own map app at a point, each in the coordinate system it expects — Amap GCJ-02, Baidu
BD-09 (``coord_type=bd09ll``), the system map (``geo:``, RFC 5870) WGS84 — and how far a device
is from the point. Pure: coordinates in, text and metres out."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from gridops.grids.crs import BD09, GCJ02, WGS84, to_grid_crs
from gridops.grids.geodesy import distance_m

APP_NAME = "gridops"


@dataclass(frozen=True)
class NavLinks:
    """Where the navigate buttons go, and the point in each system (lon, lat)."""

    amap: str
    baidu: str
    system: str
    wgs84: tuple[float, float]
    gcj02: tuple[float, float]
    bd09: tuple[float, float]


def _deg(value: float) -> str:
    return f"{value:.6f}"


def nav_links(lon: float, lat: float, name: str = "", crs: str = WGS84) -> NavLinks:
    """The three navigation links to (``lon``, ``lat``) given in ``crs`` (WGS84 by default),
    with ``name`` as the destination's label."""
    wgs = to_grid_crs(lon, lat, crs, WGS84)
    gcj = to_grid_crs(lon, lat, crs, GCJ02)
    bd = to_grid_crs(lon, lat, crs, BD09)
    label = quote(name or "目的地", safe="")
    amap = (
        f"amapuri://route/plan/?dlat={_deg(gcj[1])}&dlon={_deg(gcj[0])}&dname={label}"
        f"&dev=0&t=0&sourceApplication={APP_NAME}"
    )
    baidu = (
        f"baidumap://map/direction?destination=latlng:{_deg(bd[1])},{_deg(bd[0])}"
        f"%7Cname:{label}&coord_type=bd09ll&mode=driving&src={APP_NAME}"
    )
    system = f"geo:{_deg(wgs[1])},{_deg(wgs[0])}?q={_deg(wgs[1])},{_deg(wgs[0])}({label})"
    return NavLinks(amap, baidu, system, wgs, gcj, bd)


def distance_from(
    device_lon: float, device_lat: float, lon: float, lat: float, crs: str = WGS84
) -> float:
    """Metres from a device's WGS84 position to (``lon``, ``lat``) given in ``crs``."""
    wlon, wlat = to_grid_crs(lon, lat, crs, WGS84)
    return distance_m(device_lon, device_lat, wlon, wlat)
