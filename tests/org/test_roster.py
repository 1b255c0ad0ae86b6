"""Rosters: shift patterns, who is on shift, least-open-work assignment, strict loading."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from gridops.errors import ConfigError
from gridops.org.roster import (
    ShiftPattern,
    Staff,
    assign,
    load_roster,
    on_shift,
    pick_assignee,
    roster_from_dict,
)
from gridops.settings import DEFAULT_CONFIG_DIR

ROTATING = ShiftPattern("four-three", "rotating", anchor=date(2024, 1, 1))
instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
)

BASE = {
    "timezone": "Asia/Shanghai",
    "patterns": {
        "day": {"kind": "day", "start": "08:30", "end": "17:30"},
        "rot": {"kind": "rotating", "anchor": "2024-01-01", "day_start": "08:00"},
        "desk": {"kind": "always"},
    },
    "templates": [
        {"units": "dept-le@*", "pattern": "rot", "staff": 1},
        {"units": "gw-*", "pattern": "day", "staff": 2},
    ],
    "staff": [{"id": "zhang", "name": "张伟", "unit": "gw-1", "pattern": "desk"}],
}


@given(instants)
def test_exactly_one_team_on_duty_at_any_instant(now: datetime) -> None:
    roster = roster_from_dict(BASE)
    teams = {s.team for s in on_shift(roster, "dept-le@1", now)}
    assert len(teams) == 1


@given(st.integers(min_value=-2000, max_value=2000))
def test_each_team_works_each_slot_once_per_cycle(start_day: int) -> None:
    origin = datetime(2024, 1, 1, 8, 0) + timedelta(days=start_day)
    worked = {
        ROTATING.team_on_duty(origin + timedelta(days=d, hours=8 * slot + 1))
        for d in range(4)
        for slot in range(3)
    }
    assert worked == {(t, s) for t in "ABCD" for s in range(3)}  # 4 teams × 3 shifts, 1 rest day


def test_rotation_shape_early_middle_night_rest() -> None:
    day0 = datetime(2024, 1, 1, 9, 0)
    assert [ROTATING.team_on_duty(day0 + timedelta(hours=8 * h))[0] for h in range(3)] == [
        "A",
        "D",
        "C",
    ]
    # team A: early on day 0, middle on day 1, night on day 2, rest on day 3
    a_slots = [
        slot
        for d in range(4)
        for slot in range(3)
        if ROTATING.team_on_duty(day0 + timedelta(days=d, hours=8 * slot))[0] == "A"
    ]
    assert a_slots == [0, 1, 2]


def test_day_shift_follows_hours_and_working_days() -> None:
    roster = roster_from_dict(BASE)
    monday_10 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    assert [s.id for s in on_shift(roster, "gw-1", monday_10)] == ["gw-1-1", "gw-1-2", "zhang"]
    assert [s.id for s in on_shift(roster, "gw-1", monday_10 + timedelta(hours=9))] == ["zhang"]
    holiday = on_shift(roster, "gw-1", monday_10, is_working_day=lambda d: False)
    assert [s.id for s in holiday] == ["zhang"]


def test_first_matching_template_wins() -> None:
    raw = dict(BASE, templates=[*BASE["templates"], {"units": "*", "pattern": "desk", "staff": 9}])
    roster = roster_from_dict(raw)
    assert len(roster.staff_of("gw-2")) == 2
    assert len(roster.staff_of("ws-3")) == 9


@given(st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), st.integers(0, 5)))
def test_pick_assignee_least_open_then_id(counts: dict[str, int]) -> None:
    people = [Staff(i, i, "u", "day") for i in "dcba"]
    chosen = pick_assignee(people, counts)
    assert chosen is not None
    best = min(counts.get(p.id, 0) for p in people)
    assert counts.get(chosen.id, 0) == best
    assert chosen.id == min(p.id for p in people if counts.get(p.id, 0) == best)
    assert pick_assignee([], counts) is None


def test_assign_gives_reasons_and_falls_back_to_the_unit_queue() -> None:
    roster = roster_from_dict(BASE)
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    got = assign(roster, "gw-1", now, {"gw-1-1": 2, "zhang": 1})
    assert got.staff is not None and got.staff.id == "gw-1-2"
    assert any("least open work" in r for r in got.reasons)
    nobody = assign(roster, "ws-9", now, {})
    assert nobody.staff is None and "unit's queue" in nobody.reasons[0]


@given(
    instants,
    st.sampled_from(["gw-1", "dept-le@x", "ws-9"]),
    st.dictionaries(st.sampled_from(["gw-1-1", "gw-1-2", "zhang", "dept-le@x-1"]),
                    st.integers(0, 5)),
)  # fmt: skip
def test_assign_with_the_people_on_shift_given_is_the_same(now, unit, counts) -> None:
    """A batch asks on_shift once per unit and hands it in: the answer cannot change."""
    roster = roster_from_dict(BASE)
    people = on_shift(roster, unit, now)
    assert assign(roster, unit, now, counts, people=people) == assign(roster, unit, now, counts)


def test_shipped_roster_loads() -> None:
    roster = load_roster(DEFAULT_CONFIG_DIR / "roster.yaml")
    assert len(roster.staff_of("gw-310115005001001")) == 4
    assert {s.team for s in roster.staff_of("dept-law-enforcement@310115005")} >= set("ABCD")


def test_people_have_a_name_for_english_pages() -> None:
    """name_en (named people, templates) on English pages; name where none is given."""
    roster = load_roster(DEFAULT_CONFIG_DIR / "roster.yaml")
    names = {
        s.id: (s.name_in("zh"), s.name_in("en")) for s in roster.staff_of("gw-310115005001001")
    }
    assert names["zhang-wei"] == ("张伟", "Zhang Wei")
    assert names["gw-310115005001001-1"] == (
        "网格员 gw-310115005001001-1",
        "Grid worker gw-310115005001001-1",
    )
    plain = roster_from_dict(
        {
            **BASE,
            "templates": [{"units": "gw-*", "pattern": "day", "staff": 1, "name": "网格员{n}"}],
        }
    )
    assert [s.name_in("en") for s in plain.staff_of("gw-1")] == ["张伟", "网格员1"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"shifts": {}}, "unknown key 'shifts'"),
        ({"patterns": {"x": {"kind": "weekly"}}}, "patterns.x.kind: unknown value 'weekly'"),
        ({"patterns": {"x": {"kind": "day", "start": "9", "end": "17:00"}}}, "HH:MM"),
        ({"patterns": {"x": {"kind": "rotating", "anchor": "2024-13-01"}}}, "YYYY-MM-DD"),
        ({"patterns": {"x": {"kind": "rotating", "anchor": "2024-01-01", "teams": ["A"]}}}, "4"),
        ({"templates": [{"units": "gw-*", "pattern": "nope", "staff": 1}]}, "templates[0].pattern"),
        ({"templates": [{"units": "gw-*", "pattern": "day", "staff": 0}]}, "templates[0].staff"),
        ({"staff": [{"id": "x", "name": "X", "unit": "gw-1", "pattern": "rot"}]}, "staff[0].team"),
        (
            {"staff": [{"id": "x", "name": "X", "unit": "zz", "pattern": "day"}]},
            "unknown unit 'zz'",
        ),
        ({"timezone": "Mars/Base"}, "timezone"),
        (
            {"templates": [{"units": "gw-*", "pattern": "day", "staff": 1, "name": "{who}"}]},
            "templates[0].name: '{who}': a name may hold only {unit} and {n}",
        ),
        (
            {"templates": [{"units": "gw-*", "pattern": "day", "staff": 1, "name_en": "x {"}]},
            "templates[0].name_en",
        ),
    ],
)
def test_bad_roster_names_file_key_and_value(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    path = tmp_path / "roster.yaml"
    path.write_text(yaml.safe_dump({**BASE, **change}, allow_unicode=True))
    with pytest.raises(ConfigError) as err:
        load_roster(path, unit_ids=["gw-1", "dept-le@1"])
    assert str(path) in str(err.value) and message in str(err.value)


def test_has_staff_is_whether_staff_of_names_anyone(config) -> None:  # type: ignore[no-untyped-def]
    """Roster.has_staff answers without making the staff; it agrees with staff_of everywhere."""
    roster = load_roster(DEFAULT_CONFIG_DIR / "roster.yaml")
    units = [*config.org.units, "nobody-here", "gw-0"]
    fresh = load_roster(DEFAULT_CONFIG_DIR / "roster.yaml")
    assert [fresh.has_staff(u) for u in units] == [bool(roster.staff_of(u)) for u in units]
    assert not fresh.has_staff("nobody-here") and any(fresh.has_staff(u) for u in units)
