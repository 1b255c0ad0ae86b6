"""Layers as a GIS officer receives them: several CRSs (one in US survey feet), a GeoJSON
``crs`` member, a Shapefile .prj, numeric codes, a feature filter, orphans and slivers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from gridops.grids import load_grid
from gridops.grids.check import check_path
from gridops.grids.model import Grid, by_level
from grids.city_layers import ORPHAN, WARDS, A, write_city
from grids.layers import feature, write_layer, write_spec


def _kinds(spec: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for i in check_path(spec).issues:
        out.setdefault(f"{i.severity}:{i.kind}", []).append(i.code)
    return out


def test_three_layers_in_two_crss_load_where_they_are(tmp_path: Path) -> None:
    grid = load_grid(write_city(tmp_path))
    assert [c.code for c in grid.cells_at(1)] == ["B1", "B2"]  # where: {county: Kings}
    assert [c.code for c in grid.cells_at(2)] == ["W01", "W02", "W03"]  # {WARD:02d} on 1.0
    assert grid.cells["T02001"].parent == "W02"
    for ward, box in WARDS.items():  # feet read as feet: each ward lands on its lon/lat box
        cell = grid.cells[f"W{ward:02d}"]
        assert shapely.symmetric_difference(cell.geometry, box).area < 1e-4 * box.area
    loc = grid.locate(-74.01, 40.715)
    assert loc is not None and loc.codes == ("B1", "W02", "T02001")


def test_an_orphan_tract_is_placed_by_level_with_a_gap(tmp_path: Path) -> None:
    grid = load_grid(write_city(tmp_path))
    p = ORPHAN.centroid
    loc = grid.locate(p.x, p.y)
    assert loc is not None and loc.codes == ("B2", "", "T00901")
    assert by_level(loc.codes) == ("B2", "", "T00901")  # never ("B2", "T00901")
    assert by_level(("B2", "", "")) == ("B2",)


def test_check_summarises_slivers_and_names_the_orphan(tmp_path: Path) -> None:
    kinds = _kinds(write_city(tmp_path))
    assert not [k for k in kinds if k.startswith("error")]
    assert kinds["warning:orphan"] == ["T00901"]
    assert len(kinds["warning:sliver"]) == 1  # one summary, not one line per sliver
    assert kinds["warning:gap"] == ["B2"]  # the real gap is still listed


def test_a_prj_that_disagrees_with_the_spec_is_an_error_naming_both(tmp_path: Path) -> None:
    report = check_path(write_city(tmp_path, ward_crs="EPSG:32618"))
    [error] = [i for i in report.errors if i.file.endswith("wards.shp")]
    assert "EPSG:2263" in error.message and "EPSG:32618" in error.message
    assert report.exit_code == 1


def test_feet_read_as_metres_is_an_error_not_a_warning(tmp_path: Path) -> None:
    report = check_path(write_city(tmp_path, prj=False, ward_crs="EPSG:32618"))
    assert report.exit_code == 1
    [error] = [i for i in report.errors if i.kind == "outside-level-1"]
    assert "CRS" in error.message and "feet or metres" in error.message


def test_a_geojson_crs_member_is_honoured(tmp_path: Path) -> None:
    spec = write_city(tmp_path)
    doc = json.loads((tmp_path / "tracts.geojson").read_text())
    del doc["crs"]  # without it the feet are read as lon/lat: every feature is out of range
    (tmp_path / "tracts.geojson").write_text(json.dumps(doc))
    report = check_path(spec)
    assert report.exit_code == 1
    assert {i.kind for i in report.errors} == {"bad-coordinates"}


def test_a_contained_cell_of_the_same_level_is_an_error(tmp_path: Path) -> None:
    write_layer(
        tmp_path / "l1.geojson",
        [feature({"id": "A"}, A), feature({"id": "A2"}, A.buffer(-0.005))],
    )
    report = check_path(
        write_spec(tmp_path, 'name: t\nlevels:\n  - {level: 1, file: l1.geojson, code: "{id}"}\n')
    )
    [error] = report.errors
    assert error.kind == "contained" and error.code == "A2" and "A" in error.message


def test_the_sliver_tolerance_is_configurable(tmp_path: Path) -> None:
    spec = write_city(tmp_path)
    spec.write_text(spec.read_text().replace("name: alpha-beta", "name: x\nsliver: 0"))
    kinds = _kinds(spec)
    assert "warning:sliver" not in kinds and len(kinds["warning:gap"]) == 3
    spec.write_text(spec.read_text().replace("sliver: 0", "sliver: 2"))
    assert "error:spec-bad-value" in _kinds(spec)


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Grid:
    return load_grid(write_city(tmp_path_factory.mktemp("city")))


@settings(max_examples=40, deadline=None)
@given(lon=st.floats(-74.02, -73.98), lat=st.floats(40.70, 40.72))
def test_cells_by_level_agree_with_locating_the_point(city: Grid, lon: float, lat: float) -> None:
    loc = city.locate(lon, lat)
    assert loc is not None
    cells = by_level(loc.codes)
    for level, code in enumerate(cells, start=1):
        if code:
            assert city.cells[code].level == level
            assert city.cells[code].geometry.buffer(1e-9).contains(shapely.Point(lon, lat))
