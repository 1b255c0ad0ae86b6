"""Report periods: month, ISO week, day, year and ranges in the city's local time."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridops.errors import UserError
from gridops.metrics import parse_period


def test_month_is_local():
    p = parse_period("2026-10")
    assert p.start == datetime(2026, 9, 30, 16, 0, tzinfo=UTC)
    assert p.end == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert p.days() == (date(2026, 10, 1), date(2026, 11, 1))


def test_forms():
    assert parse_period("2026-12").days() == (date(2026, 12, 1), date(2027, 1, 1))
    assert parse_period("2026-W43").days() == (date(2026, 10, 19), date(2026, 10, 26))
    assert parse_period("2026-10-05").days() == (date(2026, 10, 5), date(2026, 10, 6))
    assert parse_period("2026").days() == (date(2026, 1, 1), date(2027, 1, 1))
    assert parse_period("2026-10-01..2026-10-15").days() == (date(2026, 10, 1), date(2026, 10, 16))
    assert parse_period("2026-09..2026-10").days() == (date(2026, 9, 1), date(2026, 11, 1))


@pytest.mark.parametrize("text", ["2026-13", "Oct 2026", "2026-W60", "", "2026-10-05..2026-10-01"])
def test_bad_periods_say_what_is_accepted(text: str):
    with pytest.raises(UserError, match="period"):
        parse_period(text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("0001", "period '0001' lies outside the years 1900 to 9000"),
        ("0001-W01", "period '0001-W01' lies outside"),
        ("0001-01-01..2026-01-01", "lies outside the years 1900 to 9000"),
        ("9999-12-31", "period '9999-12-31' is not understood"),
        ("9999-W52", "period '9999-W52' is not understood"),
    ],
)
def test_periods_past_the_calendar_are_user_errors_not_overflows(text: str, words: str):
    """A year-1 period overflowed turning local midnight into UTC (a traceback in `gridops
    report`, a 500 in the supervision console)."""
    with pytest.raises(UserError, match=re.escape(words)):
        parse_period(text)
    assert parse_period("9000-12").end.year == 9000  # the last month kept


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)))
def test_a_day_lies_inside_its_month_week_and_year(day: date):
    inner = parse_period(day.isoformat())
    y, w, _ = day.isocalendar()
    for outer in (f"{day:%Y-%m}", f"{y}-W{w:02d}", f"{day:%Y}"):
        p = parse_period(outer)
        assert p.start <= inner.start < inner.end <= p.end
