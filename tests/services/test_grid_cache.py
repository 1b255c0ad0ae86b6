"""The grid pack: made once per content of the grid's files, mapped by every process, exact
(a packed grid has the same cells and locates every point as the grid read from its files),
made again when the grid changes, and a damaged, truncated or foreign pack is refused, said
in the log and made again."""

from __future__ import annotations

import logging
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from gridops.grids import Grid, load_grid
from gridops.grids.packed import PackRefused, read_pack
from gridops.services.grid_cache import grid_key, load_grid_cached, pack_file
from gridops.settings import DEFAULT_GRID


@pytest.fixture(scope="module")
def from_files() -> Grid:
    return load_grid(DEFAULT_GRID)


@pytest.fixture(scope="module")
def packed(tmp_path_factory: pytest.TempPathFactory) -> Grid:
    return load_grid_cached(DEFAULT_GRID, tmp_path_factory.mktemp("data"))


@pytest.fixture
def grid_dir(tmp_path: Path) -> Path:
    """A copy of the sample grid that a test may edit."""
    return Path(shutil.copytree(DEFAULT_GRID, tmp_path / "grid"))


def test_the_pack_holds_the_same_cells(from_files: Grid, packed: Grid) -> None:
    assert packed.key and (packed.name, packed.crs, packed.levels) == (
        from_files.name, from_files.crs, from_files.levels
    )  # fmt: skip
    assert sorted(packed.cells) == sorted(from_files.cells)
    for code, cell in from_files.cells.items():
        again = packed.cells[code]
        assert (again.level, again.parent, again.name, again.owner_unit, again.area_m2) == (
            cell.level, cell.parent, cell.name, cell.owner_unit, cell.area_m2
        )  # fmt: skip
        assert shapely.equals_exact(again.geometry, cell.geometry, tolerance=0)
    assert "no-such-cell" not in packed.cells
    assert {k: [c.code for c in v] for k, v in packed.overlays.items()} == {
        k: [c.code for c in v] for k, v in from_files.overlays.items()
    }
    level2 = from_files.cells_at(2)[0].code
    assert [c.code for c in packed.children(level2)] == [
        c.code for c in from_files.children(level2)
    ]


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_a_packed_grid_locates_as_the_grid_from_its_files(
    from_files: Grid, packed: Grid, data: st.DataObject
) -> None:
    x0, y0, x1, y1 = shapely.total_bounds([c.geometry for c in from_files.cells_at(1)])
    n = data.draw(st.integers(1, 200))
    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)
    # vertices of real cells too: shared edges are where the tie-break matters
    corners = shapely.get_coordinates(from_files.cells_at(3)[seed % 1000].geometry)
    x, y = np.concatenate([x, corners[:, 0]]), np.concatenate([y, corners[:, 1]])
    for ours, theirs in zip(packed.locate_many(x, y), from_files.locate_many(x, y), strict=True):
        assert (ours == theirs).all()
    assert packed.locate_overlays_many(x, y).keys() == from_files.locate_overlays_many(x, y).keys()
    for k in range(0, len(x), 17):
        assert packed.locate(x[k], y[k]) == from_files.locate(x[k], y[k])


def test_the_pack_is_private_and_made_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = load_grid_cached(DEFAULT_GRID, data)
    pack = pack_file(data, grid_key(DEFAULT_GRID))
    assert stat.S_IMODE(pack.stat().st_mode) == 0o600
    assert stat.S_IMODE(pack.parent.stat().st_mode) == 0o700
    made = pack.stat().st_ino  # a pack is written to a new file and moved into place
    again = load_grid_cached(DEFAULT_GRID, data)
    assert pack.stat().st_ino == made and again.key == first.key
    assert not list(pack.parent.glob(".*.tmp"))


def test_a_changed_grid_makes_a_new_pack(tmp_path: Path, grid_dir: Path) -> None:
    data = tmp_path / "data"
    before = load_grid_cached(grid_dir, data)
    code = before.cells_at(1)[0].code
    layer = grid_dir / "level1.geojson"
    text = layer.read_text(encoding="utf-8")
    old = before.cells[code].name.split()[0]
    layer.write_text(text.replace(old, old + "新", 1), encoding="utf-8")
    after = load_grid_cached(grid_dir, data)
    assert after.key != before.key
    assert after.cells[code].name.startswith(old + "新")
    assert len(list((data / "cache").glob("grid-*.pack"))) == 2


def test_edits_keep_the_last_three_packs_and_the_one_in_use(tmp_path: Path, grid_dir: Path) -> None:
    data = tmp_path / "data"
    first = load_grid_cached(grid_dir, data)
    layer = grid_dir / "level1.geojson"
    old = first.cells[first.cells_at(1)[0].code].name.split()[0]
    keys = [first.key]
    for n in range(1, 5):  # four edits: five contents
        text = layer.read_text(encoding="utf-8")
        layer.write_text(text.replace(old + "新" * (n - 1), old + "新" * n, 1), encoding="utf-8")
        keys.append(load_grid_cached(grid_dir, data).key)
    held = {p.name for p in (data / "cache").glob("grid-*.pack")}
    assert held == {f"grid-{k}.pack" for k in keys[-3:]}
    assert len(list((data / "cache").glob("grid-*.lock"))) == 3
    assert first.cells_at(1)  # the first pack's grid, still mapped, still reads


def _damage(pack: Path, how: str) -> None:
    """Put a damaged copy in the pack's place (a new file: the grid mapped from the old one
    stays readable, as with every pack gridops writes)."""
    raw = bytearray(pack.read_bytes())
    if how == "truncated":
        raw = raw[: len(raw) // 2]
    elif how == "corrupt":
        raw[len(raw) // 2] ^= 0xFF
    elif how == "foreign":
        raw = bytearray(b"not a pack at all" * 100)
    elif how == "other-format":
        raw[16] += 1
    damaged = pack.with_name("damaged")
    damaged.write_bytes(bytes(raw))
    damaged.replace(pack)


@pytest.mark.parametrize("how", ["truncated", "corrupt", "foreign", "other-format"])
def test_a_bad_pack_is_refused_said_and_made_again(
    tmp_path: Path, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data"
    good = load_grid_cached(DEFAULT_GRID, data)
    pack = pack_file(data, good.key)
    _damage(pack, how)
    with pytest.raises(PackRefused):
        read_pack(pack, good.key)
    with caplog.at_level(logging.WARNING, logger="gridops.services.grid_cache"):
        again = load_grid_cached(DEFAULT_GRID, data)
    said = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(said) == 1 and str(pack) in said[0] and "making it again" in said[0]
    assert sorted(again.cells) == sorted(good.cells)
    assert read_pack(pack, good.key).key == good.key  # sound again
    assert stat.S_IMODE(pack.stat().st_mode) == 0o600


def test_a_pack_for_another_key_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    good = load_grid_cached(DEFAULT_GRID, data)
    with pytest.raises(PackRefused, match="other grid content"):
        read_pack(pack_file(data, good.key), "0" * 64)


PROBE = """
import logging, os, sys
from pathlib import Path
from gridops.services.grid_cache import load_grid_cached
logging.basicConfig(level=logging.INFO)
grid = load_grid_cached(Path(sys.argv[1]), Path(sys.argv[2]))
assert len(grid.cells) > 1000 and sorted(grid.cells)  # every code page read
print("ready", flush=True)
sys.stdin.readline()
"""


def _pack_mapping(pid: int, pack: Path) -> dict[str, int]:
    """smaps of the process's mapping of ``pack`` (kB by field)."""
    fields: dict[str, int] = {}
    inside = False
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        parts = line.split()
        if "-" in parts[0] and len(parts) >= 5:  # a mapping's header line
            inside = parts[-1] == str(pack)
        elif inside and parts[0].endswith(":") and len(parts) >= 2 and parts[1].isdigit():
            fields[parts[0][:-1]] = fields.get(parts[0][:-1], 0) + int(parts[1])
    return fields


def test_two_processes_make_it_once_and_share_its_pages(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", PROBE, str(DEFAULT_GRID), str(data)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )  # fmt: skip
        for _ in range(2)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
        packs = list((data / "cache").glob("grid-*.pack"))
        assert len(packs) == 1
        maps = [_pack_mapping(p.pid, packs[0]) for p in procs]
        for found in maps:
            assert found.get("Rss", 0) > 0, "the pack is mapped"
            assert found.get("Shared_Clean", 0) > 0, "its pages are shared"
            assert found.get("Private_Dirty", 0) == 0
    finally:
        outs = []
        for proc in procs:
            outs.append(proc.communicate("\n", timeout=60))
    logs = "".join(err for _, err in outs)
    assert logs.count("grid packed for every process") == 1, logs
    assert all(p.returncode == 0 for p in procs), logs
