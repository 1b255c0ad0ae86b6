"""MVT encoding (gridops.grids.mvt), read back with a reader written apart (mvt_read.py):
varints, rings moved to tile units and wound as the spec asks, collapsed rings dropped,
points, and a layer's shared table of property values."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given
from hypothesis import strategies as st

from gridops.grids import mvt

from .mvt_read import _varint, area, read


@given(st.lists(st.integers(min_value=0, max_value=2**62), min_size=1, max_size=50))
def test_varints_read_back(values: list[int]) -> None:
    data, sizes = mvt.varints(np.array(values, dtype=np.uint64))
    blob, i, back = data.tobytes(), 0, []
    while i < len(blob):
        v, i = _varint(blob, i)
        back.append(v)
    assert back == values and sizes.sum() == len(blob)
    assert b"".join(mvt.uvarint(v) for v in values) == blob


def test_polygons_in_tile_units_wound_as_the_spec_asks() -> None:
    square = shapely.Polygon([(0, 0), (0, 1), (1, 1), (1, 0)])  # clockwise with y down? no
    holed = shapely.Polygon([(2, 0), (4, 0), (4, 2), (2, 2)],
                            [[(2.5, 0.5), (3.5, 0.5), (3.5, 1.5), (2.5, 1.5)]])  # fmt: skip
    tiny = shapely.Polygon([(5, 5), (5.0001, 5), (5.0001, 5.0001)])  # collapses when rounded
    both = shapely.MultiPolygon([square, shapely.Polygon([(0, 3), (1, 3), (1, 4), (0, 4)])])
    which, shapes = mvt.polygon_geometries(np.array([square, tiny, holed, both]), (0, 0), 100.0)
    assert which.tolist() == [0, 2, 3]
    tile = read(mvt.layer("cells", mvt.POLYGON, shapes, {"code": ["a", "c", "d"]}))
    feats = tile["cells"]
    assert [f["properties"]["code"] for f in feats] == ["a", "c", "d"]
    assert sorted(feats[0]["rings"][0]) == [(0, 0), (0, 100), (100, 0), (100, 100)]
    [outer, hole] = feats[1]["rings"]
    assert area(outer) == 200 * 200 and area(hole) == -100 * 100
    assert len(feats[2]["rings"]) == 2 and all(area(r) > 0 for r in feats[2]["rings"])
    assert all(f["type"] == mvt.POLYGON for f in feats)


def test_points_and_shared_values() -> None:
    shapes = mvt.point_geometries(np.array([10.0, 4095.4]), np.array([20.0, 0.6]))
    tile = read(mvt.layer("labels", mvt.POINT, shapes,
                          {"code": ["x", "y"], "zh": ["同", "同"], "level": [3, 3]}))  # fmt: skip
    assert [f["rings"] for f in tile["labels"]] == [[[(10, 20)]], [[(4095, 1)]]]
    assert [f["properties"] for f in tile["labels"]] == [
        {"code": "x", "zh": "同", "level": 3}, {"code": "y", "zh": "同", "level": 3}]  # fmt: skip


def test_nothing_to_draw() -> None:
    assert mvt.polygon_geometries(np.array([shapely.Polygon()]), (0, 0), 1.0)[1] == []
