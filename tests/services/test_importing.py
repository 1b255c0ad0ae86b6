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
