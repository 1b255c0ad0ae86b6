"""Distances and areas in metres."""

from __future__ import annotations

import pytest
import shapely
from pyproj import Geod

from gridops.grids.geodesy import areas_m2, distance_m


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
