"""`grid check` goes on past a layer file that cannot be read and reports every such file."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from gridops.cli import app
from gridops.errors import ConfigError
from gridops.grids import load_grid, read_grid
from gridops.grids.check import check_grid
from grids.layers import feature, write_layer, write_spec

runner = CliRunner()

FILES = ("l1.geojson", "l2.geojson", "l3.geojson", "zone.geojson")
SPEC = """
name: broken
crs: EPSG:4326
levels:
  - {level: 1, file: l1.geojson, code: "{id}", owner: "sc-{code}"}
  - {level: 2, file: l2.geojson, code: "{id}", owner: "ws-{code}"}
  - {level: 3, file: l3.geojson, code: "{id}", owner: "gw-{code}"}
overlays:
  - {name: zone, file: zone.geojson, code: "{id}", owner: "zone-{code}"}
"""

# Each way a whole file can be unreadable, and words its error must contain.
BREAKS: dict[str, tuple[Callable[[Path], None], str]] = {
    "missing": (lambda p: p.unlink(), "file not found"),
    "empty": (lambda p: p.write_text("  \n"), "empty file"),
    "broken-json": (lambda p: p.write_text('{"type": "Feat'), "broken JSON at line 1"),
    "topology": (lambda p: p.write_text('{"type": "Topology"}'), "top level: Topology"),
    "top-list": (lambda p: p.write_text("[1, 2]"), "top level: list"),
    "no-list": (
        lambda p: p.write_text('{"type": "FeatureCollection", "features": 3}'),
        "without a 'features' list",
    ),
    "no-features": (
        lambda p: p.write_text('{"type": "FeatureCollection", "features": []}'),
        "no features",
    ),
    "binary": (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe"), "not UTF-8"),
}


def boxes(folder: Path) -> Path:
    """Level 1: 2 boxes A, B; level 2: 4 boxes; level 3: 8 boxes; overlay: 1 box."""
    write_layer(folder / "l1.geojson", [box(f"A{i}", i * 2, 0, 2) for i in range(2)])
    write_layer(folder / "l2.geojson", [box(f"B{i}", i, 0, 1) for i in range(4)])
    write_layer(folder / "l3.geojson", [box(f"C{i}", i / 2, 0, 0.5) for i in range(8)])
    write_layer(folder / "zone.geojson", [box("Z", 1, 0, 1)])
    return write_spec(folder, SPEC)


def box(code: str, x: float, y: float, side: float) -> dict[str, object]:
    return feature({"id": code}, shapely.box(x, y, x + side, y + side))


def check_json(spec: Path) -> tuple[int, dict[str, object]]:
    result = runner.invoke(app, ["grid", "check", str(spec), "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.output)


def issues_of(doc: dict[str, object], kind: str) -> list[dict[str, object]]:
    issues = doc["issues"]
    assert isinstance(issues, list)
    return [i for i in issues if i["kind"] == kind]


def test_two_broken_files_and_a_good_layer_all_reported_in_one_run(tmp_path: Path) -> None:
    spec = boxes(tmp_path)
    (tmp_path / "l2.geojson").unlink()
    (tmp_path / "zone.geojson").write_text("<kml>not json</kml>")
    point = feature({"id": "P"}, {"type": "Point", "coordinates": [1, 1]})
    write_layer(tmp_path / "l1.geojson", [box("A0", 0, 0, 2), box("A1", 2, 0, 2), point])
    code, doc = check_json(spec)
    assert code == 1
    unreadable = issues_of(doc, "unreadable-file")
    assert [(Path(str(i["file"])).name, i["severity"]) for i in unreadable] == [
        ("l2.geojson", "error"),
        ("zone.geojson", "error"),
    ]
    assert "file not found" in str(unreadable[0]["message"])
    assert "broken JSON" in str(unreadable[1]["message"])
    assert "(spec layer: level 2)" in str(unreadable[0]["message"])
    assert "(spec layer: zone)" in str(unreadable[1]["message"])
    # the good layer's own feature problem is reported too
    bad = issues_of(doc, "not-polygon")
    assert [(Path(str(i["file"])).name, i["feature"]) for i in bad] == [("l1.geojson", 2)]
    # level 3 sits under the unreadable level 2: one finding, no orphan per cell
    unchecked = issues_of(doc, "parents-unchecked")
    assert len(unchecked) == 1 and unchecked[0]["severity"] == "warning"
    assert "l2.geojson is unreadable" in str(unchecked[0]["message"])
    assert not issues_of(doc, "orphan") and not issues_of(doc, "gap")
    assert doc["errors"] == 3


def test_table_names_every_unreadable_file(tmp_path: Path) -> None:
    spec = boxes(tmp_path)
    (tmp_path / "l1.geojson").write_text("{broken")
    (tmp_path / "l3.geojson").unlink()
    ring = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0]]]}  # too short
    write_layer(tmp_path / "l2.geojson", [box("B0", 0, 0, 1), feature({"id": "B1"}, ring)])
    result = runner.invoke(app, ["grid", "check", str(spec)], env={"COLUMNS": "400"})
    assert result.exit_code == 1
    assert "l1.geojson" in result.output and "l3.geojson" in result.output
    assert "(spec layer: level 1)" in result.output and "(spec layer: level 3)" in result.output
    assert "list of [x, y] positions" in result.output  # brackets are text, not rich markup
    assert "3 error(s)" in result.output and "error:unreadable-file 2" in result.output


def test_template_parents_under_an_unreadable_level_are_not_each_an_error(tmp_path: Path) -> None:
    spec = boxes(tmp_path)
    write_spec(tmp_path, SPEC.replace('owner: "gw-{code}"', 'parent: "{id}", owner: "gw"'))
    (tmp_path / "l2.geojson").unlink()
    grid, issues = read_grid(spec)
    assert [i.kind for i in issues if i.severity == "error"] == ["unreadable-file"]
    assert [i.kind for i in issues if i.severity == "warning"] == ["parents-unchecked"]
    assert {c.parent for c in grid.cells_at(3)} == {None}
    assert len(grid.cells_at(3)) == 8 and len(grid.cells_at(1)) == 2


def test_broken_shapefile_is_one_error_and_the_rest_is_read(tmp_path: Path) -> None:
    spec = boxes(tmp_path)
    (tmp_path / "l3.shp").write_bytes(b"not a shapefile at all")
    write_spec(tmp_path, SPEC.replace("l3.geojson", "l3.shp"))
    grid, issues = read_grid(spec)
    errors = [i for i in issues if i.severity == "error"]
    assert [(Path(i.file).name, i.kind) for i in errors] == [("l3.shp", "unreadable-file")]
    assert "Shapefile" in errors[0].message and ".dbf" in errors[0].message
    assert len(grid.cells_at(2)) == 4 and len(grid.overlays["zone"]) == 1


@settings(max_examples=25, deadline=None)
@given(broken=st.dictionaries(st.sampled_from(FILES), st.sampled_from(sorted(BREAKS)), max_size=4))
def test_every_unreadable_file_is_reported_once_and_the_others_are_read(
    broken: dict[str, str],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        spec = boxes(Path(folder))
        for name, how in broken.items():
            BREAKS[how][0](Path(folder) / name)
        grid, issues = read_grid(spec)
        report = check_grid(grid, issues)
    files = {Path(i.file).name: i for i in report.errors if i.kind == "unreadable-file"}
    assert set(files) == set(broken)
    assert len(report.errors) == len(broken)  # nothing else is an error
    for name, how in broken.items():
        assert BREAKS[how][1] in files[name].message
    assert report.exit_code == (1 if broken else 0)
    sizes = {"l1.geojson": 2, "l2.geojson": 4, "l3.geojson": 8}
    for level, name in enumerate(sizes, start=1):
        assert len(grid.cells_at(level)) == (0 if name in broken else sizes[name])
    assert ("zone" in grid.overlays) == ("zone.geojson" not in broken)


def test_load_grid_puts_unreadable_files_first_and_counts_them(tmp_path: Path) -> None:
    spec = boxes(tmp_path)
    point = feature({"id": "P"}, {"type": "Point", "coordinates": [1, 1]})
    write_layer(tmp_path / "l1.geojson", [box("A0", 0, 0, 2), point])
    for name in FILES[1:]:
        (tmp_path / name).unlink()
    with pytest.raises(ConfigError) as info:
        load_grid(spec)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{tmp_path / 'l2.geojson'}: file not found")
    assert message.count("file not found") == 3
    assert message.endswith(f"… and 1 more: run gridops grid check {spec}")
    (tmp_path / "l1.geojson").unlink()
    with pytest.raises(ConfigError, match=r"… and 1 more \(1 of them unreadable files\)"):
        load_grid(spec)
