"""Import that an analyst can trust: the configured calendar and its one time zone, the
source deadline, open rows, unknown owner units, every bad row, allowed values named."""

from __future__ import annotations

import csv
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from gridops.cli import report as report_cli
from gridops.errors import ConfigError, UserError
from gridops.grids import load_grid
from gridops.metrics.mapping import load_mapping
from gridops.org import load_ops_config
from gridops.services.importing import import_history
from gridops.settings import DEFAULT_CONFIG_DIR, load_settings
from gridops.store import open_store
from gridops.tickets.calendar_config import load_calendar

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
HEADER = "id,cat,x,y,reported,dispatched,handled,closed,due,unit,src\n"
PLACE = "E0102,121.525285,31.243423"  # in sc-310115004's cell of the sample grid
NEW_YORK = """\
timezone: America/New_York
working_periods: [["09:00", "17:00"]]
weekend: [saturday, sunday]
statutory: none
"""
MAPPING = """\
id: id
columns: {category: cat, lon: x, lat: y, reported_at: reported, dispatched_at: dispatched,
          handled_at: handled, closed_at: closed, due_at: due, owner_unit: unit, source: src}
crs: GCJ-02
sources: {"311": hotline}
"""


@pytest.fixture
def city(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped config with a New York calendar; the environment points at it."""
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    (config / "calendar.yaml").write_text(NEW_YORK)
    (tmp_path / "mapping.yaml").write_text(MAPPING)
    for key, value in {
        "GRIDOPS_DATA_DIR": str(tmp_path),
        "GRIDOPS_DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}",
        "GRIDOPS_CONFIG_DIR": str(config),
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("GRIDOPS_TIMEZONE", raising=False)
    return tmp_path


def _write(folder: Path, rows: list[str]) -> Path:
    file = folder / "cases.csv"
    file.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return file


def _tickets(folder: Path) -> dict[str, object]:
    store = open_store(f"sqlite:///{folder / 'g.db'}")
    try:
        return {t.idempotency_key: t for t in store.find(limit=1000)}
    finally:
        store.close()


def test_the_calendar_holds_the_one_time_zone(city: Path) -> None:
    settings = load_settings()
    assert settings.timezone == "America/New_York"  # derived, not Asia/Shanghai
    with pytest.raises(ConfigError, match="differs from timezone 'America/New_York'"):
        load_settings({"GRIDOPS_CONFIG_DIR": str(city / "config"), "GRIDOPS_TIMEZONE": "UTC"})
    (city / "mapping.yaml").write_text(MAPPING + "timezone: Asia/Shanghai\n")
    file = _write(city, [f"A1,{PLACE},2026-10-07 09:00,,,,,sc-310115004,311"])
    with pytest.raises(UserError, match="differs from calendar.yaml's 'America/New_York'"):
        import_history(settings, file, load_mapping(city / "mapping.yaml"), now=NOW)


def test_new_york_times_and_deadlines_and_the_source_deadline(city: Path) -> None:
    rows = [  # Wednesday 2026-10-07, local New York times
        f"A1,{PLACE},2026-10-07 16:00,2026-10-07 16:30,2026-10-08 10:00,2026-10-08 11:00,,"
        "sc-310115004,311",
        f"A2,{PLACE},2026-10-07 16:00,2026-10-07 16:30,2026-10-08 10:00,2026-10-08 11:00,"
        "2026-10-20 17:00,sc-310115004,311",
    ]
    settings = load_settings()
    result = import_history(
        settings, _write(city, rows), load_mapping(city / "mapping.yaml"), now=NOW
    )
    assert (result.imported, result.bad) == (2, [])
    got = _tickets(city)
    a1, a2 = got["import:A1"], got["import:A2"]
    assert a1.created_at == datetime(2026, 10, 7, 20, 0, tzinfo=UTC)  # 16:00 EDT
    # E0102's limit runs on the New York working day 09:00–17:00, from 16:30 local
    calendar = load_calendar(city / "config" / "calendar.yaml")
    grid = load_grid(settings.grid_path)
    limit = load_ops_config(settings.config_dir, grid).taxonomy.categories["E0102"].time_limit
    dispatched = datetime(2026, 10, 7, 20, 30, tzinfo=UTC)
    assert a1.clock.due_at == calendar.deadline(dispatched, limit)
    shanghai = load_calendar(DEFAULT_CONFIG_DIR / "calendar.yaml")
    assert a1.clock.due_at != shanghai.deadline(dispatched, limit)
    assert a2.clock.due_at == datetime(2026, 10, 20, 21, 0, tzinfo=UTC)  # the source's own


def test_open_rows_unknown_units_and_sources_are_bad_rows_naming_the_fix(city: Path) -> None:
    rows = [
        f"B1,{PLACE},2026-10-07 09:00,2026-10-07 09:30,,,,sc-310115004,311",  # still open
        f"B2,{PLACE},2026-10-07 09:00,2026-10-07 09:30,2026-10-07 10:00,2026-10-07 11:00,,DOT,311",
        f"B3,{PLACE},2026-10-07 09:00,2026-10-07 09:30,2026-10-07 10:00,2026-10-07 11:00,,"
        "sc-310115004,email",
    ]
    result = import_history(
        load_settings(), _write(city, rows), load_mapping(city / "mapping.yaml"), now=NOW
    )
    assert result.imported == 0
    why = dict(result.bad)
    assert "no closed_at: an open case: not imported" in why[2]
    assert "close it in the source system and run this import again" in why[2]
    assert "report it anew through intake" in why[2] and result.open == 1
    assert "unknown owner unit 'DOT'" in why[3] and "sc-" in why[3]
    assert "unknown source 'email'; use one of: " in why[4] and "hotline" in why[4]
    assert _tickets(city) == {}


def test_an_all_bad_run_exits_1_and_lists_every_bad_row_in_a_file(city: Path) -> None:
    rows = [f"C{i},{PLACE},2026-10-07 09:00,,,,,DOT,311" for i in range(120)]
    file = _write(city, rows)
    app = typer.Typer()
    report_cli.register(app)
    res = CliRunner().invoke(
        app, ["import", "tickets", str(file), "--mapping", str(city / "mapping.yaml")]
    )
    assert res.exit_code == 1, res.output
    assert "imported 0, already there 0, bad rows 120" in res.stdout
    with (city / "cases.bad.csv").open(encoding="utf-8") as fh:
        listed = list(csv.reader(fh))
    assert len(listed) == 121 and listed[0] == ["line", "problem"]
    assert "all 120 in" in res.output


def test_many_rows_at_one_default_point_are_flagged(city: Path) -> None:
    closed = "2026-10-07 09:30,2026-10-07 10:00,2026-10-07 11:00,,sc-310115004,311"
    rows = [f"D{i},{PLACE},2026-10-07 09:00,{closed}" for i in range(19)]
    rows += [f"E{i},E0102,121.5{i:02d},31.243423,2026-10-07 09:00,{closed}" for i in range(5)]
    file = _write(city, rows)
    app = typer.Typer()
    report_cli.register(app)
    res = CliRunner().invoke(
        app, ["import", "tickets", str(file), "--mapping", str(city / "mapping.yaml")]
    )
    assert res.exit_code == 0, res.output
    assert "imported 24" in res.stdout
    assert "warning: 19 rows stand at exactly (121.525285, 31.243423)" in res.output
    assert res.output.count("warning:") == 1


def test_the_source_status_is_mappable(city: Path) -> None:
    mapping = MAPPING.replace("source: src}", "source: src, status: st}")
    (city / "mapping.yaml").write_text(mapping + "statuses: {Closed: closed, Open: open}\n")
    done = "2026-10-07 09:30,2026-10-07 10:00,2026-10-07 11:00,,sc-310115004,311"
    file = city / "cases.csv"
    file.write_text(
        HEADER.replace("src\n", "src,st\n")
        + f"S1,{PLACE},2026-10-07 09:00,{done},Closed\n"
        + f"S2,{PLACE},2026-10-07 09:00,{done},Open\n"
        + f"S3,{PLACE},2026-10-07 09:00,{done},Pending\n",
        encoding="utf-8",
    )
    result = import_history(load_settings(), file, load_mapping(city / "mapping.yaml"), now=NOW)
    assert result.imported == 1
    why = dict(result.bad)
    assert "'Open' is an open case: not imported; close it in the source system" in why[3]
    assert result.open == 1
    assert "status 'Pending' is not mapped; use one of: Closed, Open" in why[4]
    (city / "mapping.yaml").write_text(mapping)
    with pytest.raises(UserError, match="columns.status needs statuses"):
        load_mapping(city / "mapping.yaml")


def test_open_rows_are_counted_and_the_analyst_told_what_to_do(city: Path) -> None:
    closed = "2026-10-07 09:30,2026-10-07 10:00,2026-10-07 11:00,,sc-310115004,311"
    rows = [f"O{i},{PLACE},2026-10-07 09:00,2026-10-07 09:30,,,,sc-310115004,311" for i in range(3)]
    file = _write(city, [*rows, f"K1,{PLACE},2026-10-07 09:00,{closed}"])
    app = typer.Typer()
    report_cli.register(app)
    args = ["import", "tickets", str(file), "--mapping", str(city / "mapping.yaml")]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "imported 1, already there 0, bad rows 3" in res.stdout
    assert "3 of the bad rows are cases still open in the source system" in res.output
    assert "run this same import again once they have closed" in res.output
    again = CliRunner().invoke(app, args)  # once closed, the same file again: K1 is skipped
    assert "imported 0, already there 1, bad rows 3" in again.stdout
