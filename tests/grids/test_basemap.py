"""The basemap configuration and the conversion that puts grid and pins on its streets."""

from __future__ import annotations

import numpy as np
import pytest

from gridops.errors import ConfigError
from gridops.grids.basemap import display_crs, parse_basemap, to_display
from gridops.grids.crs import BD09, GCJ02, WGS84, to_grid_crs

LUJIAZUI_WGS = (121.4990, 31.2397)


def test_no_url_means_no_basemap_and_a_wgs84_display() -> None:
    assert parse_basemap("", "GCJ-02", "x") is None
    assert parse_basemap(None, None, None) is None
    assert display_crs(None) == WGS84


@pytest.mark.parametrize(
    ("url", "want", "scheme"),
    [
        ("https://t.example.cn/{z}/{x}/{y}.png", "https://t.example.cn/{z}/{x}/{y}.png", "xyz"),
        ("http://127.0.0.1:9/{z}/{x}/{-y}.png", "http://127.0.0.1:9/{z}/{x}/{y}.png", "tms"),
        (
            "https://gs.city.cn/gwc/service/wmts?Request=GetTile&TileMatrix={TileMatrix}"
            "&TileRow={TileRow}&TileCol={TileCol}",
            "https://gs.city.cn/gwc/service/wmts?Request=GetTile&TileMatrix={z}&TileRow={y}"
            "&TileCol={x}",
            "xyz",
        ),
    ],
)
def test_templates_xyz_tms_and_wmts(url: str, want: str, scheme: str) -> None:
    b = parse_basemap(url, "wgs84", " © 测绘 ")
    assert b is not None
    assert (b.url, b.scheme, b.attribution) == (want, scheme, "© 测绘")


def test_origin_is_the_one_other_host() -> None:
    b = parse_basemap("http://127.0.0.1:8123/t/{z}/{x}/{y}.png", "GCJ-02", "")
    assert b is not None and b.origin == "http://127.0.0.1:8123"


@pytest.mark.parametrize(
    ("given", "canon"),
    [("GCJ-02", GCJ02), ("bd09", BD09), ("CGCS2000", WGS84), ("EPSG:3857", WGS84),
     ("EPSG:4214", "EPSG:4214")],
)  # fmt: skip
def test_crs_names(given: str, canon: str) -> None:
    b = parse_basemap("https://a.cn/{z}/{x}/{y}", given, "")
    assert b is not None and b.crs == canon


@pytest.mark.parametrize(
    ("url", "crs", "words"),
    [
        ("ftp://a.cn/{z}/{x}/{y}", "wgs84", "not an http(s) URL"),
        ("https://a.cn/tiles/{z}.png", "wgs84", "lacks {x} {y}"),
        ("https://a.cn/{z}/{x}/{y}", "MARS", "unknown CRS 'MARS'"),
        ("https://a.cn/{z}/{x}/{y}", "EPSG:4547", "projected system"),
    ],
)
def test_bad_configuration_names_the_value_and_the_fix(url: str, crs: str, words: str) -> None:
    with pytest.raises(ConfigError, match="GRIDOPS_BASEMAP") as e:
        parse_basemap(url, crs, "")
    assert words in str(e.value)


@pytest.mark.parametrize("crs", [GCJ02, BD09, "EPSG:4214"])
def test_points_move_onto_the_basemaps_streets(crs: str) -> None:
    b = parse_basemap("https://a.cn/{z}/{x}/{y}", crs, "")
    lon, lat = LUJIAZUI_WGS
    x, y = to_display(np.array([lon]), np.array([lat]), WGS84, b)
    assert (float(x[0]), float(y[0])) == pytest.approx(to_grid_crs(lon, lat, WGS84, crs))
    assert abs(float(x[0]) - lon) + abs(float(y[0]) - lat) > 1e-4  # really moved (> ~10 m)
    back = to_grid_crs(float(x[0]), float(y[0]), crs, WGS84)
    assert back == pytest.approx(LUJIAZUI_WGS, abs=1e-6)


def test_gcj02_grid_on_a_gcj02_basemap_is_unchanged() -> None:
    b = parse_basemap("https://a.cn/{z}/{x}/{y}", "GCJ-02", "")
    x, y = to_display(np.array([121.5]), np.array([31.2]), GCJ02, b)
    assert (x[0], y[0]) == (121.5, 31.2)
