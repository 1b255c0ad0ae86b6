"""Spec files: unknown keys, bad levels and unknown CRS are rejected with file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridops.errors import ConfigError
from gridops.grids.spec import read_spec
from grids.layers import write_spec

LEVEL = '{level: 1, file: a.geojson, code: "{id}"}'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"name: g\nlevles: []\nlevels:\n  - {LEVEL}\n", "unknown key 'levles'"),
        (
            'name: g\nlevels:\n  - {level: 1, file: a.geojson, code: "{id}", parnet: x}\n',
            "levels[0]: unknown key 'parnet'",
        ),
        (f"name: g\ncrs: EPSG:999999\nlevels:\n  - {LEVEL}\n", "unknown CRS 'EPSG:999999'"),
        (f"name: g\ncrs: Mars\nlevels:\n  - {LEVEL}\n", "key 'crs'"),
        ("name: g\nlevels:\n  - {level: 2, file: a.geojson, code: x}\n", "levels must be 1..N"),
        ("name: g\nlevels:\n  - {level: 1, file: a.geojson}\n", "missing key 'code'"),
        ("name: g\nlevels: []\n", "non-empty list"),
        ("levels:\n  - {level: 1}\n", "missing key 'name'"),
        ("name: [unclosed\n", "broken YAML"),
        ('name: g\nlevels:\n  - {level: 1, file: a.geojson, code: "{id"}\n', "bad template"),
        (
            f"name: g\nlevels:\n  - {LEVEL}\n"
            "overlays:\n  - {name: z, file: z.geojson, code: x, cell_nme: y}\n",
            "overlays[0]: unknown key 'cell_nme'",
        ),
    ],
)
def test_spec_errors_name_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    spec = write_spec(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        read_spec(spec)
    assert str(spec) in str(info.value) and expected in str(info.value)


def test_directory_or_file_and_crs_aliases(tmp_path: Path) -> None:
    write_spec(tmp_path, f"name: g\ncrs: CGCS2000\nlevels:\n  - {LEVEL}\n")
    spec = read_spec(tmp_path)
    assert spec.crs == "EPSG:4326" and spec.levels[0].file == tmp_path / "a.geojson"
    with pytest.raises(ConfigError, match="grid spec not found"):
        read_spec(tmp_path / "missing")
