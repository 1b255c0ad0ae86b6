"""Smoke run of bench/store.py in quick mode: it reports a figure beside its baseline."""

from __future__ import annotations

import pytest

from gridops.cli.bench import run_bench


@pytest.mark.slow
def test_quick_store_bench_reports_figures_with_baselines():
    result = run_bench("store", quick=True)
    assert result.figures and result.figures[0].name.startswith("sqlite")
    assert all(f.value > 0 and f.baseline > 0 for f in result.figures)
