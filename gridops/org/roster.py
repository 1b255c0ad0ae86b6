"""Field-staff rosters (排班): who of a unit is on shift now, and whom to assign (派单对象).

Shift patterns:

- ``day``: 常日班, a day shift (e.g. 08:30–17:30 local) on working days of the work calendar;
- ``rotating``: 四班三运转, four teams on three 8-hour shifts rotating over a 4-day cycle
  anchored on a date: on roster day *i* (counted from the anchor at ``day_start``) team *k*
  works shift slot ``(i - k) mod 4`` — slot 0 早班, 1 中班, 2 夜班, 3 rest — so at any instant
  exactly one team is on duty;
- ``always``: always on (a duty desk).

Staff come from templates expanded against unit ids (``units: "gw-*"`` with ``staff: 2`` gives
every grid-worker post two people, ids ``<unit>-1``, ``<unit>-2``; templates are ordered and
the first that matches a unit wins) and from a list of named people. Pure after load: ``now``
and the working-day test are passed in.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Container, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gridops.org.channels import Channel, parse_channels
from gridops.yamlconfig import Node, read_yaml

PATTERN_KINDS = ("day", "rotating", "always")
SLOT_NAMES = ("early 早班", "middle 中班", "night 夜班")
IsWorkingDay = Callable[[date], bool]


def weekdays_only(day: date) -> bool:
    """Default working-day test (Mon–Fri) when no work calendar is passed."""
    return day.weekday() < 5


@dataclass(frozen=True)
class ShiftPattern:
    """How one group of staff is on duty."""

    name: str
    kind: str  # day | rotating | always
    start: time = time(8, 30)  # day shift
    end: time = time(17, 30)
    anchor: date = date(2024, 1, 1)  # rotating: roster day 0
    day_start: time = time(8, 0)  # rotating: start of slot 0 on each roster day
    teams: tuple[str, ...] = ("A", "B", "C", "D")

    def team_on_duty(self, local: datetime) -> tuple[str, int]:
        """Rotating pattern: (team, slot) on duty at the local wall-clock time ``local``."""
        origin = datetime.combine(self.anchor, self.day_start)
        hours = (local.replace(tzinfo=None) - origin) / timedelta(hours=1)
        day, within = divmod(hours, 24.0)
        slot = int(within // 8)
        team = (int(day) - slot) % len(self.teams)
        return self.teams[team], slot

    def on_duty(self, local: datetime, team: str | None, is_working_day: IsWorkingDay) -> bool:
        if self.kind == "always":
            return True
        if self.kind == "day":
            return is_working_day(local.date()) and self.start <= local.time() < self.end
        return self.team_on_duty(local)[0] == team


@dataclass(frozen=True)
class Staff:
    """One member of field staff (处置人员 / 网格员)."""

    id: str
    name: str
    unit: str
    pattern: str
    team: str | None = None
    channels: tuple[Channel, ...] = ()  # where this person is reached (通知渠道)
    lead: bool = False  # the unit's shift lead (值班长): told when nobody on shift can be
    name_en: str = ""  # the name on English pages ("": ``name`` there too)

    def name_in(self, lang: str) -> str:
        """The name to show on a page in ``lang`` (zh | en)."""
        return self.name_en if lang == "en" and self.name_en else self.name


@dataclass(frozen=True)
class Template:
    """Staff generated for every unit whose id matches ``units`` (a glob)."""

    units: str
    pattern: str
    staff: int  # per unit, or per team for a rotating pattern
    name: str = "{unit} staff {n}"
    name_en: str = ""  # the English pages' name ("": ``name``)

    def expand(self, unit: str, pattern: ShiftPattern) -> list[Staff]:
        teams: tuple[str | None, ...] = pattern.teams if pattern.kind == "rotating" else (None,)
        out = []
        for team in teams:
            for n in range(1, self.staff + 1):
                tag = f"{team}{n}" if team else str(n)
                out.append(
                    Staff(
                        id=f"{unit}-{tag}",
                        name=self.name.format(unit=unit, n=tag),
                        name_en=self.name_en.format(unit=unit, n=tag),
                        unit=unit,
                        pattern=self.pattern,
                        team=team,
                    )
                )
        return out


@dataclass
class Roster:
    """Patterns, templates and named staff of a deployment."""

    timezone: str
    patterns: Mapping[str, ShiftPattern]
    templates: tuple[Template, ...] = ()
    named: tuple[Staff, ...] = ()
    _cache: dict[str, tuple[Staff, ...]] = field(default_factory=dict, repr=False)
    _named_units: set[str] | None = field(default=None, repr=False)

    def has_staff(self, unit: str) -> bool:
        """Whether ``unit`` has anyone (``staff_of`` not empty), without making the staff."""
        if unit in self._cache:
            return bool(self._cache[unit])
        if self._named_units is None:
            self._named_units = {s.unit for s in self.named}
        if unit in self._named_units:
            return True
        for tpl in self.templates:
            if fnmatch.fnmatchcase(unit, tpl.units):
                pattern = self.patterns[tpl.pattern]
                return tpl.staff > 0 and (pattern.kind != "rotating" or bool(pattern.teams))
        return False

    def staff_of(self, unit: str) -> tuple[Staff, ...]:
        """Everyone of ``unit``: named people first, then template staff."""
        if unit not in self._cache:
            people = [s for s in self.named if s.unit == unit]
            for tpl in self.templates:  # ordered: the first matching template wins
                if fnmatch.fnmatchcase(unit, tpl.units):
                    people += tpl.expand(unit, self.patterns[tpl.pattern])
                    break
            self._cache[unit] = tuple(people)
        return self._cache[unit]


@dataclass(frozen=True)
class Assignment:
    """Whom a ticket goes to inside its unit, and why (kept in the routing decision)."""

    unit: str
    staff: Staff | None  # None: the unit's queue (nobody on shift)
    reasons: tuple[str, ...]


def on_shift(
    roster: Roster, unit_id: str, now: datetime, is_working_day: IsWorkingDay = weekdays_only
) -> list[Staff]:
    """The staff of ``unit_id`` on duty at ``now`` (timezone-aware), sorted by id."""
    if now.tzinfo is None:
        raise ValueError("on_shift needs a timezone-aware now")
    local = now.astimezone(ZoneInfo(roster.timezone))
    return sorted(
        (
            s
            for s in roster.staff_of(unit_id)
            if roster.patterns[s.pattern].on_duty(local, s.team, is_working_day)
        ),
        key=lambda s: s.id,
    )


def pick_assignee(candidates: Iterable[Staff], open_counts: Mapping[str, int]) -> Staff | None:
    """Least open work first; ties go to the smallest staff id (deterministic)."""
    return min(candidates, key=lambda s: (open_counts.get(s.id, 0), s.id), default=None)


def assign(
    roster: Roster,
    unit_id: str,
    now: datetime,
    open_counts: Mapping[str, int],
    is_working_day: IsWorkingDay = weekdays_only,
    *,
    people: list[Staff] | None = None,
) -> Assignment:
    """Pick the assignee in ``unit_id`` at ``now``, with the reasons in words. ``people``:
    ``on_shift(roster, unit_id, now, is_working_day)`` when the caller already has it (a
    batch routing many tickets at one ``now`` asks once per unit)."""
    if people is None:
        people = on_shift(roster, unit_id, now, is_working_day)
    chosen = pick_assignee(people, open_counts)
    if chosen is None:
        total = len(roster.staff_of(unit_id))
        why = "no staff on the roster" if total == 0 else f"none of {total} staff on shift"
        return Assignment(unit_id, None, (f"{why} in {unit_id}: left in the unit's queue",))
    load = open_counts.get(chosen.id, 0)
    reasons = [
        f"{len(people)} of {len(roster.staff_of(unit_id))} staff of {unit_id} on shift",
        f"{chosen.id} ({chosen.name}) has the least open work: {load} ticket(s)",
    ]
    if sum(1 for p in people if open_counts.get(p.id, 0) == load) > 1:
        reasons.append("tie on open work broken by staff id")
    return Assignment(unit_id, chosen, tuple(reasons))


# -- loading ---------------------------------------------------------------------------------
def load_roster(
    path: str | Path, unit_ids: Iterable[str] | None = None, *, city_timezone: str | None = None
) -> Roster:
    """Read config/roster.yaml; with ``unit_ids``, named staff must belong to a known unit.
    ``city_timezone`` (calendar.yaml's) is the roster's zone; a roster ``timezone`` may only
    repeat it."""
    path = Path(path)
    return roster_from_dict(
        read_yaml(path), source=str(path), unit_ids=unit_ids, city_timezone=city_timezone
    )


def roster_from_dict(
    raw: object,
    *,
    source: str = "roster",
    unit_ids: Iterable[str] | None = None,
    city_timezone: str | None = None,
) -> Roster:
    """Validate a parsed roster; errors name file, key and value."""
    top = Node(raw, source).mapping({"timezone", "patterns", "templates", "staff"}, {"patterns"})
    tz = top.text("timezone", city_timezone or "Asia/Shanghai")
    if city_timezone is not None and tz != city_timezone:
        raise top.error(
            f"timezone {tz!r} differs from calendar.yaml's {city_timezone!r}: the calendar "
            "holds the city's one time zone; remove this key",
            "timezone",
        )
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise top.error(f"unknown time zone {tz!r}; use e.g. Asia/Shanghai", "timezone") from None
    patterns = {name: _pattern(name, node) for name, node in top.child("patterns").items()}
    templates = tuple(_template(node, patterns) for node in _seq_or_empty(top.child("templates")))
    known: Container[str] | None = None  # a mapping or set is asked, not copied (120 k units)
    if unit_ids is not None:
        known = unit_ids if isinstance(unit_ids, Mapping | AbstractSet) else set(unit_ids)
    named: list[Staff] = []
    seen: set[str] = set()
    for node in _seq_or_empty(top.child("staff")):
        staff = _staff(node, patterns, known)
        if staff.id in seen:
            raise node.error(f"staff id {staff.id!r} is listed twice", "id")
        seen.add(staff.id)
        named.append(staff)
    return Roster(timezone=tz, patterns=patterns, templates=templates, named=tuple(named))


def _seq_or_empty(node: Node) -> list[Node]:
    return [] if node.value is None else node.seq()


def _pattern(name: str, node: Node) -> ShiftPattern:
    node.mapping({"kind", "start", "end", "anchor", "day_start", "teams", "label"}, {"kind"})
    kind = node.choice("kind", PATTERN_KINDS)
    if kind == "day":
        node.mapping({"kind", "start", "end", "label"}, {"kind", "start", "end"})
        start, end = _time(node, "start"), _time(node, "end")
        if not start < end:
            raise node.error(f"must be after start {start:%H:%M}, got {end:%H:%M}", "end")
        return ShiftPattern(name, kind, start=start, end=end)
    if kind == "rotating":
        node.mapping({"kind", "anchor", "day_start", "teams", "label"}, {"kind", "anchor"})
        teams = node.texts("teams") or ("A", "B", "C", "D")
        if len(teams) != 4 or len(set(teams)) != 4:
            raise node.error(f"四班三运转 needs 4 distinct teams, got {list(teams)}", "teams")
        return ShiftPattern(
            name,
            kind,
            anchor=_date(node, "anchor"),
            day_start=_time(node, "day_start"),
            teams=teams,
        )
    node.mapping({"kind", "label"}, {"kind"})
    return ShiftPattern(name, kind)


NAME_PLACEHOLDERS = "a name may hold only {unit} and {n}, e.g. '网格员 {unit}-{n}'"


def _template(node: Node, patterns: Mapping[str, ShiftPattern]) -> Template:
    node.mapping({"units", "pattern", "staff", "name", "name_en"}, {"units", "pattern", "staff"})
    pattern = node.choice("pattern", patterns)
    count = node.child("staff").value
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 50:
        raise node.error(f"expected a whole number 1..50, got {count!r}", "staff")
    name, name_en = node.text("name", "{unit} staff {n}"), node.text("name_en", "")
    for key, text in (("name", name), ("name_en", name_en)):
        try:
            text.format(unit="gw-1", n="1")
        except (KeyError, IndexError, ValueError):
            raise node.error(
                f"{text!r}: {NAME_PLACEHOLDERS}",
                key,
            ) from None
    return Template(node.text("units"), pattern, count, name, name_en)


def _staff(node: Node, patterns: Mapping[str, ShiftPattern], known: Container[str] | None) -> Staff:
    node.mapping({"id", "name", "name_en", "unit", "pattern", "team", "channels", "lead"},
                 {"id", "name", "unit", "pattern"})  # fmt: skip
    pattern = patterns[node.choice("pattern", patterns)]
    unit = node.text("unit")
    if known is not None and unit not in known:
        raise node.error(f"unknown unit {unit!r}; use a unit id of the org graph", "unit")
    team = node.opt_text("team")
    if pattern.kind == "rotating":
        team = node.choice("team", pattern.teams)
    elif team is not None:
        raise node.error(f"only a rotating pattern has teams, {pattern.name!r} is {pattern.kind}")
    return Staff(node.text("id"), node.text("name"), unit, pattern.name, team,
                 parse_channels(node.child("channels")), node.flag("lead", False),
                 node.text("name_en", ""))  # fmt: skip


def _time(node: Node, key: str) -> time:
    value = node.child(key).value
    if value is None and key == "day_start":
        return time(8, 0)
    text = str(value)
    try:
        hh, mm = text.split(":")
        return time(int(hh), int(mm))
    except ValueError:
        raise node.error(f"expected a time HH:MM, got {value!r}", key) from None


def _date(node: Node, key: str) -> date:
    value = node.child(key).value
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise node.error(f"expected a date YYYY-MM-DD, got {value!r}", key) from None
