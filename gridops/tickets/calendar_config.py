"""Load the work calendar from config/calendar.yaml (see that file for the keys)."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from gridops.errors import ConfigError
from gridops.tickets.calendar import WorkCalendar
from gridops.yamlconfig import load_strict, yaml_problem

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
KEYS = {"timezone", "working_periods", "weekend", "statutory", "holidays", "workdays"}


def load_calendar(path: str | Path) -> WorkCalendar:
    """Read a calendar YAML; ConfigError names the file, key and value when something is wrong."""
    path = Path(path)
    try:
        raw = load_strict(path.read_text(encoding="utf-8"), path) or {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the work calendar ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(yaml_problem(path, exc)) from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of {sorted(KEYS)}")
    return calendar_from_dict(raw, source=str(path))


def calendar_from_dict(raw: dict[str, Any], *, source: str = "calendar") -> WorkCalendar:
    """Build a WorkCalendar from plain data (the YAML's content)."""
    unknown = set(raw) - KEYS
    if unknown:
        raise ConfigError(f"{source}: unknown key {sorted(unknown)[0]!r}; known: {sorted(KEYS)}")
    tz = str(raw.get("timezone", "Asia/Shanghai"))
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{source}: timezone {tz!r} is not an IANA zone name; use one such as Asia/Shanghai"
        ) from None
    periods = tuple(_period(source, p) for p in raw.get("working_periods") or _default_periods())
    for (_, e1), (s2, _) in zip(periods, periods[1:], strict=False):
        if s2 < e1:
            raise ConfigError(f"{source}: working_periods overlap or are out of order at {s2}")
    weekend = frozenset(_weekday(source, d) for d in raw.get("weekend", ["saturday", "sunday"]))
    holidays = {_date(source, "holidays", d) for d in raw.get("holidays") or ()}
    workdays = {_date(source, "workdays", d) for d in raw.get("workdays") or ()}
    warnings: list[str] = []
    statutory = str(raw.get("statutory", "chinese_calendar"))
    if statutory == "chinese_calendar":
        known, extra_off, extra_on = _chinese_calendar()
        holidays |= extra_off - workdays
        workdays |= extra_on
        warnings.append(
            f"statutory holidays known for {min(known)}–{max(known)} (chinese_calendar); other"
            " years fall back to weekends and the holidays/workdays lists"
        )
    elif statutory != "none":
        raise ConfigError(
            f"{source}: statutory {statutory!r} is unknown; use chinese_calendar or none"
        )
    try:
        return WorkCalendar(
            timezone=tz,
            periods=periods,
            weekend=weekend,
            holidays=frozenset(holidays - workdays),
            workdays=frozenset(workdays),
            warnings=tuple(warnings),
        )
    except ValueError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def years_covered(calendar: WorkCalendar) -> range:
    """Years whose statutory dates are known (empty when statutory is none)."""
    days = calendar.holidays | calendar.workdays
    return range(min(d.year for d in days), max(d.year for d in days) + 1) if days else range(0)


def _chinese_calendar() -> tuple[set[int], set[date], set[date]]:
    import chinese_calendar

    holidays = {d for d in chinese_calendar.holidays if d.weekday() < 5}
    workdays = set(chinese_calendar.workdays) - {
        d for d in chinese_calendar.workdays if d.weekday() < 5
    }
    return {d.year for d in chinese_calendar.holidays}, holidays, workdays


def _default_periods() -> list[list[str]]:
    return [["08:00", "12:00"], ["14:00", "18:00"]]


def _period(source: str, value: Any) -> tuple[time, time]:
    try:
        start, end = (time.fromisoformat(str(v)) for v in value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{source}: working_periods entry {value!r} must be two HH:MM times"
        ) from None
    if not start < end:
        raise ConfigError(f"{source}: working_periods entry {value!r} ends before it starts")
    return start, end


def _weekday(source: str, value: Any) -> int:
    name = str(value).lower()
    if name not in WEEKDAYS:
        raise ConfigError(f"{source}: weekend day {value!r} is not one of {WEEKDAYS}")
    return WEEKDAYS.index(name)


def _date(source: str, key: str, value: Any) -> date:
    if isinstance(value, datetime):
        raise ConfigError(f"{source}: {key} entry {value!s} is a time; give the day as YYYY-MM-DD")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{source}: {key} entry {value!r} is not a YYYY-MM-DD date") from None
