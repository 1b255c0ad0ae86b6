"""Smoke run of bench/sweeper.py in quick mode: each figure beside its same-run baseline."""

from __future__ import annotations

import pytest

from gridops.cli.bench import run_bench


@pytest.mark.slow
def test_quick_sweeper_bench_reports_figures_with_baselines() -> None:
    result = run_bench("sweeper", quick=True)
    names = [f.name for f in result.figures]
    assert names == ["sweep, nothing new", "sweep after 100 dispatches"]
    for figure in result.figures:
        assert figure.value > 0 and figure.baseline > 0 and figure.lower_is_better
        assert "running tickets" in figure.note
