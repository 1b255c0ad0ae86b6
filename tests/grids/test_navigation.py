"""Navigation links: each map app gets the point in its own system, checked against the public
reference values of the conversions (wandergis/coordtransform's README example)."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from gridops.grids.navigation import distance_from, nav_links


def test_each_app_gets_its_own_coordinates() -> None:
    links = nav_links(116.404, 39.915, "天安门")
    assert links.wgs84 == (116.404, 39.915)
    assert links.gcj02 == pytest.approx((116.41024449916938, 39.91640428150164), abs=1e-7)
    assert "dlat=39.916404&dlon=116.410244" in links.amap
    assert links.amap.startswith("amapuri://route/plan/?") and "dname=%E5%A4%A9" in links.amap
    assert "latlng:39.922" in links.baidu and "coord_type=bd09ll" in links.baidu
    assert unquote(links.system) == "geo:39.915000,116.404000?q=39.915000,116.404000(天安门)"


def test_a_gcj02_point_gives_the_reference_bd09() -> None:
    links = nav_links(116.404, 39.915, crs="GCJ-02")
    assert links.bd09 == pytest.approx((116.41036949371029, 39.92133699351021), abs=1e-7)
    assert links.gcj02 == pytest.approx((116.404, 39.915))
    assert links.wgs84[0] < 116.404  # back to WGS84: the offset taken off


def test_outside_china_nothing_is_offset() -> None:
    links = nav_links(2.2945, 48.8584, "Tour Eiffel")
    assert links.gcj02 == pytest.approx(links.wgs84) and "Tour%20Eiffel" in links.amap


def test_distance_from_a_gcj02_point() -> None:
    gcj = nav_links(121.5, 31.23).gcj02
    assert distance_from(121.5, 31.23, *gcj, crs="GCJ-02") < 0.5
    assert 900 < distance_from(121.5, 31.23, 121.51, 31.23) < 1000
