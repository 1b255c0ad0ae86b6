"""Distances and areas in metres."""

from __future__ import annotations

import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from pyproj import Geod

from gridops.grids.geodesy import (
    SPHERICAL_ERROR,
    areas_m2,
    degree_box,
    distance_m,
    spherical_distance_m,
)


def test_distance_of_one_degree_of_latitude() -> None:
    assert distance_m(121.5, 31.0, 121.5, 32.0) == pytest.approx(110_900, rel=2e-3)
    assert distance_m(121.5, 31.0, 121.5, 31.0) == 0.0


def test_areas_match_the_ellipsoid() -> None:
    cells = [shapely.box(121.5, 31.2, 121.51, 31.21), shapely.box(121.9, 30.9, 121.95, 30.93)]
    geod = Geod(ellps="WGS84")
    expected = [abs(geod.geometry_area_perimeter(c)[0]) for c in cells]
    assert list(areas_m2(cells)) == pytest.approx(expected, rel=1e-3)
    assert list(areas_m2([])) == []
    assert list(areas_m2([shapely.Polygon()])) == [0.0]


@given(
    lon=st.floats(-180, 180),
    lat=st.floats(-85, 85),
    dlon=st.floats(-0.05, 0.05),
    dlat=st.floats(-0.05, 0.05),
)
def test_the_spherical_screen_is_within_its_bound(lon, lat, dlon, dlat) -> None:
    """Routing skips a duplicate candidate whose spherical distance exceeds the radius by
    more than SPHERICAL_ERROR: that is only safe if the bound holds (city-sized distances)."""
    lat2 = max(-89.0, min(89.0, lat + dlat))
    exact = distance_m(lon, lat, lon + dlon, lat2)
    approx = spherical_distance_m(lon, lat, lon + dlon, lat2)
    assert abs(approx - exact) <= SPHERICAL_ERROR * exact + 1e-6


@given(
    lon=st.floats(-179, 179),
    lat=st.floats(-80, 80),
    metres=st.floats(1, 2000),
    bearing=st.floats(0, 360),
    share=st.floats(0, 1),
)
def test_the_degree_box_holds_every_point_within_its_distance(lon, lat, metres, bearing, share):
    """A point ``share * metres`` away in any direction lies inside degree_box(lat, metres)."""
    lon2, lat2, _ = Geod(ellps="WGS84").fwd(lon, lat, bearing, share * metres)
    dlon, dlat = degree_box(lat, metres)
    assert abs(lon2 - lon) <= dlon and abs(lat2 - lat) <= dlat


@given(st.lists(st.floats(-85, 85), min_size=1, max_size=20), st.floats(1, 2000))
def test_degree_boxes_is_degree_box_for_many(lats, metres) -> None:
    import numpy as np

    from gridops.grids.geodesy import degree_boxes

    dlon, dlat = degree_boxes(np.array(lats), metres)
    for i, lat in enumerate(lats):
        assert (dlon[i], dlat[i]) == pytest.approx(degree_box(lat, metres), rel=1e-12)
