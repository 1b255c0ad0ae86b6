"""gridops report / replay / import tickets through the CLI, on a real SQLite store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from gridops.cli import report as report_cli
from gridops.errors import UserError
from gridops.settings import load_settings
from gridops.store import open_store

DATA = Path(__file__).resolve().parents[1] / "metrics" / "data"
SAMPLE = DATA / "history.csv"
MAPPING = DATA / "mapping.yaml"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GRIDOPS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GRIDOPS_DATABASE_URL", f"sqlite:///{tmp_path / 'g.db'}")
    app = typer.Typer()
    report_cli.register(app)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=True)

    return run


def imported(cli) -> None:
    res = cli("import", "tickets", str(SAMPLE), "--mapping", str(MAPPING))
    assert res.exit_code == 0, res.output
    return res


def test_import_reports_bad_rows_and_is_idempotent(cli):
    res = imported(cli)
    assert "imported 3, already there 0, bad rows 5" in res.stdout
    for line in (4, 5, 6, 7, 8):
        assert f"history.csv:{line}:" in res.stderr
    assert "is not a number" in res.stderr and "outside the grid" in res.stderr
    assert "unknown category 'E9999'" in res.stderr and "repeats an earlier row" in res.stderr
    again = imported(cli)
    assert "imported 0, already there 4, bad rows 4" in again.stdout
    store = open_store(load_settings().database_url)
    try:
        assert store.count() == 3
        assert store.verify_chains() == []
        h1 = store.find(owner_unit="sc-310115004")[0]
        assert h1.status.value == "evaluated" and h1.satisfaction == 5
        assert h1.reported_at.isoformat() == "2026-10-08T01:00:00+00:00"  # 09:00 Shanghai
        assert [e.type for e in store.events(h1.id)] == [
            "report", "dispatch", "accept", "handle", "check_pass", "evaluate"
        ]  # fmt: skip
    finally:
        store.close()


@pytest.mark.parametrize("exact", [False, True])
def test_report_json_after_import(cli, exact: bool):
    imported(cli)
    args = ["report", "--by", "unit", "--period", "2026-10", "--format", "json"]
    res = cli(*args, *(["--exact"] if exact else []))
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    rows = {r["key"]: r for r in doc["rows"]}
    assert set(rows) == {"sc-310115004", "sc-310115010", "gw-310115004001002"}
    sc = rows["sc-310115004"]
    assert sc["name_zh"].endswith("城运分中心") and sc["name_en"]
    assert sc["indicators"]["satisfaction"] == {"value": 1.0, "n": 1}
    assert sc["grade"] is None  # n = 1 < min_n
    onsite = rows["gw-310115004001002"]["indicators"]["onsite_resolution"]
    assert onsite == {"value": 1.0, "n": 1}
    assert all("active_discovery" in r["indicators"] for r in rows.values())  # 主动发现率


def test_report_formats_and_levels(cli):
    imported(cli)
    res = cli("report", "--by", "l1", "--period", "2026-10-08..2026-10-09", "--format", "csv")
    assert res.exit_code == 0, res.output
    lines = res.stdout.strip().splitlines()
    assert lines[0].startswith("key,name_zh,name_en,n,registration_rate,registration_rate_n")
    assert "report_to_dispatch_median_h,report_to_dispatch_p90_nearest_rank_h" in lines[0]
    assert ",active_discovery,active_discovery_n" in lines[0]
    assert {ln.split(",")[0] for ln in lines[1:]} == {"310115004", "310115010"}
    table = cli("report", "--by", "l3", "--period", "2026-W41")
    assert table.exit_code == 0 and "report by l3" in table.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--by", "street", "--period", "2026-10"], "--by 'street'"),
        (["--period", "2026-13"], "period '2026-13'"),
        (["--period", "2026-10", "--format", "xml"], "--format 'xml'"),
        (["--period", "0001-01"], "period '0001-01' lies outside the years 1900 to 9000"),
    ],
)
def test_report_bad_input(cli, args, message):
    res = cli("report", *args)
    assert isinstance(res.exception, UserError) and message in str(res.exception)


def test_import_bad_mapping_names_the_key(cli, tmp_path: Path):
    bad = tmp_path / "m.yaml"
    bad.write_text(MAPPING.read_text(encoding="utf-8") + "colour: red\n", encoding="utf-8")
    res = cli("import", "tickets", str(SAMPLE), "--mapping", str(bad))
    assert isinstance(res.exception, UserError) and "unknown key 'colour'" in str(res.exception)
    missing = tmp_path / "x.csv"
    missing.write_text("a,b\n1,2\n", encoding="utf-8")
    res = cli("import", "tickets", str(missing), "--mapping", str(MAPPING))
    assert isinstance(res.exception, UserError) and "not in the header" in str(res.exception)


def test_replay_same_grid_and_config_moves_nothing(cli, tmp_path: Path):
    incidents = tmp_path / "inc.csv"
    incidents.write_text(
        "id,category,lon,lat,crs\n"
        "a,E0102,121.525285,31.243423,GCJ-02\n"
        "b,E0104,121.514907,31.187237,GCJ-02\n"
        "c,E0102,116.4,39.9,GCJ-02\n",
        encoding="utf-8",
    )
    settings = load_settings()
    res = cli("replay", "--tickets", str(incidents), "--config", str(settings.config_dir),
              "--json")  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["total"] == 3 and doc["moved"] == 0
    assert sum(w["before"] for w in doc["workload"]) == 3
    assert {"unit": "(outside the grid)", "before": 1, "after": 1, "change": 0} in doc["workload"]
    res = cli("replay", "--tickets", str(incidents))
    assert isinstance(res.exception, UserError) and "--grid" in str(res.exception)


def test_bench_results_and_readme_table(tmp_path: Path):
    from gridops.benchmarking import BenchResult, Figure
    from gridops.cli.bench import END, START, all_results, write_results

    r = BenchResult("report")
    r.add(Figure("sqlite: report by unit, month", 12.5, "ms", 25.0, lower_is_better=True))
    doc = all_results([r], quick=True)
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{START}\nold\n{END}\nafter\n", encoding="utf-8")
    out = tmp_path / "results.json"
    write_results(doc, readme, out)
    text = readme.read_text(encoding="utf-8")
    assert "old" not in text and text.endswith(f"{END}\nafter\n")
    assert "| report | sqlite: report by unit, month | 12.5 ms | 25 ms | 2 |" in text
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["benches"][0]["figures"][0]["ratio"] == 2.0 and saved["cpus"]
    bare = tmp_path / "bare.md"
    bare.write_text("no markers\n", encoding="utf-8")
    with pytest.raises(UserError, match="markers"):
        write_results(doc, bare, tmp_path / "r2.json")
    assert not (tmp_path / "r2.json").exists()


def test_an_import_where_every_row_is_bad_exits_1(cli, tmp_path: Path):
    head = SAMPLE.read_text(encoding="utf-8").splitlines()[0]
    place = "E0102,121.525285,31.243423"
    bad = tmp_path / "far.csv"
    bad.write_text(f"{head}\nF1,{place},9999-12-31 23:59,,,,sc-310115004,,,监督员,否\n"
                   f"F2,{place},0001-01-01 00:00,,,,sc-310115004,,,监督员,否\n")  # fmt: skip
    res = cli("import", "tickets", str(bad), "--mapping", str(MAPPING))
    assert res.exit_code == 1, res.output
    assert "imported 0, already there 0, bad rows 2" in res.stdout
    assert (
        "far.csv:2: column '上报时间': '9999-12-31 23:59' lies outside 2000-01-01 .. " in res.stderr
    )
    assert "far.csv:3: column '上报时间': '0001-01-01 00:00' lies outside" in res.stderr
    assert res.stderr.strip().endswith(
        f"error: {bad}: no row could be imported; fix the bad rows above"
    )
    assert "Traceback" not in res.output


@pytest.mark.parametrize("lon", ["nan", "inf", "east"])
def test_replay_refuses_a_location_that_is_not_a_number(cli, tmp_path: Path, lon: str):
    incidents = tmp_path / "inc.csv"
    incidents.write_text(f"id,category,lon,lat\n1,E0102,121.5,31.2\n2,E0102,{lon},31.2\n")
    res = cli("replay", "--tickets", str(incidents), "--config", str(DATA.parents[2] / "config"))
    assert isinstance(res.exception, UserError)
    assert str(res.exception) == f"{incidents}: line 3: lon/lat {lon!r}, '31.2' are not numbers"
