"""The grid as vector data: simplified per zoom, converted, cut to a box, keyed by content."""

from __future__ import annotations

import orjson
import pytest
import shapely

from gridops.grids import Grid, load_grid
from gridops.grids.basemap import parse_basemap
from gridops.grids.vector import (
    cell_layer,
    content_key,
    features,
    simplified,
    tolerance,
    zoom_bucket,
)
from gridops.settings import DEFAULT_GRID


@pytest.fixture(scope="module")
def grid() -> Grid:
    return load_grid(DEFAULT_GRID)


def test_zoom_buckets_and_half_a_pixel() -> None:
    assert [zoom_bucket(z) for z in (3, 8.9, 12.5, 22)] == [8, 8, 12, 16]
    assert tolerance(12) == pytest.approx(360 / 256 / 4096 / 2)


def test_a_box_gets_only_the_cells_it_meets(grid: Grid) -> None:
    layer = cell_layer(grid, 3, None)
    everything = orjson.loads(features(layer, None))["features"]
    assert len(everything) == len(grid.cells_at(3))
    b = shapely.box(121.49, 31.22, 121.51, 31.24)
    some = orjson.loads(features(layer, b.bounds))
    codes = {f["properties"]["code"] for f in some["features"]}
    want = {
        layer.codes[i] for i in range(len(layer.codes)) if layer.geoms[i].intersects(b)
    }  # fmt: skip
    assert codes == want and 0 < len(codes) < len(everything)
    assert some["truncated"] is False
    coarse = orjson.loads(features(layer, b.bounds, zoom=9))["features"]
    assert [f["properties"]["code"] for f in coarse] == [
        f["properties"]["code"] for f in some["features"]
    ]
    assert len(orjson.dumps(coarse)) < len(orjson.dumps(some["features"]))


def test_labels_in_each_language(grid: Grid) -> None:
    layer = cell_layer(grid, 1, None)
    props = [f["properties"] for f in orjson.loads(features(layer, None))["features"]]
    gaoqiao = next(p for p in props if p["name"] == "高桥镇 Gaoqiao")
    assert (gaoqiao["zh"], gaoqiao["en"]) == ("高桥镇", "Gaoqiao")
    assert all(p["zh"] and p["en"] for p in props)


def test_within_and_the_cap(grid: Grid) -> None:
    layer = cell_layer(grid, 2, None)
    l1 = grid.cells_at(1)[0].code
    inside = orjson.loads(features(layer, None, within=l1))["features"]
    assert inside and all(f["properties"]["code"].startswith(l1) for f in inside)
    capped = orjson.loads(features(layer, None, limit=3))
    assert len(capped["features"]) == 3 and capped["truncated"] is True


def test_lower_zooms_send_fewer_vertices(grid: Grid) -> None:
    def vertices(z: int) -> int:
        return int(
            shapely.get_num_coordinates(simplified(cell_layer(grid, 1, None).geoms, z)).sum()
        )

    assert vertices(8) < vertices(12) < vertices(16)


def test_display_system_follows_the_basemap(grid: Grid) -> None:
    """The sample grid is GCJ-02: on a GCJ-02 basemap it stays put, in WGS84 it moves."""
    gcj = parse_basemap("https://a.cn/{z}/{x}/{y}", "GCJ-02", "")
    cell = grid.cells_at(1)[0]
    on_gcj = cell_layer(grid, 1, gcj).geoms[0]
    on_wgs = cell_layer(grid, 1, None).geoms[0]
    assert on_gcj.centroid.distance(cell.geometry.centroid) < 1e-5
    assert on_wgs.centroid.distance(cell.geometry.centroid) > 1e-4


def test_content_key_changes_with_the_grid(grid: Grid, tmp_path) -> None:
    from gridops.grids.model import build_grid

    key = content_key(grid)
    assert key == content_key(grid) and len(key) == 16
    cells = list(grid.cells.values())
    renamed = [cells[0].__class__(**{**cells[0].__dict__, "name": "改名"}), *cells[1:]]
    other = build_grid(grid.name, grid.crs, grid.levels, renamed)
    assert content_key(other) != key
