"""Start-up of a process: from a fresh interpreter to a loaded service context (grid, config,
routing, store), and the process's peak memory — with the totality proof recorded for this
content (gridops.services.proof_cache) against the same run's baseline, a process that must
prove it (today's cold start). Fresh processes, alternating, best of each.

Full: the ~120k-cell bench grid (generated under the data dir on first use, as bench/locate.py
makes it). Quick: the shipped Pudong sample.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from gridops.benchmarking import BenchResult, Figure, bench_module
from gridops.settings import DEFAULT_GRID

PROBE = (
    "import json, resource, time\n"
    "t0 = time.perf_counter()\n"
    "from gridops.services.context import build_context\n"
    "build_context().close()\n"
    "print(json.dumps({'s': time.perf_counter() - t0,\n"
    "                  'mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))\n"
)


def _start(grid: Path, data: Path) -> tuple[float, float]:
    env = dict(os.environ, GRIDOPS_GRID=str(grid), GRIDOPS_DATA_DIR=str(data))
    for name in ("GRIDOPS_CONFIG_DIR", "GRIDOPS_DATABASE_URL"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                          text=True, check=True, timeout=1800)  # fmt: skip
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return float(out["s"]), float(out["mb"])


def run(quick: bool = False) -> BenchResult:
    result = BenchResult("startup")
    grid = DEFAULT_GRID if quick else bench_module("locate").bench_grid()
    label = "sample grid" if quick else "120k-cell bench grid"
    cold: list[tuple[float, float]] = []
    warm: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory(prefix="gridops-startup-") as tmp:
        data = Path(tmp)
        for _ in range(2):
            shutil.rmtree(data / "cache", ignore_errors=True)
            cold.append(_start(grid, data))  # proves, and records the verdict
            warm.append(_start(grid, data))
    note = f"{label}; fresh processes, alternating, best of {len(cold)}"
    result.add(Figure(f"start to a loaded context ({label})", min(s for s, _ in warm), "s",
                      min(s for s, _ in cold), lower_is_better=True,
                      note=f"{note}; baseline: the proof runs"))  # fmt: skip
    result.add(Figure(f"peak RSS of that process ({label})", min(m for _, m in warm), "MB",
                      min(m for _, m in cold), lower_is_better=True,
                      note=f"{note}; the grid's own memory is not addressed"))  # fmt: skip
    return result
