"""`gridops grid subdivide`: real level-1 boundaries cut into level-2/3 cells that nest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from typer.testing import CliRunner

from gridops.cli import app
from gridops.errors import UserError
from gridops.grids import load_grid
from gridops.grids.check import check_path
from grids.city_layers import write_city

runner = CliRunner()


def test_subdivide_real_boroughs_area_balanced(tmp_path: Path) -> None:
    (tmp_path / "layers").mkdir()
    write_city(tmp_path / "layers")
    out = tmp_path / "city"
    result = runner.invoke(
        app, ["grid", "subdivide", str(tmp_path / "layers"), "--out", str(out), "--km2", "1,0.1"]
    )
    assert result.exit_code == 0, result.output
    grid = load_grid(out)
    report = check_path(out)
    assert report.errors == [] and report.warnings == []  # nests exactly: nothing to say
    l1 = grid.cells_at(1)
    assert [c.code for c in l1] == ["B1", "B2"]
    for parent in l1:  # area-balanced: about area / 1 km² children each
        kids = grid.children(parent.code)
        assert len(kids) == pytest.approx(parent.area_m2 / 1e6, abs=1)
        assert all(k.code.startswith(f"{parent.code}-") for k in kids)
    geoms = [c.geometry for c in grid.cells_at(3)]
    assert bool(np.all(shapely.coverage_is_valid(geoms)))
    again = tmp_path / "again"
    runner.invoke(app, ["grid", "subdivide", str(tmp_path / "layers"), "--out", str(again),
                        "--km2", "1,0.1"])  # fmt: skip
    assert (again / "level3.geojson").read_bytes() == (out / "level3.geojson").read_bytes()


def test_subdivide_regular_and_usage_errors(tmp_path: Path) -> None:
    (tmp_path / "layers").mkdir()
    write_city(tmp_path / "layers")
    out = tmp_path / "city"
    args = ["grid", "subdivide", str(tmp_path / "layers"), "--out", str(out)]
    assert runner.invoke(app, [*args, "--cells", "3,4"]).exit_code == 0
    grid = load_grid(out)
    assert len(grid.cells_at(2)) == 6 and len(grid.cells_at(3)) == 24
    for bad in (["--cells", "3"], [], ["--cells", "2,2", "--km2", "1,1"]):
        result = runner.invoke(app, [*args, *bad])
        assert isinstance(result.exception, UserError), bad
