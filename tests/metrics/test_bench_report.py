"""Smoke test of bench/report.py on a tiny data set (no timing asserts)."""

from __future__ import annotations

import importlib.util

from gridops.settings import REPO_ROOT


def test_report_bench_runs_on_a_tiny_set():
    spec = importlib.util.spec_from_file_location("bench_report", REPO_ROOT / "bench/report.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.run(n=300, pg=False)
    names = [f.name for f in result.figures]
    assert "sqlite: report by unit, month (300 tickets)" in names
    assert all(f.value > 0 and f.baseline > 0 for f in result.figures)
