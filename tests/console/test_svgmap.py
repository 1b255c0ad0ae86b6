"""The SVG grid map: projection, per-level caches, level 3 only inside one level-1 cell, shading
by open tickets, pins inside the drawing only."""

from __future__ import annotations

import re
from functools import cache

from hypothesis import given
from hypothesis import strategies as st

from gridops.grids import load_grid
from gridops.grids.model import Grid
from gridops.settings import load_settings
from gridops.web.console.svgmap import (
    SHADES,
    Pin,
    cells_for,
    drawn_cells,
    projection_of,
    render_map,
    shade,
)


@cache
def grid() -> Grid:
    return load_grid(load_settings({}).grid_path)


def draw(cells, **kw) -> str:  # type: ignore[no-untyped-def]
    return render_map(grid(), cells, counts=kw.pop("counts", {}), href=lambda c: f"?cell={c}",
                      label=lambda c, n: c.name, **kw)  # fmt: skip


@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_shades_grow_with_open_tickets(a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert 0 <= shade(low) <= shade(high) <= len(SHADES) - 1
    assert shade(0) == 0 and shade(1) == 1


@given(st.floats(121.0, 122.0), st.floats(121.0, 122.0), st.floats(30.5, 31.5))
def test_projection_keeps_east_to_the_right_and_north_up(lon1: float, lon2: float, lat: float):
    p = projection_of(grid())
    (x1, y1), (x2, _) = p.xy(lon1, lat), p.xy(lon2, lat)
    assert (x1 < x2) == (lon1 < lon2) or lon1 == lon2
    assert p.xy(lon1, lat + 0.01)[1] < y1


def test_level_three_is_drawn_only_inside_a_level_one_cell() -> None:
    assert cells_for(grid(), 3, None) == []
    inside = cells_for(grid(), 3, "310115005")
    assert inside and all(c.code.startswith("310115005") and len(c.code) == 15 for c in inside)
    assert len(inside) == sum(1 for c in grid().cells_at(3) if c.code.startswith("310115005"))
    assert len(cells_for(grid(), 1, None)) == len(grid().cells_at(1))


def test_geometry_is_simplified_once_per_level() -> None:
    assert drawn_cells(grid(), 2) is drawn_cells(grid(), 2)


def test_one_streets_unit_cells_are_drawn_alone_as_the_whole_level_draws_them() -> None:
    """A 街镇's level 3 is drawn without drawing the city's (the first desk page after a start
    at 120 k cells waited ~4 s for all of them): the same paths and boxes."""
    one, every = drawn_cells(grid(), 3, "310115005"), drawn_cells(grid(), 3)
    assert one and set(one) == {c for c in every if c.startswith("310115005")}
    assert all(one[c] == every[c] for c in one)


def test_one_linked_shaded_path_per_cell_and_pins_inside_only() -> None:
    cells = cells_for(grid(), 3, "310115005")
    code = cells[0].code
    inside = grid().cells[code].geometry.representative_point()
    pins = [Pin("E1", inside.x, inside.y, overdue=True), Pin("E2", 100.0, 20.0)]
    svg = draw(cells, counts={code: 12}, selected=code, pins=pins)
    assert svg.count("<path ") == len(cells) == svg.count('<a href="?cell=')
    assert f'class="cell s3 sel" data-code="{code}" data-open="12"' in svg
    assert 'class="pin late" data-number="E1"' in svg and "E2" not in svg
    assert re.search(r'viewBox="[-0-9. ]+"', svg)


def test_nothing_to_draw_is_an_empty_string() -> None:
    assert draw([]) == ""
