"""Import of history (历史案件导入): historical cases in as closed tickets.

Each CSV row is parsed by the column mapping (gridops.metrics.mapping), placed in the grid,
numbered from the same per-day counters as intake and written with its whole event history at
the historical times (hash chains valid), deadlines on the configured work calendar
(calendar.yaml) unless the row maps its own ``due_at``. Idempotent by the mapping's row id
(``import:<id>``); a bad row is kept with its line number and skipped, never half-written.
A row with no ``closed_at`` (or a source status mapped to ``open``) is an open case: it is not
imported but listed as a bad row saying what to do (``metrics.history.OPEN_ADVICE``; why, in
docs/bring-your-own-city.md), and counted in :attr:`ImportResult.open`. An owner unit
that org.yaml does not know is a bad row. At the end the daily rollups of the imported days
are refreshed, if rollups are kept.
"""

from __future__ import annotations

import csv
import difflib
import uuid
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from gridops.errors import UserError
from gridops.grids import load_grid
from gridops.metrics import load_indicator_config
from gridops.metrics.history import HistoricalCase, OpenCase, history
from gridops.metrics.mapping import ImportMapping, parse_row
from gridops.metrics.replay import place
from gridops.org import load_ops_config
from gridops.settings import Settings
from gridops.store import open_store
from gridops.store.bulk import insert_histories, known_keys, reserve_numbers
from gridops.store.rollups import RollupParams, refresh_rollups, rollups_fresh
from gridops.tickets import case_number
from gridops.tickets.calendar_config import load_calendar

Row = tuple[int, dict[str, str]]  # (CSV line number, the row by column)


def _close(value: str, known: Collection[str]) -> str:
    near = difflib.get_close_matches(value, list(known), n=3)
    return f" (did you mean {', '.join(near)}?)" if near else ""


STACK_MIN = 10  # rows at one exact point worth flagging as a default location


@dataclass
class ImportResult:
    """What an import did: rows written, rows already there, the bad rows (line, why), and
    the points where many rows stand at exactly the same place (lon, lat, rows) — a default
    location such as a city hall, used when the caller gave none."""

    imported: int = 0
    known: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)
    open: int = 0  # of the bad rows, cases still open in the source system
    points: Counter[tuple[float, float]] = field(default_factory=Counter)

    def stacked(self, least: int = STACK_MIN) -> list[tuple[float, float, int]]:
        """Points holding ``least`` or more imported rows, most first."""
        return [(x, y, n) for (x, y), n in self.points.most_common() if n >= least]


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
        self.calendar = load_calendar(Path(settings.config_dir) / "calendar.yaml")
        city = self.calendar.timezone
        if mapping.timezone_given is not None and mapping.timezone_given != city:
            raise UserError(
                f"the mapping's timezone {mapping.timezone_given!r} differs from calendar.yaml's "
                f"{city!r}: the calendar holds the city's one time zone; remove the mapping's "
                "timezone (times with an offset, e.g. 2024-05-01T09:00-04:00, keep it)"
            )
        self.mapping = replace(mapping, timezone=city)
        self.now = now  # times past now + 1 day are bad rows
        self.grid = load_grid(settings.grid_path)
        ops = load_ops_config(settings.config_dir, self.grid, verify=False)
        self.taxonomy = ops.taxonomy
        self.units = ops.org.units
        self.examples = [ops.org.centre] + [
            ops.org.locality[cells[0].code]
            for level in range(1, self.grid.levels + 1)
            if (cells := self.grid.cells_at(level)) and cells[0].code in ops.org.locality
        ]
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
                self._known(case)
                parsed.append((line, case))
            except UserError as exc:
                self.result.open += isinstance(exc, OpenCase)
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
                made.append(
                    history(
                        case,
                        id=uuid.uuid4().hex,
                        number=number,
                        time_limit=limit,
                        calendar=self.calendar,
                    )
                )
            except UserError as exc:
                bad.append((line, str(exc)))
                continue
            self.days.add(day.date())
        insert_histories(self.store, made)
        self.result.imported += len(made)
        self.result.points.update((t.lon, t.lat) for t, _ in made)

    def _known(self, case: HistoricalCase) -> None:
        """UserError for a category or owner unit the configuration lacks, or an open case."""
        if case.category not in self.taxonomy.categories:
            near = _close(case.category, self.taxonomy.categories)
            raise UserError(
                f"unknown category {case.category!r}{near}"
                "; codes are in categories.yaml (map yours under categories: in the mapping)"
            )
        if case.owner_unit not in self.units:
            raise UserError(
                f"unknown owner unit {case.owner_unit!r}{_close(case.owner_unit, self.units)}; "
                f"use a unit id from org.yaml ({len(self.units)} units, e.g. "
                f"{', '.join(self.examples)})"
            )
        if case.closed_at is None:
            raise OpenCase("no closed_at: an open case")

    def finish(self, now: datetime) -> None:
        """Bring the rollups of the imported days up to date (if rollups are kept)."""
        config = load_indicator_config(self.config_dir / "indicators.yaml")
        params = RollupParams(config.dispatch_limit_minutes * 60, config.satisfied_min)
        if self.days and rollups_fresh(self.store.engine, params):
            refresh_rollups(self.store.engine, now=now, params=params, tz=self.tz,
                            days=self.days)  # fmt: skip

    def close(self) -> None:
        self.store.close()
