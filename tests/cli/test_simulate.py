"""`gridops simulate --days N` through the CLI on a real SQLite store: simulated days, the
summary as JSON, and `gridops report` reading the same days afterwards; mistakes are one-line
errors naming the option."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from gridops.cli import report as report_cli
from gridops.cli import runtime as runtime_cli
from gridops.errors import UserError


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GRIDOPS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GRIDOPS_DATABASE_URL", f"sqlite:///{tmp_path / 'g.db'}")
    monkeypatch.setenv("GRIDOPS_REDIS_URL", "redis://127.0.0.1:9")  # nothing listens there
    app = typer.Typer()
    runtime_cli.register(app)
    report_cli.register(app)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=True)

    return run


def test_simulated_day_then_the_report_reads_it(cli) -> None:
    res = cli("simulate", "--fast", "--days", "1", "--per-hour", "3", "--seed", "2", "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    start = datetime.fromisoformat(doc["start"])
    assert start.astimezone(UTC) + timedelta(days=1) <= datetime.now(UTC)
    assert start.isoweekday() == 1 and (start.hour, start.minute) == (8, 0)  # Monday 08:00
    total = doc["rows"][-1]
    assert total["name"] == "合计 total" and total["reported"] == doc["submitted"] > 20
    assert sum(doc["by_status"].values()) == doc["submitted"]
    assert "day 1 to" in res.stderr  # progress goes to stderr with --json
    command = doc["report"].split()
    assert command[:2] == ["gridops", "report"]
    rep = cli(*command[1:], "--format", "json")
    assert rep.exit_code == 0, rep.output
    rows = json.loads(rep.stdout)["rows"]
    assert sum(r["n"] for r in rows) == doc["submitted"]


def test_the_table_names_the_report_command(cli) -> None:
    res = cli("simulate", "--days", "0.25", "--per-hour", "2", "--start", "2026-11-02T08:00")
    assert res.exit_code == 0, res.output
    assert "simulated days from 2026-11-02 08:00 +0800" in res.stdout
    assert "合计" in res.stdout and "督办" in res.stdout
    assert "gridops report --by l1 --period 2026-11-02..2026-11-02" in res.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--days", "1", "--workers", "2"], "drop --workers"),
        (["--days", "1", "--rate", "3"], "--per-hour"),
        (["--days", "1", "--count", "9"], "ends by itself"),
        (["--days", "1", "--per-hour", "0"], "--per-hour must be > 0"),
        (["--days", "1", "--slow-staff", "2"], "--slow-staff must be within 0..1"),
        (["--days", "1", "--start", "next monday"], "not an ISO 8601 time"),
        (["--days", "3", "--start", "2999-01-04T08:00+08:00"], "after the wall clock"),
        (["--days", "1", "--start", "9999-12-31T08:00+08:00"], "lies before 2000-01-01 or past"),
        (["--days", "1", "--start", "0001-01-01T00:00+08:00"], "give a time from 2000 up to now"),
        (["--days", "1", "--start", "1999-12-31T23:59+00:00"], "lies before 2000-01-01"),
        (["--start", "2026-11-02T08:00+08:00", "--count", "5"], "give --days N with it"),
        ([], "--duration S or --count N"),
    ],
)
def test_mistakes_are_named(cli, args: list[str], words: str) -> None:
    res = cli("simulate", *args)
    assert isinstance(res.exception, UserError), res.output
    assert words in str(res.exception)
