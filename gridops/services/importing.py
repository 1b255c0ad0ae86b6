"""Import of history (历史案件导入): historical cases in as closed tickets.

Each CSV row is parsed by the column mapping (gridops.metrics.mapping), placed in the grid,
numbered from the same per-day counters as intake and written with its whole event history at
the historical times (hash chains valid). Idempotent by the mapping's row id (``import:<id>``);
a bad row is kept with its line number and skipped, never half-written. At the end the daily
rollups of the imported days are refreshed, if rollups are kept.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from gridops.errors import UserError
from gridops.grids import load_grid
from gridops.metrics import load_indicator_config
from gridops.metrics.history import history
from gridops.metrics.mapping import ImportMapping, parse_row
from gridops.metrics.replay import place
from gridops.org import load_ops_config
from gridops.settings import Settings
from gridops.store import open_store
from gridops.store.bulk import insert_histories, known_keys, reserve_numbers
from gridops.store.rollups import RollupParams, refresh_rollups, rollups_fresh
from gridops.tickets import case_number

Row = tuple[int, dict[str, str]]  # (CSV line number, the row by column)


@dataclass
class ImportResult:
    """What an import did: rows written, rows already there, and the bad rows (line, why)."""

    imported: int = 0
    known: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)


def count_rows(file: Path) -> int:
    """Data rows in a CSV file (lines after the header), for a progress bar."""
    with file.open(encoding="utf-8-sig", newline="") as fh:
        return max(sum(1 for _ in fh) - 1, 0)


def import_history(
    settings: Settings,
    file: Path,
    mapping: ImportMapping,
    *,
    batch: int = 1000,
    progress: Callable[[int], None] | None = None,
    now: datetime,
) -> ImportResult:
    """Import ``file`` a ``batch`` of rows per transaction; ``progress(n)`` after each batch.
    A missing file or a mapped column missing from the header is a UserError; nothing is
    written then. Bad rows come back sorted by line."""
    if not file.is_file():
        raise UserError(f"{file}: file not found")
    with file.open(encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh), [])
    missing = [c for c in mapping.needed() if c not in header]
    if missing:
        raise UserError(f"{file}: mapped column(s) not in the header: {', '.join(missing)}")
    importer = Importer(settings, mapping, now=now)
    try:
        for chunk in _chunks(file, batch):
            importer.add(chunk)
            if progress:
                progress(len(chunk))
        importer.finish(now)
    finally:
        importer.close()
    importer.result.bad.sort()
    return importer.result


def _chunks(file: Path, batch: int) -> Iterator[list[Row]]:
    with file.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        chunk: list[Row] = []
        for row in reader:
            chunk.append((reader.line_num, row))
            if len(chunk) >= batch:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


class Importer:
    """Parses, places and writes rows a chunk at a time; keeps the bad rows and the counts."""

    def __init__(self, settings: Settings, mapping: ImportMapping, *, now: datetime) -> None:
        self.mapping = mapping
        self.now = now  # times past now + 1 day are bad rows
        self.grid = load_grid(settings.grid_path)
        self.taxonomy = load_ops_config(settings.config_dir, self.grid, verify=False).taxonomy
        self.store = open_store(settings.database_url, timezone=settings.timezone)
        self.tz = settings.timezone
        self.config_dir = Path(settings.config_dir)
        self.result = ImportResult()
        self.days: set[date] = set()

    def add(self, rows: list[Row]) -> None:
        """Parse, place and write one chunk in one transaction (known row ids are skipped)."""
        bad = self.result.bad
        parsed = []
        for line, row in rows:
            try:
                case = parse_row(row, self.mapping, now=self.now)
                if case.category not in self.taxonomy.categories:
                    raise UserError(f"unknown category {case.category!r}")
                parsed.append((line, case))
            except UserError as exc:
                bad.append((line, str(exc)))
        if not parsed:
            return
        known = known_keys(self.store, [f"import:{c.row_id}" for _, c in parsed])
        fresh = [(ln, c) for ln, c in parsed if f"import:{c.row_id}" not in known]
        self.result.known += len(parsed) - len(fresh)
        spots = place(self.grid, [c.lon for _, c in fresh], [c.lat for _, c in fresh],
                      self.mapping.crs)  # fmt: skip
        placed = []
        for (line, case), spot in zip(fresh, spots, strict=True):
            if spot is None:
                bad.append((line, f"({case.lon}, {case.lat}) is outside the grid"))
            else:
                placed.append((line, replace(case, cells=spot[0])))
        seen: set[str] = set()
        unique = []
        for line, case in placed:
            if case.row_id in seen:
                bad.append((line, f"row id {case.row_id!r} repeats an earlier row"))
            else:
                seen.add(case.row_id)
                unique.append((line, case))
        serials = reserve_numbers(self.store, [(c.reported_at, c.category) for _, c in unique])
        made = []
        for (line, case), serial in zip(unique, serials, strict=True):
            day = case.reported_at.astimezone(self.store.tz)
            number = case_number(case.kind, case.category, day.strftime("%Y%m%d"), serial)
            limit = self.taxonomy.categories[case.category].time_limit
            try:
                made.append(history(case, id=uuid.uuid4().hex, number=number, time_limit=limit))
            except UserError as exc:
                bad.append((line, str(exc)))
                continue
            self.days.add(day.date())
        insert_histories(self.store, made)
        self.result.imported += len(made)

    def finish(self, now: datetime) -> None:
        """Bring the rollups of the imported days up to date (if rollups are kept)."""
        config = load_indicator_config(self.config_dir / "indicators.yaml")
        params = RollupParams(config.dispatch_limit_minutes * 60, config.satisfied_min)
        if self.days and rollups_fresh(self.store.engine, params):
            refresh_rollups(self.store.engine, now=now, params=params, tz=self.tz,
                            days=self.days)  # fmt: skip

    def close(self) -> None:
        self.store.close()
