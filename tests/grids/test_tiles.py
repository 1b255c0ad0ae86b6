"""The grid as vector tiles (gridops.grids.tiles) on the sample grid, read back with
mvt_read: the cells meeting a tile, each label in exactly one tile, ``within``, the coarser
level where a screen would hold too many cells, and the display system."""

from __future__ import annotations

import pytest
import shapely

from gridops.grids import Grid, load_grid, tiles
from gridops.grids.basemap import parse_basemap
from gridops.grids.crs import to_grid_crs
from gridops.settings import DEFAULT_GRID

from .mvt_read import read

L3 = "310115005001001"  # in 陆家嘴 (310115005)


@pytest.fixture(scope="module")
def grid() -> Grid:
    return load_grid(DEFAULT_GRID)


def spot(grid: Grid, code: str) -> tuple[float, float]:
    p = grid.cells[code].geometry.representative_point()
    return to_grid_crs(p.x, p.y, grid.crs, "EPSG:4326")


def test_a_tile_holds_the_cells_it_meets(grid: Grid) -> None:
    x, y = tiles.tile_of(*spot(grid, L3), 15)
    found = read(tiles.tile(grid, 3, 15, x, y))
    codes = {f["properties"]["code"] for f in found["cells"]}
    assert L3 in codes and all(f["properties"]["level"] == 3 for f in found["cells"])
    pad = tiles.BUFFER * 4096
    for f in found["cells"]:
        for ring in f["rings"]:
            assert all(-pad - 1 <= v <= 4096 + pad + 1 for xy in ring for v in xy)
    # The tile's box meets exactly these cells (the same test in lon/lat).
    w, n = tiles_corner(x, y, 15)
    e, s = tiles_corner(x + 1, y + 1, 15)
    box = shapely.box(w, s, e, n)
    meets = {c.code for c in grid.cells_at(3)
             if shapely.intersects(box, to_wgs(grid, c.geometry))}  # fmt: skip
    assert meets <= codes


def tiles_corner(x: int, y: int, z: int) -> tuple[float, float]:
    import math

    n = 2**z
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    return x / n * 360 - 180, lat


def to_wgs(grid: Grid, geom: shapely.Geometry) -> shapely.Geometry:
    import numpy as np

    from gridops.grids.crs import to_grid_crs_many

    return shapely.transform(geom, lambda c: np.column_stack(
        to_grid_crs_many(c[:, 0], c[:, 1], grid.crs, "EPSG:4326")))  # fmt: skip


def test_each_label_lies_in_one_tile(grid: Grid) -> None:
    x, y = tiles.tile_of(*spot(grid, L3), 14)
    seen: dict[str, int] = {}
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            for f in read(tiles.tile(grid, 3, 14, x + dx, y + dy)).get("labels", []):
                code = f["properties"]["code"]
                seen[code] = seen.get(code, 0) + 1
                assert f["properties"]["zh"] and f["properties"]["en"]
                assert all(0 <= v < 4096 for v in f["rings"][0][0])
    assert seen[L3] == 1 and set(seen.values()) == {1}


def test_within_and_far_away(grid: Grid) -> None:
    x, y = tiles.tile_of(*spot(grid, L3), 13)
    found = read(tiles.tile(grid, 3, 13, x, y, within="310115005"))
    assert {f["properties"]["code"][:9] for f in found["cells"]} == {"310115005"}
    assert tiles.tile(grid, 3, 13, 0, 0) == b""


def test_a_coarser_level_where_a_screen_would_hold_too_many(
    grid: Grid, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert tiles.drawn_level(grid, 3, "", 16, None) == 3
    monkeypatch.setattr(tiles, "SCREEN_CELLS", 30)
    monkeypatch.setattr(tiles, "_spread", {})
    low = [tiles.drawn_level(grid, 3, "", z, None) for z in range(8, 19)]
    assert low[0] == 1 and low[-1] == 3 and low == sorted(low)
    x, y = tiles.tile_of(*spot(grid, L3), 9)
    found = read(tiles.tile(grid, 3, 9, x, y))
    assert {f["properties"]["level"] for f in found["cells"]} == {low[1]}
    assert tiles.drawn_level(grid, 1, "", 8, None) == 1


def test_the_display_system_moves_the_cells(grid: Grid) -> None:
    gcj = parse_basemap("https://t.example/{z}/{x}/{y}.png", "GCJ-02", "")
    x, y = tiles.tile_of(*spot(grid, L3), 16)
    plain = read(tiles.tile(grid, 3, 16, x, y))["labels"]
    moved = read(tiles.tile(grid, 3, 16, x, y, basemap=gcj)).get("labels", [])
    here = {f["properties"]["code"]: f["rings"][0][0] for f in plain}
    there = {f["properties"]["code"]: f["rings"][0][0] for f in moved}
    # GCJ-02 is some hundreds of metres off WGS84: ~30+ px at zoom 16 (16 units a px).
    assert any(abs(there[c][0] - here[c][0]) > 16 * 30 for c in here.keys() & there.keys()) or (
        here.keys() != there.keys()
    )


def test_tile_names() -> None:
    assert tiles.valid(0, 0, 0) and tiles.valid(14, 2**14 - 1, 0)
    assert not tiles.valid(3, 8, 0) and not tiles.valid(-1, 0, 0) and not tiles.valid(23, 0, 0)
