"""The totality proof and its reports; `gridops config check`."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gridops.cli import app
from gridops.errors import ConfigError
from gridops.org import OpsConfig, PlainCell, PlainGrid, check_config, load_ops_config
from gridops.settings import DEFAULT_CONFIG_DIR, DEFAULT_GRID

from .conftest import small_grid

SAMPLE = DEFAULT_GRID / "grid.yaml"


def test_shipped_config_is_total_on_the_small_grid(config: OpsConfig) -> None:
    report = check_config(config)
    assert report.ok, report.errors
    assert report.stats["entries"] == 12 * len(config.taxonomy.categories)
    assert report.stats["staff_checked"] is False
    # telecom and civil defence have no branches: reported, not fatal
    assert {f.subject for f in report.warnings if f.check == "coverage"} == {
        "dept-telecom",
        "dept-civil-defence",
    }


def test_shadowed_rule_is_reported(grid: PlainGrid, config_copy: Callable[..., Path]) -> None:
    path = config_copy(
        "routing.yaml",
        "rules:\n",
        "rules:\n  - id: all-events\n    match: {kind: event}\n    targets: [auto]\n",
    )
    report = check_config(load_ops_config(path, grid))
    dead = {f.subject: f.message for f in report.findings if f.check == "dead-rule"}
    assert "shadowed by earlier rule 'all-events'" in dead["illegal-construction"]
    assert "emergency" in dead and "expressway-assets" not in dead  # components still reach it


def test_rule_for_a_cell_with_no_such_category_matches_nothing(
    grid: PlainGrid, config_copy: Callable[..., Path]
) -> None:
    path = config_copy(
        "routing.yaml",
        "rules:\n",
        "rules:\n  - id: never\n    match: {category: E0102, kind: component}\n"
        "    targets: [auto]\n",
    )
    report = check_config(load_ops_config(path, grid))
    assert any(
        f.subject == "never" and "matches no level-3 cell" in f.message for f in report.findings
    )


def test_overlay_with_no_owner_fails_the_proof_and_the_load(
    config_copy: Callable[..., Path],
) -> None:
    grid = small_grid()
    grid.overlays["devzone"].append(PlainCell("jinqiao", 0, None, "金桥", "zone-jinqiao"))
    path = config_copy()
    report = check_config(load_ops_config(path, grid, verify=False))
    assert [f.subject for f in report.errors] == ["devzone/jinqiao"]
    with pytest.raises(ConfigError, match="overlay-owner: devzone/jinqiao"):
        load_ops_config(path, grid)


def test_units_with_no_staff_are_reported_from_the_staffed_set(config: OpsConfig) -> None:
    staffed = {u for u in config.org.units if not u.startswith("ws-")}
    report = check_config(config, staffed_units=staffed)
    staff = [f for f in report.warnings if f.check == "staff"]
    assert report.stats["staff_checked"] is True
    assert any("ws-310115005001" in f.message for f in staff)
    assert all("gw-" not in f.message for f in staff)


def test_report_json_is_plain(config: OpsConfig) -> None:
    data = json.loads(json.dumps(check_config(config).to_dict()))
    assert data["ok"] is True and data["errors"] == 0


needs_sample = pytest.mark.skipif(not SAMPLE.is_file(), reason="sample grid not generated yet")


@needs_sample
def test_shipped_config_passes_on_the_pudong_sample_grid() -> None:
    result = CliRunner().invoke(app, ["config", "check", "--json", "--grid", str(DEFAULT_GRID)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["ok"] is True
    assert report["stats"]["level3_cells"] > 4000
    assert report["stats"]["entries"] == report["stats"]["level3_cells"] * 43


@needs_sample
def test_cli_exits_1_on_errors_with_a_readable_table(config_copy: Callable[..., Path]) -> None:
    path = config_copy(
        "routing.yaml", "targets: [department]\n    pool", "targets: [deprt]\n    pool"
    )
    result = CliRunner().invoke(app, ["config", "check", "--config-dir", str(path)])
    assert result.exit_code == 1
    assert "unknown target 'deprt'" in " ".join(result.output.split())
    assert "FAILED" in result.output


def test_cli_exits_2_on_a_missing_directory(tmp_path: Path) -> None:
    gridops = Path(sys.executable).parent / "gridops"
    missing = tmp_path / "nope"
    result = subprocess.run(
        [str(gridops), "config", "check", "--config-dir", str(missing)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: --config-dir {missing}: no such directory"


def test_shipped_config_dir_is_the_default() -> None:
    assert (DEFAULT_CONFIG_DIR / "routing.yaml").is_file()


def test_owners_are_those_of_every_pair_decided_one_by_one(config: OpsConfig) -> None:
    """check.owners_of decides once per value the rule reads; the result equals deciding every
    level-3 cell × category pair (the proof as it was)."""
    from collections import Counter

    from gridops.org import RoutingFacts
    from gridops.org.check import owners_of
    from gridops.org.engine import designated_owner

    config.table.compile_all()
    owned: Counter[str] = Counter()
    last_resort: Counter[str] = Counter()
    for row in config.table.rows().values():
        for cat, entry in row.entries.items():
            category = config.taxonomy.categories[cat]
            owner = designated_owner(config, entry.rule, RoutingFacts("", row.cells), category)
            if owner is None:
                last_resort[cat] += 1
                owner = config.org.locality.get(row.cells[0], config.org.centre)
            owned[owner] += 1
    assert owners_of(config) == (owned, last_resort, [])
