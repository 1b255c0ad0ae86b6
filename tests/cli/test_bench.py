"""gridops bench: which benchmarks there are, and the shared harness that is not one."""

from __future__ import annotations

import pytest

from gridops.benchmarking import bench_module
from gridops.cli.bench import available, run_bench
from gridops.errors import UserError


def test_every_benchmark_is_listed_and_the_harness_is_not():
    names = available()
    assert {"address", "cpu", "pipeline", "sweeper", "http", "locate", "store"} <= set(names)
    assert not any(n.startswith("_") for n in names)


@pytest.mark.parametrize("name", ["_harness", "nosuch"])
def test_what_is_not_a_benchmark_is_refused_with_the_list(name):
    with pytest.raises(UserError, match=f"no benchmark '{name}'.*available: .*cpu"):
        run_bench(name)


def test_bench_modules_are_loaded_once_and_shared():
    harness = bench_module("_harness")
    assert bench_module("_harness") is harness
    assert bench_module("pipeline").h is harness  # the pipeline bench uses the same one
    with pytest.raises(FileNotFoundError):
        bench_module("nosuch")
