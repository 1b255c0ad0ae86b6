"""Generated grids nest exactly; `grid generate` reproduces the committed sample byte-for-byte."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from gridops.grids.generate import generate_grid_dir
from gridops.grids.pudong import nest_exactly, subdivide_level
from gridops.grids.subdivide import round_geometry
from gridops.settings import DEFAULT_GRID

SAMPLE = DEFAULT_GRID
# a concave "L"-shaped district with a notch, in Pudong-like coordinates
L_SHAPE = shapely.Polygon(
    [(121.5, 31.0), (121.6, 31.0), (121.6, 31.05), (121.55, 31.05), (121.55, 31.1), (121.5, 31.1)]
)


@settings(max_examples=15)
@given(seed=st.integers(0, 2**31), n2=st.integers(2, 12), n3=st.integers(12, 60))
def test_generated_levels_nest_exactly(seed: int, n2: int, n3: int) -> None:
    l1 = [({"code": "310115005", "name": "a"}, round_geometry(L_SHAPE))]
    l2 = subdivide_level(l1, n2, seed, None)
    l3 = subdivide_level(l2, n3, seed + 1, None)
    l3, l2, l1 = nest_exactly(l3, l2, l1)
    for level in (l1, l2, l3):
        geoms = [g for _, g in level]
        assert all(g.is_valid and not g.is_empty for g in geoms)
        assert bool(np.all(shapely.coverage_is_valid(geoms)))  # no overlaps, shared edges
        coords = shapely.get_coordinates(geoms)
        assert np.array_equal(coords, np.round(coords, 6))  # on the 1e-6 degree grid
    codes = [p["code"] for p, _ in l3]
    assert len(set(codes)) == len(codes) and all(len(c) == 15 for c in codes)
    parents = {p["code"]: g for p, g in l2} | {p["code"]: g for p, g in l1}
    for props, geom in l2 + l3:
        parent = parents[props["parent"]]
        assert props["code"].startswith(props["parent"])
        assert shapely.covers(parent, geom)
    for upper, lower in ((l1, l2), (l2, l3)):  # children tile their parent: no gaps
        for props, geom in upper:
            kids = [g for p, g in lower if p["parent"] == props["code"]]
            assert shapely.difference(geom, shapely.union_all(kids)).area == 0.0


def test_generate_reproduces_the_committed_sample(tmp_path: Path) -> None:
    counts = generate_grid_dir(SAMPLE / "pudong_outline.geojson", tmp_path)
    assert set(counts) == {
        "level1.geojson",
        "level2.geojson",
        "level3.geojson",
        "devzone.geojson",
        "expressway.geojson",
    }
    for name in [*counts, "grid.yaml"]:
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name


def test_generate_needs_out_and_refuses_an_outline_that_is_not_pudong(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from gridops.cli import app
    from gridops.errors import ConfigError
    from grids.layers import feature, write_layer

    runner = CliRunner()
    result = runner.invoke(app, ["grid", "generate"])
    assert result.exit_code == 2 and "--out" in result.output  # never the packaged sample
    other = write_layer(tmp_path / "x.geojson", [feature({}, shapely.box(-74, 40.7, -73.9, 40.8))])
    result = runner.invoke(app, ["grid", "generate", "--outline", str(other), "--out", "g"])
    assert isinstance(result.exception, ConfigError)
    assert "grid subdivide" in str(result.exception)


def test_a_seed_outside_the_outline_is_nudged_in_a_fresh_process() -> None:
    """shapely.ops is imported by pudong.py itself (it was not: a traceback in real use)."""
    import subprocess
    import sys

    code = (
        "import shapely, json\n"
        "from gridops.grids.pudong import seed_points, LEVEL1_SEEDS\n"
        "s = LEVEL1_SEEDS[0]\n"
        "outline = shapely.box(121.3, 30.8, 122.0, 31.4).difference("
        "shapely.Point(s[3], s[4]).buffer(0.01))\n"
        "x, y = seed_points(outline)[0]\n"
        "print(json.dumps(outline.contains(shapely.Point(x, y))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "true"
