"""Deadline arithmetic: working periods, weekends, holidays, make-up days; round trips."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridops.errors import ConfigError
from gridops.settings import DEFAULT_CONFIG_DIR
from gridops.tickets import ClockType, TimeLimit, WorkCalendar, load_calendar
from gridops.tickets.calendar_config import calendar_from_dict, years_covered

CAL = load_calendar(DEFAULT_CONFIG_DIR / "calendar.yaml")
SH = CAL.local(datetime(2026, 1, 1, tzinfo=UTC)).tzinfo


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH).astimezone(UTC)  # type: ignore[misc]


def test_working_hours_skip_lunch_and_night():
    # Friday 2026-11-20 11:00 + 4 working hours → 12:00 (1 h), 14:00–17:00 (3 h)
    assert CAL.deadline(local(2026, 11, 20, 11), TimeLimit(4, "working_hours")) == local(
        2026, 11, 20, 17
    )
    # Friday 17:00 + 2 h → Monday 09:00
    assert CAL.deadline(local(2026, 11, 20, 17), TimeLimit(2, "working_hours")) == local(
        2026, 11, 23, 9
    )


def test_national_day_holiday_and_makeup_day():
    # 2026-09-30 (Wed) 17:00 + 2 working hours: Oct 1–7 are off, Oct 10 (Sat) is a 调休 day
    assert CAL.deadline(local(2026, 9, 30, 17), TimeLimit(2, "working_hours")) == local(
        2026, 10, 8, 9
    )
    assert CAL.is_working_day(date(2026, 10, 10)) and not CAL.is_working_day(date(2026, 10, 1))


def test_working_days_end_of_nth_working_day_after_start_day():
    # Thursday 2026-11-19 16:00 + 2 working days → end of Monday 2026-11-23
    deadline = CAL.deadline(local(2026, 11, 19, 16), TimeLimit(2, "working_days"))
    assert deadline == local(2026, 11, 23, 18)


def test_continuous_and_natural_days():
    start = local(2026, 2, 16, 23)  # Spring Festival eve: holidays do not matter
    assert CAL.deadline(start, TimeLimit(3, "hours")) == start + timedelta(hours=3)
    assert CAL.deadline(start, TimeLimit(2, "days")) == start + timedelta(days=2)


def test_years_beyond_chinese_calendar_fall_back_with_a_warning():
    assert CAL.warnings and "chinese_calendar" in CAL.warnings[0]
    beyond = years_covered(CAL).stop + 1
    first_monday = next(
        date(beyond, 1, d) for d in range(1, 8) if date(beyond, 1, d).weekday() == 0
    )
    assert CAL.is_working_day(first_monday)


def test_config_lists_extra_holidays_and_workdays():
    cal = calendar_from_dict(
        {"statutory": "none", "holidays": ["2030-01-02"], "workdays": ["2030-01-05"]}
    )
    assert not cal.is_working_day(date(2030, 1, 2)) and cal.is_working_day(date(2030, 1, 5))


@pytest.mark.parametrize(
    "raw,match",
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"working_periods": [["12:00", "08:00"]]}, "ends before"),
        ({"weekend": ["caturday"]}, "weekend"),
        ({"holidays": ["soon"]}, "YYYY-MM-DD"),
        ({"statutory": "klingon"}, "statutory"),
        ({"colour": 1}, "unknown key"),
    ],
)
def test_bad_calendar_config_names_the_key(raw, match):
    with pytest.raises(ConfigError, match=match):
        calendar_from_dict(raw)


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_calendar(tmp_path / "nope.yaml")


def test_a_key_written_twice_is_a_config_error_naming_file_and_line(tmp_path):
    path = tmp_path / "calendar.yaml"
    path.write_text("holidays: [2030-01-02]\nweekend: [sunday]\nholidays: [2030-01-03]\n")
    expected = r"calendar.yaml: holidays: line 3 column 1: key 'holidays' is written twice in one"
    with pytest.raises(ConfigError, match=expected + r" mapping \(first at line 1\); keep one"):
        load_calendar(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("holidays: [2026-02-30]\n", r"calendar.yaml: line 1 column 12: '2026-02-30' is not a real "
         r"date \(day is out of range for month\); write a valid YYYY-MM-DD date$"),
        ("workdays:\n  - 2026-13-01\n", r"calendar.yaml: line 2 column 5: '2026-13-01' is not a "
         r"real date \(month must be in 1..12\)"),
        ("holidays: [2026-10-01 08:00:00]\n", r"holidays entry 2026-10-01 08:00:00 is a time; give "
         r"the day as YYYY-MM-DD$"),
        ("timezone: Mars/Olympus\n", r"timezone 'Mars/Olympus' is not an IANA zone name; use one"),
        ("working_periods: [['08:00', '25:00']]\n", r"working_periods entry \['08:00', '25:00'\] "
         r"must be two HH:MM times$"),
    ],
)  # fmt: skip
def test_an_impossible_value_is_one_line_naming_the_file(tmp_path, text, expected):
    path = tmp_path / "calendar.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=expected) as err:
        load_calendar(path)
    assert "\n" not in str(err.value) and str(err.value).startswith(str(path))


starts = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
hours = st.floats(min_value=0.01, max_value=200, allow_nan=False)
calendars = st.sampled_from(
    [CAL, WorkCalendar(timezone="UTC"), WorkCalendar(timezone="Asia/Kolkata")]
)  # DST-free zones


@given(calendars, starts, hours)
def test_working_hours_round_trip(cal, start, amount):
    due = cal.deadline(start, TimeLimit(amount, ClockType.WORKING_HOURS))
    assert cal.elapsed(start, due, ClockType.WORKING_HOURS) == pytest.approx(amount, abs=1e-6)


@given(calendars, starts, hours, hours, st.sampled_from(list(ClockType)))
def test_deadline_monotone_in_amount_and_start(cal, start, a, b, clock):
    lo, hi = sorted((a, b))
    assert cal.deadline(start, TimeLimit(lo, clock)) <= cal.deadline(start, TimeLimit(hi, clock))
    later = start + timedelta(hours=hi)
    assert cal.deadline(start, TimeLimit(lo, clock)) <= cal.deadline(later, TimeLimit(lo, clock))


@given(calendars, starts, st.integers(1, 30))
def test_working_days_land_at_end_of_a_working_day(cal, start, n):
    due = cal.local(cal.deadline(start, TimeLimit(n, ClockType.WORKING_DAYS)))
    assert cal.is_working_day(due.date()) and due.time() == cal.periods[-1][1]
    assert due.date() > cal.local(start).date()


@given(
    st.lists(
        st.tuples(starts, st.sampled_from([1.0, 4.0, 2.5]), st.sampled_from(list(ClockType))),
        min_size=1,
        max_size=40,
    ),
    st.randoms(use_true_random=False),
)
def test_remembered_deadlines_equal_fresh_ones(asked, rnd):
    """A calendar asked the same (start, limit) again, in any order and past its memory's
    bound, answers as a calendar that never saw it."""
    import gridops.tickets.calendar as calendar_module

    cal = WorkCalendar(holidays=CAL.holidays, workdays=CAL.workdays)
    queries = [(start, TimeLimit(a, clock)) for start, a, clock in asked]
    queries += rnd.sample(queries, len(queries))  # each asked again, shuffled
    for start, limit in queries:
        fresh = WorkCalendar(holidays=CAL.holidays, workdays=CAL.workdays)
        assert cal.deadline(start, limit) == fresh.deadline(start, limit)
        assert len(cal._deadlines) <= calendar_module.DEADLINES_KEPT


def test_a_deadline_is_remembered_per_start_and_limit():
    cal = WorkCalendar()
    start = local(2026, 3, 2, 9)
    first = cal.deadline(start, TimeLimit(4, ClockType.WORKING_HOURS))
    assert cal._deadlines == {(start, TimeLimit(4, ClockType.WORKING_HOURS)): first}
    assert cal.deadline(start, TimeLimit(4, ClockType.WORKING_HOURS)) is first
    assert cal.deadline(start, TimeLimit(4, ClockType.HOURS)) == start + timedelta(hours=4)
    assert len(cal._deadlines) == 2
