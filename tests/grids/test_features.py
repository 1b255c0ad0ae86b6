"""Every bad input gives one clear line naming file, feature and reason — never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely

from gridops.errors import ConfigError
from gridops.grids import load_grid, read_grid
from gridops.grids.features import read_features
from grids.layers import feature, shapefile_writer, write_layer, write_spec

SQUARE = [[121.0, 31.0], [121.1, 31.0], [121.1, 31.1], [121.0, 31.1], [121.0, 31.0]]


def poly(ring: list[list[float]]) -> dict[str, object]:
    return {"type": "Polygon", "coordinates": [ring]}


def one_level(folder: Path, geo_text: str, code: str = "{id}") -> Path:
    (folder / "c.geojson").write_text(geo_text)
    return write_spec(
        folder, f'name: g\ncrs: WGS84\nlevels:\n  - {{level: 1, file: c.geojson, code: "{code}"}}\n'
    )


def fc(*features: dict[str, object]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def error_of(spec: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_grid(spec)
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"type": "FeatureCollection", "features": [', "broken JSON at line 1"),
        ("", "empty file"),
        ('{"type": "FeatureCollection", "features": []}', "no features"),
        ('{"type": "Topology"}', "not a GeoJSON FeatureCollection"),
        (fc(feature({"id": "a"}, {"type": "Point", "coordinates": [121, 31]})), "Point"),
        (fc({"type": "Feature", "properties": {"id": "a"}, "geometry": None}), "no geometry"),
    ],
)
def test_broken_files(tmp_path: Path, text: str, expected: str) -> None:
    message = error_of(one_level(tmp_path, text))
    assert "c.geojson" in message and expected in message


def test_missing_property_names_feature_and_property(tmp_path: Path) -> None:
    text = fc(feature({"id": "a"}, poly(SQUARE)), feature({"other": 1}, poly(SQUARE)))
    message = error_of(one_level(tmp_path, text))
    assert "feature 1" in message and "'id'" in message and "other" in message


@pytest.mark.parametrize(
    ("ring", "expected"),
    [
        ([[31.0, 121.0], [31.1, 121.0], [31.1, 121.1], [31.0, 121.0]], "lat/lon swapped"),
        ([[121.0, 31.0], [200.0, 31.0], [121.1, 31.1], [121.0, 31.0]], "out of range"),
        ([[121.0, 31.0], [float("nan"), 31.0], [121.1, 31.1], [121.0, 31.0]], "not a number"),
    ],
)
def test_bad_coordinates(tmp_path: Path, ring: list[list[float]], expected: str) -> None:
    text = fc(feature({"id": "a"}, poly(SQUARE)), feature({"id": "b"}, poly(ring)))
    message = error_of(one_level(tmp_path, text))
    assert "feature 1" in message and expected in message


def test_self_intersecting_polygon_is_repaired_with_a_warning(tmp_path: Path) -> None:
    bowtie = [[121.0, 31.0], [121.1, 31.1], [121.1, 31.0], [121.0, 31.1], [121.0, 31.0]]
    grid, issues = read_grid(one_level(tmp_path, fc(feature({"id": "a"}, poly(bowtie)))))
    assert grid.cells["a"].geometry.is_valid
    assert grid.cells["a"].geometry.area == pytest.approx(0.005)
    [issue] = issues
    assert issue.severity == "warning" and issue.kind == "repaired-geometry"
    assert issue.feature == 0 and "Self-intersection" in issue.message


def test_unrepairable_polygon(tmp_path: Path) -> None:
    flat = [[121.0, 31.0], [121.1, 31.0], [121.2, 31.0], [121.0, 31.0]]
    message = error_of(one_level(tmp_path, fc(feature({"id": "a"}, poly(flat)))))
    assert "feature 0" in message and "cannot be repaired" in message


def test_duplicate_codes_are_errors(tmp_path: Path) -> None:
    text = fc(feature({"id": "a"}, poly(SQUARE)), feature({"id": "a"}, poly(SQUARE)))
    grid, issues = read_grid(one_level(tmp_path, text))
    assert [i.kind for i in issues] == ["duplicate-code"]
    assert issues[0].feature == 1 and issues[0].severity == "error"
    assert "duplicate code 'a'" in error_of(tmp_path / "grid.yaml")


def test_shapefile_layer(tmp_path: Path) -> None:
    with shapefile_writer(tmp_path / "cells") as w:
        w.field("cid", "N", decimal=0)
        w.field("label", "C")
        w.poly([SQUARE])
        w.record(7, "seven")
    feats = read_features(tmp_path / "cells.shp")
    assert feats[0].properties == {"cid": 7, "label": "seven"}
    assert shapely.equals(feats[0].geometry, shapely.Polygon(SQUARE))


def test_broken_shapefile(tmp_path: Path) -> None:
    (tmp_path / "bad.shp").write_bytes(b"not a shapefile at all")
    with pytest.raises(ConfigError, match="bad.shp"):
        read_features(tmp_path / "bad.shp")


def test_missing_layer_file(tmp_path: Path) -> None:
    spec = write_spec(
        tmp_path, 'name: g\nlevels:\n  - {level: 1, file: nope.geojson, code: "{id}"}\n'
    )
    assert "nope.geojson: file not found" in error_of(spec)


def test_write_layer_helper_roundtrip(tmp_path: Path) -> None:
    path = write_layer(tmp_path / "x.geojson", [feature({"id": "a"}, poly(SQUARE))])
    assert len(read_features(path)) == 1


def test_projected_layer_is_converted_to_lonlat(tmp_path: Path) -> None:
    # a 1 km square in UTM zone 51N (metres) near Lujiazui
    square = shapely.box(355_000, 3_456_000, 356_000, 3_457_000)
    write_layer(tmp_path / "c.geojson", [feature({"id": "a"}, square)])
    spec = write_spec(
        tmp_path,
        'name: g\ncrs: EPSG:32651\nlevels:\n  - {level: 1, file: c.geojson, code: "{id}"}\n',
    )
    grid = load_grid(spec)
    cell = grid.cells["a"]
    assert grid.crs == "EPSG:4326"
    assert cell.area_m2 == pytest.approx(1e6, rel=2e-3)
    lon, lat = cell.geometry.centroid.x, cell.geometry.centroid.y
    assert 121 < lon < 122 and 31 < lat < 32
    assert grid.locate(lon, lat) is not None
