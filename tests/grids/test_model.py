"""Locate agrees with brute-force `covers` over all cells, edges and vertices included."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from gridops.grids import Grid, Location, load_grid
from grids.layers import box_grid


@pytest.fixture(scope="module")
def grid(tmp_path_factory: pytest.TempPathFactory) -> Grid:
    return load_grid(box_grid(tmp_path_factory.mktemp("boxes")))


def brute(grid: Grid, x: float, y: float) -> Location | None:
    """The documented rule, the slow way: per level the lowest code whose cell covers (x, y)."""
    pt = shapely.Point(x, y)
    codes = []
    for lv in range(1, grid.levels + 1):
        hits = sorted(
            c.code for c in grid.cells.values() if c.level == lv and c.geometry.covers(pt)
        )
        codes.append(hits[0] if hits else "")
    if not codes[0]:
        return None
    overlays = tuple(
        (name, c.code)
        for name, cells in grid.overlays.items()
        for c in cells
        if c.geometry.covers(pt)
    )
    return Location(tuple(codes), overlays)


coordinate = st.one_of(
    st.floats(-0.5, 4.5, allow_nan=False),  # anywhere, outside included
    st.integers(0, 8).map(lambda k: k / 2),  # exactly on an edge or vertex
)


@given(x=coordinate, y=coordinate)
def test_locate_matches_brute_force(grid: Grid, x: float, y: float) -> None:
    assert grid.locate(x, y) == brute(grid, x, y)


@given(pts=st.lists(st.tuples(coordinate, coordinate), min_size=1, max_size=50))
def test_locate_many_matches_locate(grid: Grid, pts: list[tuple[float, float]]) -> None:
    xs, ys = np.array([p[0] for p in pts]), np.array([p[1] for p in pts])
    many = grid.locate_many(xs, ys)
    for k, (x, y) in enumerate(pts):
        one = grid.locate(x, y)
        expected = one.codes if one else ("",) * grid.levels
        assert tuple(str(col[k]) for col in many) == expected


def test_shared_vertex_goes_to_lowest_code(grid: Grid) -> None:
    loc = grid.locate(2.0, 2.0)
    assert loc is not None
    assert loc.codes == ("00", "0011", "001111")
    assert loc.overlays == (("zone", "mid"),)


def test_outer_boundary_is_inside_and_beyond_is_outside(grid: Grid) -> None:
    assert grid.locate(0.0, 0.0) is not None
    assert grid.locate(4.0, 4.0) is not None
    assert grid.locate(-1e-9, 1.0) is None


def test_gap_gives_levels_it_has(grid: Grid) -> None:
    loc = grid.locate(3.5, 3.5)
    assert loc is not None and loc.codes == ("11", "1133", "")


def test_nan_and_mismatched_input(grid: Grid) -> None:
    assert grid.locate(float("nan"), 1.0) is None
    codes = grid.locate_many([np.nan, 1.2], [1.0, np.inf])
    assert [list(c) for c in codes] == [["", ""]] * 3
    with pytest.raises(ValueError):
        grid.locate_many([1.0, 2.0], [1.0])


def test_cells_parents_and_owners(grid: Grid) -> None:
    assert [c.code for c in grid.cells_at(1)] == ["00", "01", "10", "11"]
    assert grid.cells["0112"].parent == "01"  # inferred from the largest shared area
    assert grid.cells["011200"].parent == "0112"  # from the parent template
    assert grid.cells["00"].name == "block 00" and grid.cells["00"].owner_unit == "sc-00"
    assert [c.code for c in grid.children("00")] == ["0000", "0001", "0010", "0011"]
    # a 1°x1° box near the equator is about 12,300 km²
    assert grid.cells["0000"].area_m2 == pytest.approx(12_308e6, rel=0.01)


def test_locate_converts_input_crs(tmp_path: Path) -> None:
    from grids.layers import feature, write_layer, write_spec

    write_layer(
        tmp_path / "c.geojson", [feature({"id": "x"}, shapely.box(121.0, 31.0, 122.0, 32.0))]
    )
    spec = write_spec(
        tmp_path, 'name: g\ncrs: GCJ-02\nlevels:\n  - {level: 1, file: c.geojson, code: "{id}"}\n'
    )
    grid = load_grid(spec)
    # GCJ-02 is ~0.0045° east of WGS84 here: a WGS84 point just west of the edge is inside
    assert grid.locate(120.997, 31.5) is None
    assert grid.locate(120.997, 31.5, crs="WGS84") is not None
    assert list(grid.locate_many([120.997], [31.5], crs="WGS84")[0]) == ["x"]
