"""The benchmark convention: every figure beside a baseline measured in the same run.

A benchmark in bench/NAME.py defines ``run(quick: bool = False) -> BenchResult``; what
several share lives in bench/_harness.py (:func:`bench_module`: bench/ is loaded by path,
never put on ``sys.path``, where bench/http.py would shadow the standard library's ``http``).
``gridops bench NAME --json`` prints, as its last line, one JSON object::

    {"bench": NAME, "figures": [{"name", "value", "unit", "baseline", "ratio"}, ...],
     "cpus": N, "commit": SHA}

``ratio`` is value / baseline for rates (higher is better) and baseline / value for times
(``lower_is_better=True``), so a ratio above 1 always means gridops did better than the
baseline.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from types import ModuleType
from typing import Any

from gridops.settings import REPO_ROOT


@dataclass(frozen=True)
class Figure:
    """One measured figure and its same-run baseline."""

    name: str
    value: float
    unit: str
    baseline: float
    lower_is_better: bool = False
    note: str = ""

    @property
    def ratio(self) -> float:
        if self.lower_is_better:
            return self.baseline / self.value if self.value else float("inf")
        return self.value / self.baseline if self.baseline else float("inf")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ratio"] = round(self.ratio, 3)
        return d


@dataclass
class BenchResult:
    """All figures of one benchmark run."""

    bench: str
    figures: list[Figure] = field(default_factory=list)

    def add(self, figure: Figure) -> None:
        self.figures.append(figure)

    def to_dict(self) -> dict[str, Any]:
        return {
            "bench": self.bench,
            "figures": [f.to_dict() for f in self.figures],
            "cpus": os.cpu_count(),
            "commit": current_commit(),
        }


BENCH_DIR = REPO_ROOT / "bench"


def bench_module(name: str) -> ModuleType:
    """bench/NAME.py, loaded by its path once per process (FileNotFoundError if absent)."""
    key = f"gridops_bench_{name}"
    if key in sys.modules:
        return sys.modules[key]
    path = BENCH_DIR / f"{name}.py"
    if not path.is_file():
        raise FileNotFoundError(path)
    spec = importlib.util.spec_from_file_location(key, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[key] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[key]
        raise
    return module


def current_commit() -> str:
    """The checked-out commit, or "unknown" outside a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def best_rate(fn: Callable[[], int], *, repeats: int = 5) -> float:
    """Items per second of ``fn`` (which returns how many items it did), best of ``repeats``.

    Best-of-N is the least noisy estimate on a shared machine.
    """
    best = 0.0
    for _ in range(repeats):
        t0 = time.perf_counter()
        n = fn()
        dt = time.perf_counter() - t0
        best = max(best, n / dt if dt > 0 else 0.0)
    return best


def best_time(fn: Callable[[], object], *, repeats: int = 5) -> float:
    """Seconds of the fastest of ``repeats`` calls of ``fn``."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best
