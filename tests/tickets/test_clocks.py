"""Clock effects: a pause never shortens a deadline; extension adds exactly its amount."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridops.settings import DEFAULT_CONFIG_DIR
from gridops.tickets import ClockType, TimeLimit, clocks, load_calendar

CAL = load_calendar(DEFAULT_CONFIG_DIR / "calendar.yaml")
starts = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
limits = st.builds(
    TimeLimit, st.floats(min_value=0.5, max_value=60), st.sampled_from(list(ClockType))
)
gaps = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20))


@given(starts, limits, gaps, gaps)
def test_pause_never_shortens_a_deadline(start, limit, before, paused):
    c = clocks.start(limit, start, CAL)
    p = clocks.pause(c, start + before, CAL)
    r = clocks.resume(p, start + before + paused, CAL)
    assert r.due_at is not None and c.due_at is not None
    assert r.due_at >= c.due_at - timedelta(microseconds=1)
    assert r.paused_at is None and r.remaining_s is None


@given(starts, limits, gaps)
def test_pause_and_immediate_resume_keeps_the_deadline(start, limit, before):
    c = clocks.start(limit, start, CAL)
    at = start + before
    r = clocks.resume(clocks.pause(c, at, CAL), at, CAL)
    assert c.due_at is not None and r.due_at is not None
    if at < c.due_at:
        assert abs(r.due_at - c.due_at) <= timedelta(microseconds=2)
    else:
        assert r.due_at == c.due_at  # already overdue: keeps its deadline


@given(starts, st.floats(min_value=0.5, max_value=40), st.floats(min_value=0.25, max_value=20))
def test_extension_adds_its_amount_of_working_time(start, amount, extra):
    c = clocks.start(TimeLimit(amount, ClockType.WORKING_HOURS), start, CAL)
    e = clocks.extend(c, extra, CAL)
    assert e.due_at is not None and c.due_at is not None
    measured = CAL.elapsed(c.due_at, e.due_at, ClockType.WORKING_HOURS)
    assert measured == pytest.approx(extra, abs=1e-6) and e.extended == extra


def test_extension_while_paused_adds_to_what_is_left():
    start = datetime(2026, 11, 20, 1, tzinfo=UTC)
    c = clocks.start(TimeLimit(4, ClockType.WORKING_HOURS), start, CAL)
    p = clocks.extend(clocks.pause(c, start, CAL), 2, CAL)
    assert p.remaining_s == pytest.approx(6 * 3600)


def test_overdue_is_derived_from_deadline_and_now():
    start = datetime(2026, 11, 20, 1, tzinfo=UTC)
    c = clocks.start(TimeLimit(1, ClockType.HOURS), start, CAL)
    assert not c.overdue(start + timedelta(minutes=59))
    assert c.overdue(start + timedelta(minutes=61))
    stopped = clocks.stop(c, start + timedelta(minutes=30))
    assert not stopped.overdue(start + timedelta(days=3))
