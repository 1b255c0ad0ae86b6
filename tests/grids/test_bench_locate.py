"""bench/locate.py runs (quick) and reports each figure beside its baseline; no timing asserts."""

from __future__ import annotations

from gridops.cli.bench import run_bench


def test_quick_locate_bench_reports_figures() -> None:
    result = run_bench("locate", quick=True).to_dict()
    assert result["bench"] == "locate"
    names = [f["name"] for f in result["figures"]]
    assert names[0].startswith("locate_many sample") and names[1].startswith("locate one point")
    for figure in result["figures"]:
        assert figure["value"] > 0 and figure["baseline"] > 0 and figure["ratio"] > 0
    assert "agree on 100.0000%" in result["figures"][0]["note"]
