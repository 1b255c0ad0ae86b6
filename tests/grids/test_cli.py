"""`gridops grid …` commands: exit codes, JSON output, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from gridops.cli import app
from gridops.errors import ConfigError, UserError
from grids.layers import box_grid, feature, write_layer

runner = CliRunner()


def test_check_exit_codes(tmp_path: Path) -> None:
    spec = box_grid(tmp_path)
    result = runner.invoke(app, ["grid", "check", str(spec), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output.strip().splitlines()[-1])
    assert doc["errors"] == 0 and doc["counts"] == {"warning:gap": 1}
    (tmp_path / "l1.geojson").write_text("{broken")
    result = runner.invoke(app, ["grid", "check", str(spec)])
    assert result.exit_code == 1 and "broken JSON" in result.output
    result = runner.invoke(app, ["grid", "check", str(tmp_path / "nope.yaml")])
    assert isinstance(result.exception, UserError)  # main() prints it and exits 2
    assert result.exception.exit_code == 2 and "grid spec not found" in str(result.exception)
    result = runner.invoke(app, ["grid", "check", str(spec), "--bogus"])
    assert result.exit_code == 2


def test_duplicate_code_fails_check(tmp_path: Path) -> None:
    spec = box_grid(tmp_path)
    zone = feature(
        {"id": "mid"}, {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    )
    write_layer(tmp_path / "zone.geojson", [zone, zone])
    result = runner.invoke(app, ["grid", "check", str(spec)])
    assert result.exit_code == 1 and "duplicate-code" in result.output


def test_locate_stats_export(tmp_path: Path) -> None:
    spec = box_grid(tmp_path)
    result = runner.invoke(
        app, ["grid", "locate", "--grid", str(spec), "--lon", "2", "--lat", "2", "--json"]
    )
    assert result.exit_code == 0
    doc = json.loads(result.output)
    assert doc["l3_code"] == "001111" and doc["owners"][-1] == "gw-001111"
    assert doc["overlays"] == [["zone", "mid"]]
    result = runner.invoke(app, ["grid", "locate", "--grid", str(spec), "--lon", "9", "--lat", "9"])
    assert result.exit_code == 0 and result.output.startswith("outside")
    result = runner.invoke(app, ["grid", "stats", str(spec), "--json"])
    assert [r["cells"] for r in json.loads(result.output)["layers"]] == [4, 16, 60, 1]
    out = tmp_path / "l1-export.geojson"
    result = runner.invoke(
        app, ["grid", "export", "--grid", str(spec), "--level", "1", "--out", str(out)]
    )
    assert result.exit_code == 0
    feats = json.loads(out.read_text())["features"]
    assert [f["properties"]["owner_unit"] for f in feats] == ["sc-00", "sc-01", "sc-10", "sc-11"]
    result = runner.invoke(app, ["grid", "export", "--grid", str(spec), "--level", "7"])
    assert result.exit_code != 0


def test_locate_csv_command(tmp_path: Path) -> None:
    spec = box_grid(tmp_path)
    src = tmp_path / "p.csv"
    src.write_text("x,y\n1,1\nfoo,2\n")
    out = tmp_path / "o.csv"
    args = [
        "grid",
        "locate",
        "--grid",
        str(spec),
        "--in",
        str(src),
        "--lon-col",
        "x",
        "--lat-col",
        "y",
    ]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "ok 1, outside 0, invalid 1" in result.output
    assert out.read_text().splitlines()[2] == "foo,2,,,,invalid"


def test_check_lists_every_spec_problem_in_table_and_json(tmp_path: Path) -> None:
    spec = box_grid(tmp_path)
    text = spec.read_text().replace("crs: EPSG:4326", "crs: Mars")
    text = text.replace("{level: 2, file: l2.geojson, ", "{level: 2, ")
    spec.write_text(text.replace('code: "{id}", owner: "zone-', 'code: "{id", owner: "zone-'))
    result = runner.invoke(app, ["grid", "check", str(spec), "--json"])
    assert result.exit_code == 1, result.output
    doc = json.loads(result.output)
    assert doc["errors"] == 3 and doc["warnings"] == 0
    assert [(i["place"], i["kind"], i["file"]) for i in doc["issues"]] == [
        ("top level", "spec-bad-value", str(spec)),
        ("levels[1]", "spec-missing-key", str(spec)),
        ("overlays[0]", "spec-bad-template", str(spec)),
    ]
    result = runner.invoke(app, ["grid", "check", str(spec)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    for words in ("top level", "'Mars'", "levels[1]", "missing key 'file'", "overlays[0]", "'{id'"):
        assert words in result.output, words
    assert "3 error(s), 0 warning(s)" in result.output
    result = runner.invoke(app, ["grid", "stats", str(spec)])  # loading: one line, all three
    assert isinstance(result.exception, ConfigError)
    message = str(result.exception)
    assert "\n" not in message and message.count(str(spec)) == 3 and "levels[1]" in message


def test_check_lists_each_key_written_twice_in_table_and_json(tmp_path: Path) -> None:
    spec = box_grid(tmp_path)
    text = spec.read_text().replace("crs: EPSG:4326", "crs: EPSG:4326\ncrs: Mars")
    spec.write_text(text.replace("{level: 2, file: l2.geojson, ", "{level: 2, code: x, "))
    result = runner.invoke(app, ["grid", "check", str(spec), "--json"])
    assert result.exit_code == 1, result.output
    doc = json.loads(result.output)
    assert [(i["place"], i["kind"]) for i in doc["issues"]] == [
        ("top level", "spec-repeated-key"),
        ("levels[1]", "spec-repeated-key"),
        ("top level", "spec-bad-value"),  # the last `crs:` is the one checked
        ("levels[1]", "spec-missing-key"),
    ]
    assert "remove one of the two `code:` keys" in doc["issues"][1]["message"]
    result = runner.invoke(app, ["grid", "check", str(spec)], env={"COLUMNS": "250"})
    assert result.exit_code == 1
    assert (
        "spec-repeated-key" in result.output
        and "remove one of the two `crs:` keys" in result.output
    )
    assert "4 error(s), 0 warning(s)" in result.output
