"""Address import: validated against the grid (problems listed by line, nothing half-written),
stored in SQLite and PostgreSQL, and the process's book follows each import."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from gridops.address.sample import sample_csv
from gridops.grids import load_grid
from gridops.services.addresses import BadAddressFile, address_book, import_addresses
from gridops.settings import DEFAULT_GRID
from gridops.store.addresses import address_version

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def grid():
    return load_grid(DEFAULT_GRID)


def inside(grid, code: str) -> tuple[float, float]:
    p = grid.cells[code].geometry.representative_point()
    return round(p.x, 6), round(p.y, 6)


def test_import_then_geocode_and_reverse(store, grid, tmp_path):
    l3 = grid.cells_at(3)[10].code
    x, y = inside(grid, l3)
    f = tmp_path / "a.csv"
    f.write_text(
        "address,lon,lat,cell,aliases\n"
        f"浦东新区张江镇科苑路88号,{x},{y},{l3},No. 88 Keyuan Road|科苑路八十八号\n"
        f"浦东新区张江镇社区事务受理服务中心,{x + 0.0005},{y},,\n",
        encoding="utf-8",
    )
    seen: list[int] = []
    done = import_addresses(store, grid, f, now=NOW, progress=seen.append)
    assert done.imported == 2 and done.problems == [] and sum(seen) == 2
    book = address_book(store)
    found = book.geocode("88 Keyuan Rd")[0]
    assert (found.text, found.cell) == ("浦东新区张江镇科苑路88号", l3)
    assert book.reverse(x + 0.0004, y).text == "浦东新区张江镇社区事务受理服务中心"
    assert book.get(found.id).cell == l3
    assert address_book(store) is book  # kept while no import happens


def test_problems_are_listed_by_line_and_nothing_is_written(store, grid, tmp_path):
    cells = grid.cells_at(3)
    a, b = cells[0].code, cells[500].code
    (xa, ya), (xb, yb) = inside(grid, a), inside(grid, b)
    f = tmp_path / "bad.csv"
    f.write_text(
        "id,address,lon,lat,cell\n"
        f"1,锦绣路1号,{xa},{ya},{a}\n"
        f"2,锦绣路3号,100.0,20.0,\n"
        f"3,锦绣路5号,{xa},{ya},{b}\n"
        f"1,锦绣路7号,{xb},{yb},{b}\n"
        f"4,,{xb},{yb},\n"
        f"5,锦绣路9号,east,{yb},\n",
        encoding="utf-8",
    )
    with pytest.raises(BadAddressFile) as err:
        import_addresses(store, grid, f, now=NOW)
    text = str(err.value)
    assert "5 of 6 rows cannot be imported; nothing was written" in text
    assert "line 3: 锦绣路3号: the point (100.0, 20.0) lies outside grid 'pudong-sample'" in text
    assert f"line 4: 锦绣路5号: cell {b} disagrees with the point, which lies in {a}" in text
    assert "line 5: 锦绣路7号: id 1 is on line 2 too" in text
    assert "line 6: the address text is empty" in text
    assert "line 7: 锦绣路9号: the point (east" in text
    assert address_version(store.engine) == 0 and len(address_book(store)) == 0
    done = import_addresses(store, grid, f, now=NOW, skip_bad=True)
    assert done.imported == 1 and [p.line for p in done.problems] == [3, 4, 5, 6, 7]


def test_geojson_and_a_second_import_replaces_the_first(store, grid, tmp_path):
    l3 = grid.cells_at(3)[20].code
    x, y = inside(grid, l3)
    feats = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]},
         "properties": {"id": "G1", "address": "碧波路5号", "aliases": ["5 Bibo Road"]}},
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[x, y]]},
         "properties": {"address": "x"}},
    ]  # fmt: skip
    f = tmp_path / "a.geojson"
    f.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    with pytest.raises(BadAddressFile, match="line 2: the geometry is not a Point"):
        import_addresses(store, grid, f, now=NOW)
    import_addresses(store, grid, f, now=NOW, skip_bad=True)
    assert address_book(store).geocode("5 bibo rd")[0].id == "G1"
    g = tmp_path / "b.csv"
    g.write_text(f"address,lon,lat\n碧云路1号,{x},{y}\n", encoding="utf-8")
    import_addresses(store, grid, g, now=NOW)
    book = address_book(store)
    assert len(book) == 1 and book.get("G1") is None


def test_the_shipped_sample_is_the_generated_one_and_imports_cleanly(store, grid, tmp_path):
    from gridops.settings import DEFAULTS_DIR

    shipped = DEFAULTS_DIR / "addresses" / "pudong.csv"
    assert shipped.read_text(encoding="utf-8") == sample_csv(grid)
    done = import_addresses(store, grid, shipped, now=NOW)
    assert done.imported > 9000 and not done.problems
    book = address_book(store)
    first = book.get("SH0000002")
    assert book.geocode(first.text)[0].id == "SH0000002"


def test_the_demo_imports_the_sample_once_and_only_for_the_sample_grid(store, grid, tmp_path):
    from gridops.services.addresses import ensure_sample_addresses

    assert ensure_sample_addresses(store, grid, tmp_path, now=NOW) == 0  # another grid
    assert ensure_sample_addresses(store, grid, DEFAULT_GRID, now=NOW) > 9000
    assert ensure_sample_addresses(store, grid, DEFAULT_GRID, now=NOW) == 0  # already there
