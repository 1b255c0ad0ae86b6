"""Smoke run of bench/http.py in quick mode: both servers answer every request, and each figure
has its same-run baseline (no timing thresholds)."""

from __future__ import annotations

import pytest

from gridops.cli.bench import run_bench


@pytest.mark.slow
def test_quick_http_bench_reports_figures_with_baselines() -> None:
    result = run_bench("http", quick=True)
    names = [f.name for f in result.figures]
    assert names == ["open311_post_rps", "open311_post_p50_ms", "open311_post_p99_ms"]
    assert all(f.value > 0 and f.baseline > 0 for f in result.figures)
