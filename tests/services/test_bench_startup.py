"""bench/startup.py runs (quick) and reports each figure beside its baseline; no timing asserts."""

from __future__ import annotations

from gridops.cli.bench import run_bench


def test_quick_startup_bench_reports_figures() -> None:
    result = run_bench("startup", quick=True).to_dict()
    assert result["bench"] == "startup"
    names = [f["name"] for f in result["figures"]]
    assert names == [
        "start to the first answer, one server (sample grid)",
        "start to the first answer, two at once (sample grid)",
        "USS of a server (sample grid)",
        "PSS of a server (sample grid)",
        "gridops config check --fresh (sample grid)",
        "gridops config check, same content again (sample grid)",
    ]
    for figure in result["figures"]:
        assert figure["value"] > 0 and figure["baseline"] > 0 and figure["ratio"] > 0
