"""`gridops init` writes a configuration that passes `config check` on any grid; the shipped
Pudong config on another grid lists every misfit in one run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from grids.city_layers import write_city
from grids.layers import box_grid
from typer.testing import CliRunner

from gridops.cli import app
from gridops.errors import UserError
from gridops.grids import load_grid

runner = CliRunner()


@pytest.fixture
def city(tmp_path: Path) -> Path:
    (tmp_path / "layers").mkdir()
    return write_city(tmp_path / "layers")


def _check(config: Path, grid: Path) -> dict[str, object]:
    result = runner.invoke(
        app, ["config", "check", "--config-dir", str(config), "--grid", str(grid), "--json"]
    )
    doc = json.loads(result.output)
    doc["exit"] = result.exit_code
    return doc


def test_init_on_real_layers_passes_config_check(city: Path, tmp_path: Path) -> None:
    out = tmp_path / "config"
    result = runner.invoke(
        app, ["init", "--grid", str(city), "--out", str(out), "--timezone", "America/New_York"]
    )
    assert result.exit_code == 0, result.output
    assert "next: edit" in result.output
    assert "timezone: America/New_York" in (out / "calendar.yaml").read_text()
    assert "statutory: none" in (out / "calendar.yaml").read_text()
    doc = _check(out, city)
    assert doc["exit"] == 0 and doc["errors"] == 0
    checks = {f["check"] for f in doc["findings"]}  # type: ignore[union-attr]
    assert checks == {"orphan-cells"}  # the tract in no ward: reported, not a crash
    grid = load_grid(city)
    assert doc["stats"]["level3_cells"] == len(grid.cells_at(3))  # type: ignore[index]
    assert "# Edit next" in (out / "org.yaml").read_text()


def test_init_follows_any_levels_and_overlays(tmp_path: Path) -> None:
    spec = box_grid(tmp_path)  # 3 levels and an overlay layer "zone"
    out = tmp_path / "config"
    assert (
        runner.invoke(
            app, ["init", "--grid", str(spec), "--out", str(out), "--timezone", "Europe/Paris"]
        ).exit_code
        == 0
    )
    assert 'layer: "zone"' in (out / "org.yaml").read_text()
    assert _check(out, spec)["exit"] == 0
    two = spec.read_text().split("  - {level: 3")[0] + "overlays: []\n"
    (tmp_path / "two.yaml").write_text(two)
    out2 = tmp_path / "config2"
    result = runner.invoke(
        app, ["init", "--grid", str(tmp_path / "two.yaml"), "--out", str(out2),
              "--timezone", "Asia/Shanghai"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "statutory: chinese_calendar" in (out2 / "calendar.yaml").read_text()


def test_init_refuses_a_bad_zone_and_a_used_folder(city: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", "--grid", str(city), "--out", str(tmp_path / "c"),
                                 "--timezone", "Mars/Olympus"])  # fmt: skip
    assert isinstance(result.exception, UserError) and "Mars/Olympus" in str(result.exception)
    result = runner.invoke(app, ["init", "--grid", str(city), "--out", str(city.parent),
                                 "--timezone", "UTC"])  # fmt: skip
    assert isinstance(result.exception, UserError) and "not empty" in str(result.exception)


def test_the_pudong_config_on_another_grid_lists_every_misfit_at_once(city: Path) -> None:
    from gridops.settings import DEFAULT_CONFIG_DIR

    doc = _check(DEFAULT_CONFIG_DIR, city)
    assert doc["exit"] == 1
    fits = [f for f in doc["findings"] if f["check"] == "grid-fit"]  # type: ignore[union-attr]
    text = " ".join(f["subject"] + " " + f["message"] for f in fits)
    for needle in ("overlay_owners[0]", "expressway-assets", "devzone-appearance",
                   "'310115005'", "staff[0]", "staff[3]", "gridops init --grid"):  # fmt: skip
        assert needle in text, needle
