"""A layer with many unusable features: each is reported once, the good ones still load."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from gridops.cli import app
from gridops.errors import ConfigError
from gridops.grids import load_grid, read_grid
from gridops.grids.features import read_features
from gridops.grids.issues import Issue
from gridops.grids.load import FIRST_ERRORS
from grids.layers import feature, shapefile_writer, write_layer, write_spec

runner = CliRunner()


def ring(x: float, y: float, side: float = 0.2) -> list[list[float]]:
    return [[x, y], [x + side, y], [x + side, y + side], [x, y + side], [x, y]]


def polygon(coords: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [coords]}


def good(k: int) -> dict[str, Any]:
    return feature({"id": f"c{k}", "up": "A"}, polygon(ring(0.25 * k, 0.1)))


# How to break feature k, and the Issue kind that reports it.
BREAKS: dict[str, tuple[str, Any]] = {
    "empty-code": ("empty-code", lambda k: feature({"id": " ", "up": "A"}, polygon(ring(k, 1)))),
    "no-attribute": ("missing-property", lambda k: feature({"up": "A"}, polygon(ring(k, 1)))),
    "nan": (
        "bad-coordinates",
        lambda k: feature(
            {"id": f"n{k}", "up": "A"}, polygon([[0, 0], [float("nan"), 0], [1, 1], [0, 0]])
        ),
    ),
    "out-of-range": (
        "bad-coordinates",
        lambda k: feature({"id": f"o{k}", "up": "A"}, polygon(ring(500, 1))),
    ),
    "point": (
        "not-polygon",
        lambda k: feature({"id": f"p{k}", "up": "A"}, {"type": "Point", "coordinates": [1, 1]}),
    ),
    "no-geometry": (
        "no-geometry",
        lambda k: {"type": "Feature", "properties": {"id": f"g{k}", "up": "A"}, "geometry": None},
    ),
    "flat": (
        "unrepairable-geometry",
        lambda k: feature({"id": f"f{k}", "up": "A"}, polygon([[0, 0], [1, 0], [2, 0], [0, 0]])),
    ),
    "not-a-feature": ("not-a-feature", lambda k: {"type": "Polygon", "coordinates": []}),
    "bad-properties": (
        "bad-properties",
        lambda k: {"type": "Feature", "properties": [1], "geometry": polygon(ring(0, 1))},
    ),
    "no-parent": (
        "missing-parent",
        lambda k: feature({"id": f"m{k}", "up": "Z"}, polygon(ring(0.25 * k, 1))),
    ),
    "duplicate": (
        "duplicate-code",
        lambda k: feature({"id": "c0", "up": "A"}, polygon(ring(0, 1))),
    ),
}


def two_levels(folder: Path, level2: list[dict[str, Any]]) -> Path:
    """Level 1: A and B; level 2: the given features, parent from property ``up``."""
    write_layer(
        folder / "l1.geojson",
        [
            feature({"id": "A"}, shapely.box(0, 0, 4, 4)),
            feature({"id": "B"}, shapely.box(4, 0, 8, 4)),
        ],
    )
    write_layer(folder / "l2.geojson", level2)
    return write_spec(
        folder,
        "name: broken\ncrs: WGS84\nlevels:\n"
        '  - {level: 1, file: l1.geojson, code: "{id}", owner: "sc-{code}"}\n'
        '  - {level: 2, file: l2.geojson, code: "{id}", parent: "{up}", owner: "ws-{code}"}\n',
    )


def layer_with(breaks: list[str | None]) -> tuple[list[dict[str, Any]], dict[int, str]]:
    """Feature 0 is always good (code c0, which 'duplicate' repeats); then one per entry."""
    feats, broken = [good(0)], {}
    for k, how in enumerate(breaks, start=1):
        if how is None:
            feats.append(good(k))
        else:
            kind, make = BREAKS[how]
            feats.append(make(k))
            broken[k] = kind
    return feats, broken


def errors_by_feature(issues: list[Issue]) -> dict[int | None, list[str]]:
    out: dict[int | None, list[str]] = {}
    for i in issues:
        if i.severity == "error":
            out.setdefault(i.feature, []).append(i.kind)
    return out


ALL_BREAKS: list[str | None] = [None, *BREAKS, None]


def test_every_bad_feature_is_reported_once_and_good_ones_load(tmp_path: Path) -> None:
    feats, broken = layer_with(ALL_BREAKS)
    spec = two_levels(tmp_path, feats)
    grid, issues = read_grid(spec)
    assert errors_by_feature(issues) == {k: [kind] for k, kind in broken.items()}
    for issue in issues:
        if issue.severity == "error":
            assert issue.file == str(tmp_path / "l2.geojson")
            assert "; " in issue.message  # what is wrong; what to do
    # a cell whose parent is unknown keeps its polygon (only its link is wrong): check reports
    # it, load_grid refuses the grid
    no_parent = f"m{ALL_BREAKS.index('no-parent') + 1}"
    parents = {c.code: c.parent for c in grid.cells_at(2)}
    assert parents == {"c0": "A", "c1": "A", f"c{len(ALL_BREAKS)}": "A", no_parent: "Z"}
    assert [c.code for c in grid.cells_at(1)] == ["A", "B"]


def test_load_grid_names_the_first_errors_and_counts_the_rest(tmp_path: Path) -> None:
    feats, broken = layer_with(ALL_BREAKS)
    spec = two_levels(tmp_path, feats)
    with pytest.raises(ConfigError) as info:
        load_grid(spec)
    message = str(info.value)
    assert "\n" not in message
    assert message.count("l2.geojson: feature ") == FIRST_ERRORS
    more = len(broken) - FIRST_ERRORS
    assert message.endswith(f"… and {more} more: run gridops grid check {spec}")


def test_one_error_is_named_without_a_count(tmp_path: Path) -> None:
    feats, _ = layer_with([None, "point"])
    with pytest.raises(ConfigError) as info:
        load_grid(two_levels(tmp_path, feats))
    assert str(info.value).startswith(f"{tmp_path / 'l2.geojson'}: feature 2: geometry is Point")
    assert "more" not in str(info.value)


def test_check_json_lists_every_error(tmp_path: Path) -> None:
    feats, broken = layer_with(ALL_BREAKS)
    spec = two_levels(tmp_path, feats)
    result = runner.invoke(app, ["grid", "check", str(spec), "--json"])
    assert result.exit_code == 1, result.output  # errors: 1 (2 is for usage mistakes)
    doc = json.loads(result.output)
    assert doc["errors"] == len(broken)
    assert sorted(i["feature"] for i in doc["issues"] if i["severity"] == "error") == sorted(broken)
    for kind in set(broken.values()):
        assert doc["counts"][f"error:{kind}"] == list(broken.values()).count(kind)


def test_check_table_lists_every_error_with_counts(tmp_path: Path) -> None:
    feats, broken = layer_with(ALL_BREAKS)
    spec = two_levels(tmp_path, feats)
    result = runner.invoke(app, ["grid", "check", str(spec)], env={"COLUMNS": "300"})
    assert result.exit_code == 1
    for k in broken:
        assert f"l2.geojson #{k}" in result.output
    assert f"{len(broken)} error(s)" in result.output
    assert "error:missing-parent 1" in result.output


def test_read_features_without_an_issue_list_raises_at_the_first(tmp_path: Path) -> None:
    feats, _ = layer_with([None, "out-of-range", "point"])
    path = write_layer(tmp_path / "x.geojson", feats)
    with pytest.raises(ConfigError, match=r"x.geojson: feature 2: .* out of range"):
        read_features(path)
    issues: list[Issue] = []
    assert [f.index for f in read_features(path, issues=issues)] == [0, 1]
    assert [(i.feature, i.kind) for i in issues] == [(2, "bad-coordinates"), (3, "not-polygon")]


def test_shapefile_null_shape_and_empty_code(tmp_path: Path) -> None:
    with shapefile_writer(tmp_path / "cells") as w:
        w.field("cid", "C")
        for cid, shape in [("a", ring(121, 31)), ("", ring(121.3, 31)), ("c", None)]:
            if shape is None:
                w.null()
            else:
                w.poly([shape[::-1]])  # clockwise: a shapefile's outer ring
            w.record(cid)
    spec = write_spec(
        tmp_path, 'name: s\ncrs: WGS84\nlevels:\n  - {level: 1, file: cells.shp, code: "{cid}"}\n'
    )
    grid, issues = read_grid(spec)
    assert list(grid.cells) == ["a"]
    assert sorted((i.feature, i.kind) for i in issues) == [(1, "empty-code"), (2, "no-geometry")]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from([None, None, *BREAKS]), min_size=1, max_size=8))
def test_whichever_features_are_broken_each_is_reported_once(breaks: list[str | None]) -> None:
    feats, broken = layer_with(breaks)
    with tempfile.TemporaryDirectory() as folder:
        grid, issues = read_grid(two_levels(Path(folder), feats))
    assert errors_by_feature(issues) == {k: [kind] for k, kind in broken.items()}
    kept = {"c0"} | {f"c{k}" for k, how in enumerate(breaks, start=1) if how is None}
    kept |= {f"m{k}" for k, how in enumerate(breaks, start=1) if how == "no-parent"}
    assert {c.code for c in grid.cells_at(2)} == kept
