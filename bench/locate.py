"""Benchmark: gridops locate beside plain shapely on the same cells and points.

Baseline (no gridops code): per level an STRtree over the cells, a bounding-box query of all
points, prepared ``contains_xy`` on the candidate pairs, the code of the last hit kept.
gridops does the same work plus its documented tie-break (``intersects_xy``, lowest code wins
on shared edges). Single point: ``Grid.locate`` (levels + overlays) beside
``STRtree.query(point, predicate="intersects")`` on the same layers.

The ~120,000-cell grid is generated on first use into <data dir>/grids/pudong-bench (about a
minute) and reused; ``quick=True`` skips it.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import shapely

from gridops.benchmarking import BenchResult, Figure, best_rate, best_time
from gridops.grids import Grid, load_grid
from gridops.grids.generate import generate_grid_dir
from gridops.settings import DEFAULT_GRID, load_settings


def _points(grid: Grid, n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random points inside the grid's level-1 cells (found with plain shapely)."""
    cover = shapely.union_all([c.geometry for c in grid.cells_at(1)])
    shapely.prepare(cover)
    x0, y0, x1, y1 = cover.bounds
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    have = 0
    while have < n:
        x, y = rng.uniform(x0, x1, 2 * n), rng.uniform(y0, y1, 2 * n)
        keep = shapely.contains_xy(cover, x, y)
        xs.append(x[keep])
        ys.append(y[keep])
        have += int(keep.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


class PlainShapely:
    """The baseline: one STRtree per layer, nothing from gridops."""

    def __init__(self, layers: list[tuple[list[str], list[shapely.Geometry]]]) -> None:
        self.layers = []
        for codes, geoms in layers:
            arr = np.array(geoms, dtype=object)
            shapely.prepare(arr)
            self.layers.append((np.array(codes + [""]), arr, shapely.STRtree(arr)))

    def locate_many(self, x: np.ndarray, y: np.ndarray) -> list[npt.NDArray[np.str_]]:
        pts = shapely.points(x, y)
        out = []
        for codes, geoms, tree in self.layers:
            qi, ti = tree.query(pts)
            hit = shapely.contains_xy(geoms[ti], x[qi], y[qi])
            best = np.full(x.size, len(geoms))
            best[qi[hit]] = ti[hit]
            out.append(codes[best])
        return out

    def locate(self, x: float, y: float) -> list[str]:
        pt = shapely.Point(x, y)
        out = []
        for codes, _, tree in self.layers:
            hits = tree.query(pt, predicate="intersects")
            out.append(str(codes[hits.min()]) if hits.size else "")
        return out


def _layers(grid: Grid, overlays: bool) -> list[tuple[list[str], list[shapely.Geometry]]]:
    layers = [
        ([c.code for c in cells], [c.geometry for c in cells])
        for cells in (grid.cells_at(lv) for lv in range(1, grid.levels + 1))
    ]
    if overlays:
        layers += [([c.code for c in v], [c.geometry for c in v]) for v in grid.overlays.values()]
    return layers


def bulk_figure(label: str, grid: Grid, n: int, repeats: int) -> Figure:
    x, y = _points(grid, n)
    plain = PlainShapely(_layers(grid, overlays=False))
    ours = grid.locate_many(x, y)
    theirs = plain.locate_many(x, y)
    agree = float(np.mean([np.mean(a == b) for a, b in zip(ours, theirs, strict=True)]))
    value = best_rate(lambda: (grid.locate_many(x, y), n)[1], repeats=repeats)
    baseline = best_rate(lambda: (plain.locate_many(x, y), n)[1], repeats=repeats)
    cells = len(grid.cells_at(grid.levels))
    return Figure(
        f"locate_many {label} ({cells:,} unit cells, {grid.levels} levels)",
        value,
        "points/s",
        baseline,
        note=f"{n:,} points inside the grid; answers agree on {agree:.4%}",
    )


def single_figure(grid: Grid, n: int, repeats: int) -> Figure:
    x, y = _points(grid, n, seed=2)
    plain = PlainShapely(_layers(grid, overlays=True))

    def ours() -> None:
        for k in range(n):
            grid.locate(float(x[k]), float(y[k]))

    def theirs() -> None:
        for k in range(n):
            plain.locate(float(x[k]), float(y[k]))

    value = best_time(ours, repeats=repeats) / n * 1e6
    baseline = best_time(theirs, repeats=repeats) / n * 1e6
    return Figure(
        "locate one point (levels + overlays)",
        value,
        "µs",
        baseline,
        lower_is_better=True,
        note=f"mean over {n:,} points on the sample grid",
    )


def bench_grid() -> Path:
    """The ~120k-cell grid under the data dir, generated on first use."""
    folder = load_settings().data_dir / "grids" / "pudong-bench"
    if not (folder / "grid.yaml").is_file():
        generate_grid_dir(DEFAULT_GRID / "pudong_outline.geojson", folder, size="bench")
    return folder


def run(quick: bool = False) -> BenchResult:
    result = BenchResult("locate")
    sample = load_grid(DEFAULT_GRID)
    repeats = 3 if quick else 5
    result.add(bulk_figure("sample", sample, 50_000 if quick else 500_000, repeats))
    result.add(single_figure(sample, 500 if quick else 5_000, repeats))
    if not quick:
        t0 = time.perf_counter()
        big = load_grid(bench_grid())
        load_s = time.perf_counter() - t0
        figure = bulk_figure("bench", big, 500_000, repeats)
        result.add(figure)
        result.add(
            Figure(
                "load 120k-cell grid", load_s, "s", load_s, lower_is_better=True,
                note="no baseline: reported for scale",
            )
        )  # fmt: skip
    return result
