"""Import of history: closed tickets at their own times, bad rows by line, idempotent by row id."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from gridops.errors import UserError
from gridops.metrics.mapping import load_mapping
from gridops.services.importing import count_rows, import_history
from gridops.settings import load_settings
from gridops.store import open_store

DATA = Path(__file__).resolve().parents[1] / "metrics" / "data"
SAMPLE = DATA / "history.csv"
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def settings_in(tmp_path: Path):
    return load_settings({"GRIDOPS_DATA_DIR": str(tmp_path),
                          "GRIDOPS_DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}"})  # fmt: skip


def test_history_is_imported_once_with_bad_rows_by_line(tmp_path: Path):
    settings, mapping = settings_in(tmp_path), load_mapping(DATA / "mapping.yaml")
    seen: list[int] = []
    first = import_history(settings, SAMPLE, mapping, progress=seen.append, now=NOW)
    assert (first.imported, first.known) == (3, 0)
    assert [line for line, _ in first.bad] == [4, 5, 6, 7, 8]
    assert seen == [count_rows(SAMPLE)]  # one batch of 1000 holds the whole sample
    again = import_history(settings, SAMPLE, mapping, now=NOW)
    assert (again.imported, again.known, len(again.bad)) == (0, 4, 4)
    store = open_store(settings.database_url)
    try:
        assert store.count() == 3 and store.verify_chains() == []
    finally:
        store.close()


def test_a_header_without_a_mapped_column_writes_nothing(tmp_path: Path):
    settings, mapping = settings_in(tmp_path), load_mapping(DATA / "mapping.yaml")
    bad = tmp_path / "bad.csv"
    bad.write_text("nothing,here\n1,2\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"bad.csv: mapped column\(s\) not in the header: "):
        import_history(settings, bad, mapping, now=NOW)
    with pytest.raises(UserError, match=r"missing.csv: file not found"):
        import_history(settings, tmp_path / "missing.csv", mapping, now=NOW)
    assert not (tmp_path / "g.db").exists()


def test_batches_write_every_row_once_and_report_progress(tmp_path: Path):
    settings, mapping = settings_in(tmp_path), load_mapping(DATA / "mapping.yaml")
    seen: list[int] = []
    result = import_history(settings, SAMPLE, mapping, batch=2, progress=seen.append, now=NOW)
    assert sum(seen) == count_rows(SAMPLE) and max(seen) == 2
    assert result.imported == 3  # a row id repeated in a later batch counts as already there
    assert result.known + len(result.bad) + result.imported == count_rows(SAMPLE)


HEADER = SAMPLE.read_text(encoding="utf-8").splitlines()[0] + "\n"
PLACE = "E0102,121.525285,31.243423"


def test_times_outside_the_window_are_bad_rows_and_none_of_them_is_written(tmp_path: Path):
    """9999-12-31 once made routing fail forever and the rollups build ~2.9 million days;
    0001-01-01 crashed the whole import. Both are bad rows now, with their line numbers."""
    rows = [
        f"F1,{PLACE},9999-12-31 23:59,,,,sc-310115004,,,监督员,否",
        f"F2,{PLACE},0001-01-01 00:00,,,,sc-310115004,,,监督员,否",
        f"F3,{PLACE},1999-12-31 23:59,1999-12-31 23:59,1999-12-31 23:59,1999-12-31 23:59,"
        "sc-310115004,,,监督员,否",
        f"F4,{PLACE},2026-10-08 09:00,2026-10-08 09:10,2026-10-08 11:00,9999-01-01 00:00,"
        "sc-310115004,,,监督员,否",
        f"F5,{PLACE},2026-11-25 10:01,,,,sc-310115004,,,监督员,否",
        "F6,E0102,nan,31.243423,2026-10-08 09:00,,,,sc-310115004,,,监督员,否",
        f"F7,{PLACE},2026-11-25 09:59,2026-11-25 09:59,2026-11-25 09:59,2026-11-25 09:59,"
        "sc-310115004,,,监督员,否",
    ]
    file = tmp_path / "cases.csv"
    file.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    settings, mapping = settings_in(tmp_path), load_mapping(DATA / "mapping.yaml")
    result = import_history(settings, file, mapping, now=NOW)
    assert (result.imported, result.known) == (1, 0)  # F7: within a day of now
    window = "lies outside 2000-01-01 .. 2026-11-25 10:00 (the mapping's earliest .. now + 1 day)"
    assert result.bad == [
        (2, f"column '上报时间': '9999-12-31 23:59' {window}; fix the date, or set earliest in "
            "the mapping"),
        (3, f"column '上报时间': '0001-01-01 00:00' {window}; fix the date, or set earliest in "
            "the mapping"),
        (4, f"column '上报时间': '1999-12-31 23:59' {window}; fix the date, or set earliest in "
            "the mapping"),
        (5, f"column '结案时间': '9999-01-01 00:00' {window}; fix the date, or set earliest in "
            "the mapping"),
        (6, f"column '上报时间': '2026-11-25 10:01' {window}; fix the date, or set earliest in "
            "the mapping"),
        (7, "column '经度': 'nan' is not a number"),
    ]  # fmt: skip
    store = open_store(settings.database_url)
    try:
        assert store.count() == 1 and store.verify_chains() == []
    finally:
        store.close()
    earlier = tmp_path / "mapping.yaml"
    text = (DATA / "mapping.yaml").read_text(encoding="utf-8")
    earlier.write_text(text + "earliest: 1999-01-01\n", encoding="utf-8")
    again = import_history(settings, file, load_mapping(earlier), now=NOW)
    assert (again.imported, again.known, [line for line, _ in again.bad]) == (1, 1, [2, 3, 5, 6, 7])
