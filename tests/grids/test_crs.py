"""CRS conversions: GCJ-02 and BD-09 round trips, EPSG codes, unknown names."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridops.errors import ConfigError
from gridops.grids.crs import (
    gcj02_to_wgs84,
    normalise_crs,
    to_grid_crs,
    to_grid_crs_many,
    wgs84_to_gcj02,
)
from gridops.grids.geodesy import distance_m

china_lon = st.floats(73.0, 135.0)
china_lat = st.floats(18.0, 53.0)


@given(lon=china_lon, lat=china_lat)
def test_gcj02_round_trip_below_1e6_degree(lon: float, lat: float) -> None:
    glon, glat = to_grid_crs(lon, lat, "WGS84", "GCJ-02")
    assert 10 < distance_m(lon, lat, glon, glat) < 1000  # the offset is real and bounded
    back = to_grid_crs(glon, glat, "GCJ-02", "WGS84")
    assert back == pytest.approx((lon, lat), abs=1e-6)


@given(lon=china_lon, lat=china_lat)
def test_bd09_round_trip(lon: float, lat: float) -> None:
    blon, blat = to_grid_crs(lon, lat, "GCJ-02", "BD-09")
    assert to_grid_crs(blon, blat, "BD-09", "GCJ-02") == pytest.approx((lon, lat), abs=1e-6)
    wlon, wlat = to_grid_crs(blon, blat, "BD-09", "WGS84")
    assert to_grid_crs(wlon, wlat, "WGS84", "BD-09") == pytest.approx((blon, blat), abs=1e-6)


def test_known_gcj02_offset_in_shanghai() -> None:
    # People's Square: the GCJ-02 point lies about 0.0045° east and 0.002° south of WGS84
    lon, lat = wgs84_to_gcj02(np.array([121.4737]), np.array([31.2304]))
    assert lon[0] - 121.4737 == pytest.approx(0.0044, abs=3e-4)
    assert lat[0] - 31.2304 == pytest.approx(-0.0020, abs=3e-4)
    back = gcj02_to_wgs84(lon, lat)
    assert back[0][0] == pytest.approx(121.4737, abs=1e-7)


def test_no_offset_outside_china() -> None:
    assert to_grid_crs(2.35, 48.85, "WGS84", "GCJ-02") == (2.35, 48.85)


def test_projected_epsg_code_round_trip() -> None:
    x, y = to_grid_crs(121.5, 31.2, "EPSG:4326", "EPSG:32651")  # UTM 51N, metres
    assert 300_000 < x < 400_000 and 3_400_000 < y < 3_500_000
    assert to_grid_crs(x, y, "EPSG:32651", "WGS84") == pytest.approx((121.5, 31.2), abs=1e-9)


def test_arrays_and_aliases() -> None:
    x, y = to_grid_crs_many([121.5, np.nan], [31.2, 31.2], "CGCS2000", "GCJ02")
    assert np.isfinite(x[0]) and np.isnan(x[1])
    assert normalise_crs("cgcs2000") == "EPSG:4326"
    assert normalise_crs("epsg:3857") == "EPSG:3857"
    assert normalise_crs("bd09") == "BD-09"


@pytest.mark.parametrize("name", ["Mars", "EPSG:999999", ""])
def test_unknown_crs(name: str) -> None:
    with pytest.raises(ConfigError, match="unknown CRS"):
        normalise_crs(name)
