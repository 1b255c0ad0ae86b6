"""A hand-made imperfect pair of layers gives the documented check report."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely

from gridops.errors import ConfigError
from gridops.grids import load_grid, read_grid
from gridops.grids.check import check_grid, check_path
from grids.layers import feature, write_layer, write_spec

DEG2_M2 = 12_308e6  # about one square degree at the equator, in m²


def imperfect(folder: Path) -> Path:
    """Level 1: A | B side by side. Level 2: c1 inside A; c2 straddles A/B (1/3 in B);
    c3 in B overlaps c2 by 0.1 deg²; A and B are left partly uncovered (gaps)."""
    write_layer(
        folder / "l1.geojson",
        [
            feature({"id": "A"}, shapely.box(0, 0, 2, 2)),
            feature({"id": "B"}, shapely.box(2, 0, 4, 2)),
        ],
    )
    write_layer(
        folder / "l2.geojson",
        [
            feature({"id": "c1"}, shapely.box(0, 0, 1.2, 2)),
            feature({"id": "c2"}, shapely.box(1.2, 0, 2.4, 1)),
            feature({"id": "c3"}, shapely.box(2.3, 0, 4, 2)),
        ],
    )
    return write_spec(
        folder,
        "name: imperfect\nlevels:\n"
        '  - {level: 1, file: l1.geojson, code: "{id}", owner: "sc-{code}"}\n'
        '  - {level: 2, file: l2.geojson, code: "{id}"}\n',
    )


def test_imperfect_layers_report(tmp_path: Path) -> None:
    grid, issues = read_grid(imperfect(tmp_path))
    report = check_grid(grid, issues)
    assert report.exit_code == 0 and not report.errors
    by_kind: dict[str, dict[str, float | None]] = {}
    for i in report.issues:
        by_kind.setdefault(i.kind, {})[i.code] = i.value
    assert set(by_kind) == {"straddle", "gap", "overlap", "no-owner"}
    assert by_kind["straddle"] == {"c2": pytest.approx(1 / 3, abs=1e-3)}
    assert grid.cells["c2"].parent == "A"  # most of its area
    gaps = by_kind["gap"]
    assert set(gaps) == {"A", "B"}
    assert gaps["A"] == pytest.approx(0.8 * DEG2_M2, rel=0.01)
    assert gaps["B"] == pytest.approx(0.3 * DEG2_M2, rel=0.01)
    assert set(by_kind["overlap"]) == {"c2"}
    assert by_kind["overlap"]["c2"] == pytest.approx(0.1 * DEG2_M2, rel=0.01)
    assert set(by_kind["no-owner"]) == {"c1"}  # one line for the level without an owner
    assert [i.value for i in report.issues if i.kind == "no-owner"] == [3.0]


def test_locate_is_exact_where_layers_do_not_nest(tmp_path: Path) -> None:
    grid, _ = read_grid(imperfect(tmp_path))
    loc = grid.locate(2.2, 0.5)  # in B, inside c2 (whose parent is A)
    assert loc is not None and loc.codes == ("B", "c2")
    loc = grid.locate(2.35, 0.5)  # in the c2/c3 overlap: lowest code wins
    assert loc is not None and loc.codes == ("B", "c2")
    loc = grid.locate(1.5, 1.5)  # in A, in the gap
    assert loc is not None and loc.codes == ("A", "")


def test_missing_parent_code_is_an_error(tmp_path: Path) -> None:
    imperfect(tmp_path)
    write_layer(
        tmp_path / "l2.geojson", [feature({"id": "c1", "up": "Z"}, shapely.box(0, 0, 1, 1))]
    )
    spec = write_spec(
        tmp_path,
        "name: g\nlevels:\n"
        '  - {level: 1, file: l1.geojson, code: "{id}"}\n'
        '  - {level: 2, file: l2.geojson, code: "{id}", parent: "{up}"}\n',
    )
    grid, issues = read_grid(spec)
    report = check_grid(grid, issues)
    assert report.exit_code == 1
    assert [(i.kind, i.code) for i in report.errors] == [("missing-parent", "c1")]


def test_broken_spec_gives_one_error_per_problem_and_no_layer_checks(tmp_path: Path) -> None:
    imperfect(tmp_path)  # readable layers: with a broken spec they are not checked
    spec = write_spec(
        tmp_path,
        "name: g\nlevels:\n"
        '  - {level: 1, file: l1.geojson, code: "{id"}\n'
        "  - {level: 2, file: l2.geojson, cod: x}\n",
    )
    report = check_path(spec)
    assert report.exit_code == 1 and report.grid == str(spec)
    assert [(i.place, i.kind) for i in report.issues] == [
        ("levels[0]", "spec-bad-template"),
        ("levels[1]", "spec-unknown-key"),
        ("levels[1]", "spec-missing-key"),
    ]
    assert all(i.file == str(spec) for i in report.issues)
    write_spec(tmp_path, "name: [unclosed\n")  # unreadable: one error, as before
    report = check_path(spec)
    assert [(i.kind, "broken YAML" in i.message) for i in report.issues] == [("unreadable", True)]
    assert check_path(imperfect(tmp_path)).exit_code == 0


REPEATS = """\
name: g
levels:
  - {level: 1, file: l1.geojson, code: "{id}"}
  - level: 2
    file: l2.geojson
    code: "{id}"
    name: "{n}"
    owner: "{id"
    name: "{m}"
name: h
"""


def test_each_key_written_twice_is_a_spec_problem_beside_the_others(tmp_path: Path) -> None:
    imperfect(tmp_path)
    spec = write_spec(tmp_path, REPEATS)
    report = check_path(spec)
    assert report.exit_code == 1
    assert [(i.place, i.kind, i.message) for i in report.issues] == [
        ("levels[1]", "spec-repeated-key",
         "key 'name' is written twice: remove one of the two `name:` keys (lines 7 and 9)"),
        ("top level", "spec-repeated-key",
         "key 'name' is written twice: remove one of the two `name:` keys (lines 1 and 10)"),
        ("levels[1]", "spec-bad-template",
         "key 'owner': bad template '{id' (expected '}' before end of string): name properties"
         " as {property} and write a literal brace as {{ or }}"),
    ]  # fmt: skip
    assert all(i.file == str(spec) and i.severity == "error" for i in report.issues)
    with pytest.raises(ConfigError) as info:  # loading it for real: refused, one line
        load_grid(spec)
    message = str(info.value)
    assert "\n" not in message and message.startswith(
        f"{spec}: levels[1]: key 'name' is written twice: remove one of the two `name:` keys"
    )


def test_the_rest_of_the_spec_is_checked_with_the_last_copy_of_a_repeated_key(
    tmp_path: Path,
) -> None:
    imperfect(tmp_path)
    good = write_spec(tmp_path, REPEATS.replace('"{id"', '"{id}"')).read_text()
    write_spec(tmp_path, "levels: [{lvl: 1}, bad]\n" + good)  # the first copy is never read
    report = check_path(tmp_path)
    assert [(i.place, i.kind) for i in report.issues] == [
        ("top level", "spec-repeated-key"),
        ("levels[1]", "spec-repeated-key"),
        ("top level", "spec-repeated-key"),
    ]
    assert "(lines 1 and 3)" in report.issues[0].message
