"""The column mapping of a history import (历史数据导入): which CSV column holds which field,
how times and categories are written. One small YAML, read strictly; a row becomes a
:class:`~gridops.metrics.history.HistoricalCase` or a UserError naming the column and value.
Times without a zone are in the city's time zone (calendar.yaml's ``timezone``): the mapping
may repeat it but not change it. ``due_at`` maps the source system's own deadline.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gridops.errors import UserError
from gridops.metrics.history import HistoricalCase, OpenCase
from gridops.tickets.vocabulary import Kind, Source
from gridops.yamlconfig import Node, read_yaml

REQUIRED = ("category", "lon", "lat", "reported_at", "owner_unit")
OPTIONAL = (
    "dispatched_at", "handled_at", "closed_at", "satisfaction", "description", "source", "onsite",
    "due_at", "status",
)  # fmt: skip
STATUSES = ("closed", "open")  # what a source status may map to
SOURCES = tuple(s.value for s in Source)
EARLIEST = date(2000, 1, 1)  # the default first day a historical case may be reported on
AHEAD = timedelta(days=1)  # how far past now a time may lie (clocks that run a little fast)
TRUE = {"1", "true", "yes", "y", "是"}
FALSE = {"", "0", "false", "no", "n", "否"}


@dataclass(frozen=True)
class ImportMapping:
    """A parsed mapping file."""

    id: str  # the column holding each row's unique id (imports are idempotent by it)
    columns: dict[str, str]  # field → CSV column
    crs: str = "EPSG:4326"
    timezone: str = "Asia/Shanghai"  # the city's (calendar.yaml's), set by the importer
    time_format: str | None = None  # strptime format; None: ISO-8601
    timezone_given: str | None = None  # the mapping's own timezone key, checked against the city
    categories: dict[str, str] = field(default_factory=dict)  # CSV value → category code
    sources: dict[str, str] = field(default_factory=dict)  # CSV value → Source value
    statuses: dict[str, str] = field(default_factory=dict)  # CSV status → closed | open
    earliest: date = EARLIEST  # times before this day (in ``timezone``) are bad rows

    def needed(self) -> list[str]:
        """Every CSV column the mapping reads."""
        return [self.id, *self.columns.values()]

    def window(self, now: datetime) -> tuple[datetime, datetime]:
        """The times a row may hold: from ``earliest`` 00:00 local to ``now`` + 1 day (UTC)."""
        first = datetime.combine(self.earliest, time(0), ZoneInfo(self.timezone))
        return first.astimezone(UTC), (now + AHEAD).astimezone(UTC)


def load_mapping(path: Path | str) -> ImportMapping:
    path = Path(path)
    root = Node(read_yaml(path), path).mapping(
        {
            "id",
            "columns",
            "crs",
            "timezone",
            "time_format",
            "categories",
            "sources",
            "earliest",
            "statuses",
        },
        required={"id", "columns"},
    )
    cols = root.child("columns").mapping((*REQUIRED, *OPTIONAL), required=REQUIRED)
    columns = {k: str(v.value) for k, v in cols.items() if v.value is not None}
    given = root.opt_text("timezone")
    tz = given or "Asia/Shanghai"
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise root.error(f"unknown time zone {tz!r}", "timezone") from None
    sources = {k: v.value for k, v in root.child("sources").items()} if root.has("sources") else {}
    for k, v in sources.items():
        if v not in SOURCES:
            raise root.error(
                f"unknown source {v!r} for {k!r}; use one of: {', '.join(SOURCES)}", "sources"
            )
    statuses = (
        {str(k): str(v.value) for k, v in root.child("statuses").items()}
        if root.has("statuses")
        else {}
    )
    for k, v in statuses.items():
        if v not in STATUSES:
            raise root.error(f"status {k!r} maps to {v!r}; use closed or open", "statuses")
    if "status" in columns and not statuses:
        raise root.error(
            "columns.status needs statuses: {<your value>: closed | open, …}", "statuses"
        )
    cats = root.child("categories")
    return ImportMapping(
        id=root.text("id"),
        columns=columns,
        crs=root.text("crs", "EPSG:4326"),
        timezone=tz,
        time_format=root.opt_text("time_format"),
        timezone_given=given,
        categories={k: str(v.value) for k, v in cats.items()} if root.has("categories") else {},
        sources={str(k): str(v) for k, v in sources.items()},
        statuses=statuses,
        earliest=_earliest(root),
    )


def _earliest(root: Node) -> date:
    value = root.child("earliest").value
    if value is None:
        return EARLIEST
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        day = None
    if day is None or isinstance(day, datetime) or not 1900 <= day.year <= 9000:
        raise root.error(f"{value!r} is not a day from 1900 on, as YYYY-MM-DD", "earliest")
    return day


def parse_row(row: Mapping[str, str | None], m: ImportMapping, *, now: datetime) -> HistoricalCase:
    """One CSV row as a case; UserError names the column and the value that is wrong. Every
    time must lie in ``m.window(now)``: a case dated 9999 or 0001 is a typo, not history."""
    first, last = m.window(now)

    def cell(name: str) -> str:
        return (row.get(m.columns[name]) or "").strip() if name in m.columns else ""

    def when(name: str) -> datetime | None:
        text = cell(name)
        if not text:
            return None
        try:
            dt = (
                datetime.strptime(text, m.time_format)
                if m.time_format
                else datetime.fromisoformat(text)
            )
        except ValueError:
            raise UserError(f"column {m.columns[name]!r}: {text!r} is not a time") from None
        dt = dt.replace(tzinfo=ZoneInfo(m.timezone)) if dt.tzinfo is None else dt
        try:
            at: datetime | None = dt.astimezone(UTC)
        except OverflowError:  # year 1 or 9999 shifted across midnight by the zone
            at = None
        if at is None or not first <= at < last:
            raise UserError(
                f"column {m.columns[name]!r}: {text!r} lies outside {m.earliest} .. "
                f"{last.astimezone(ZoneInfo(m.timezone)):%Y-%m-%d %H:%M} (the mapping's "
                "earliest .. now + 1 day); fix the date, or set earliest in the mapping"
            )
        return at

    def number(name: str) -> float:
        text = cell(name)
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise UserError(f"column {m.columns[name]!r}: {text!r} is not a number")
        return value

    row_id = (row.get(m.id) or "").strip()
    if not row_id:
        raise UserError(f"column {m.id!r} (the row id) is empty")
    category = m.categories.get(cell("category"), cell("category"))
    if not category or category[0] not in "CE":
        raise UserError(f"column {m.columns['category']!r}: {cell('category')!r} is no category")
    reported = when("reported_at")
    if reported is None:
        raise UserError(f"column {m.columns['reported_at']!r} is empty")
    sat = cell("satisfaction")
    if sat and (not sat.isdigit() or not 1 <= int(sat) <= 5):
        raise UserError(f"column {m.columns['satisfaction']!r}: {sat!r} is not 1 to 5")
    onsite = cell("onsite").lower()
    if onsite not in TRUE | FALSE:
        raise UserError(f"column {m.columns['onsite']!r}: {onsite!r} is not yes or no")
    raw_status = cell("status")
    if "status" in m.columns and raw_status not in m.statuses:
        raise UserError(
            f"column {m.columns['status']!r}: status {raw_status!r} is not mapped; use one of: "
            f"{', '.join(sorted(m.statuses))}, or map it under statuses: in the mapping"
        )
    if m.statuses.get(raw_status) == "open":
        raise OpenCase(f"column {m.columns['status']!r}: {raw_status!r} is an open case")
    raw_source = cell("source")
    source = m.sources.get(raw_source, raw_source or Source.IMPORT.value)
    if source not in SOURCES:
        raise UserError(
            f"column {m.columns['source']!r}: unknown source {raw_source!r}; use one of: "
            f"{', '.join(SOURCES)}, or map your values under sources: in the mapping"
        )
    case = HistoricalCase(
        row_id=row_id,
        category=category,
        kind=Kind.COMPONENT if category[0] == "C" else Kind.EVENT,
        lon=number("lon"),
        lat=number("lat"),
        reported_at=reported.astimezone(UTC),
        owner_unit=cell("owner_unit"),
        source=Source(source),
        dispatched_at=_utc(when("dispatched_at")),
        handled_at=_utc(when("handled_at")),
        closed_at=_utc(when("closed_at")),
        due_at=_utc(when("due_at")),
        satisfaction=int(sat) if sat else None,
        description=cell("description")[:4000],
        onsite=onsite in TRUE and onsite != "",
    )
    case.check()
    return case


def _utc(dt: datetime | None) -> datetime | None:
    return None if dt is None else dt.astimezone(UTC)
