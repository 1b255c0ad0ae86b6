"""bench/pipeline.py runs (quick): every figure beside its same-run baseline; no timing asserts."""

from __future__ import annotations

from gridops.cli.bench import run_bench


def test_quick_pipeline_bench_reports_figures() -> None:
    result = run_bench("pipeline", quick=True).to_dict()
    names = [f["name"] for f in result["figures"]]
    assert names == ["throughput", "throughput, median burst", "throughput, every stage running",
                     "latency p50 at 50/s", "latency p99 at 50/s"]  # fmt: skip
    for figure in result["figures"]:
        assert figure["value"] > 0 and figure["baseline"] > 0 and figure["ratio"] > 0
    assert "routing queue only" in result["figures"][0]["note"]
