"""The committed sample grid: counts, codes, owners, exact nesting, a clean check."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from gridops.grids import Grid, load_grid, read_grid
from gridops.grids.check import check_grid
from gridops.grids.pudong import LEVEL1_SEEDS
from gridops.settings import DEFAULT_GRID

SAMPLE = DEFAULT_GRID


@pytest.fixture(scope="module")
def grid() -> Grid:
    return load_grid(SAMPLE)


def test_counts_codes_and_owners(grid: Grid) -> None:
    assert grid.crs == "GCJ-02" and grid.levels == 3
    l1, l2, l3 = (grid.cells_at(lv) for lv in (1, 2, 3))
    assert len(l1) == 36
    assert 1200 <= len(l2) <= 1400
    assert 4700 <= len(l3) <= 5300
    prefixes = {1: "sc-", 2: "ws-", 3: "gw-"}
    for cell in grid.cells.values():
        assert len(cell.code) == 6 + 3 * cell.level and cell.code.startswith("310115")
        assert cell.owner_unit == prefixes[cell.level] + cell.code
        if cell.level > 1:
            assert cell.parent == cell.code[:-3]
    assert grid.cells["310115005"].name == "陆家嘴街道 Lujiazui"
    assert grid.cells["310115005003"].name == "陆家嘴街道 第3居委 (community 3)"
    overlays = {k: {(c.code, c.owner_unit) for c in v} for k, v in grid.overlays.items()}
    assert overlays == {
        "devzone": {("zhangjiang", "zone-zhangjiang"), ("lingang", "zone-lingang")},
        "expressway": {("outer-ring", "roadco-outer-ring")},
    }


def test_every_child_lies_in_its_parent(grid: Grid) -> None:
    for level in (2, 3):
        cells = grid.cells_at(level)
        parents = [grid.cells[str(c.parent)].geometry for c in cells]
        assert shapely.covers(parents, [c.geometry for c in cells]).all()


def test_seeds_locate_in_their_own_level1_cell(grid: Grid) -> None:
    for code, _, _, lon, lat in LEVEL1_SEEDS:
        loc = grid.locate(lon, lat)
        assert loc is not None and loc.codes[0] == code
        assert all(loc.codes) and loc.codes[2].startswith(loc.codes[1])


def test_denser_in_the_urban_west(grid: Grid) -> None:
    def median_area(kind_digit: str) -> float:
        areas = sorted(c.area_m2 for c in grid.cells_at(3) if c.code[6] == kind_digit)
        return areas[len(areas) // 2]

    assert median_area("0") * 3 < median_area("1")  # 街道 streets vs 镇 towns


def test_check_reports_nothing() -> None:
    report = check_grid(*read_grid(SAMPLE))
    assert report.issues == []


def brute_codes(grid: Grid, x: float, y: float) -> tuple[str, ...] | None:
    pt = shapely.Point(x, y)
    codes = []
    for level in range(1, grid.levels + 1):
        cells = grid.cells_at(level)
        hits = np.flatnonzero(shapely.covers([c.geometry for c in cells], pt))
        codes.append(cells[hits[0]].code if hits.size else "")  # cells_at is sorted by code
    return tuple(codes) if codes[0] else None


@settings(max_examples=60)
@given(data=st.data())
def test_sample_vertices_and_points_match_brute_force(grid: Grid, data: st.DataObject) -> None:
    cells = grid.cells_at(3)
    cell = cells[data.draw(st.integers(0, len(cells) - 1))]
    xy = shapely.get_coordinates(cell.geometry)
    k = data.draw(st.integers(0, len(xy) - 1))
    t = data.draw(st.sampled_from([0.0, 0.5, 1.0]))  # a vertex, or (about) mid-edge
    x, y = xy[k] * (1 - t) + xy[(k + 1) % len(xy)] * t
    loc = grid.locate(float(x), float(y))
    assert (loc.codes if loc else None) == brute_codes(grid, float(x), float(y))
    many = grid.locate_many([x], [y])
    assert tuple(str(c[0]) for c in many) == (loc.codes if loc else ("", "", ""))


def test_wgs84_input_is_converted_to_gcj02(grid: Grid) -> None:
    from gridops.grids.crs import to_grid_crs

    lon, lat = to_grid_crs(121.508, 31.235, "GCJ-02", "WGS84")
    assert grid.locate(lon, lat, crs="WGS84") == grid.locate(121.508, 31.235)


@settings(max_examples=60, deadline=None)
@given(i=st.integers(0, 10_000), metres=st.floats(5, 900), share=st.floats(0, 1))
def test_cells_near_holds_every_cell_within_the_distance(grid: Grid, i, metres, share) -> None:
    """Brute force: every level-2 cell whose edge is within ``metres`` of a point (measured in
    a local metric projection) is among cells_near — the duplicate search relies on it."""
    from gridops.grids.geodesy import to_metres

    cell = grid.cells_at(3)[i % len(grid.cells_at(3))]
    p = cell.geometry.representative_point()
    x, y = p.x + share * 0.003, p.y - share * 0.002  # wander a little off the cell
    near = grid.cells_near([x], [y], metres, 2)
    origin = to_metres(shapely.Point(x, y), x, y)
    within = {
        c.code
        for c in grid.cells_at(2)
        if to_metres(c.geometry, x, y).distance(origin) <= metres * 0.999
    }
    assert within <= near
