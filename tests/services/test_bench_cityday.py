"""bench/cityday.py: the day's curve (a 3× peak hour), its schedules, and the bench's options
(cityday's own, and left out of ``gridops bench all``); the whole run is a benchmark, not a
test (it needs PostgreSQL and minutes)."""

from __future__ import annotations

import random

import pytest

from gridops.benchmarking import bench_module
from gridops.cli.bench import in_all, run_bench
from gridops.errors import UserError

cityday = bench_module("cityday")


def test_the_curve_shares_the_day_and_its_peak_hour_is_three_times_the_mean() -> None:
    shares = cityday.curve()
    assert sum(shares) == pytest.approx(1.0)
    assert max(shares) == pytest.approx(cityday.PEAK / 24)
    assert shares.index(max(shares)) == cityday.PEAK_HOUR
    assert min(shares) > 0


def test_a_compressed_day_keeps_its_volume_and_curve() -> None:
    times = cityday.day_schedule(70_000, 1200.0, random.Random(1))
    assert abs(len(times) - 70_000) <= 24  # rounded hour by hour
    assert times == sorted(times) and times[0] >= 0 and times[-1] < 1200.0
    start = cityday.PEAK_HOUR * 1200.0 / 24
    busiest = sum(1 for t in times if start <= t < start + 1200.0 / 24)
    assert busiest == pytest.approx(3 * 70_000 / 24, rel=0.001)


def test_the_real_pace_is_the_peak_hours() -> None:
    times = cityday.real_pace_schedule(70_000, 120.0, random.Random(1))
    assert len(times) == round(70_000 * 3 / 24 / 3600 * 120)  # ~2.4 reports a second
    assert all(0 <= t < 120.0 for t in times)


def test_cityday_is_left_out_of_all_and_its_options_are_its_own() -> None:
    assert not in_all("cityday") and in_all("pipeline")
    with pytest.raises(UserError, match="bench pipeline has no --minutes option"):
        run_bench("pipeline", quick=True, minutes=1.0)
