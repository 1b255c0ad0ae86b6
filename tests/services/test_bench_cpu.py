"""Smoke run of bench/cpu.py in quick mode: both sides counted under valgrind, beside each other."""

from __future__ import annotations

import os
import shutil

import pytest

from gridops.cli.bench import run_bench


@pytest.fixture
def valgrind() -> None:
    if shutil.which("valgrind") is None:
        if os.environ.get("GRIDOPS_TEST_REQUIRE_VALGRIND") == "1":
            pytest.fail("valgrind is required here (CI installs it: apt-get install valgrind)")
        pytest.skip("bench cpu needs valgrind (apt-get install valgrind)")


@pytest.mark.slow
@pytest.mark.usefixtures("valgrind")
def test_quick_cpu_bench_counts_both_sides():
    result = run_bench("cpu", quick=True)
    total, worker = result.figures
    assert total.name == "instructions per routed ticket" and total.lower_is_better
    # both sides did real work; the worker's share is part of the whole
    assert 0 < worker.value < total.value and 0 < worker.baseline < total.baseline
    assert "callgrind" in total.note
