"""Daily rollups agree with the direct aggregation over the tickets, and stay current."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from gridops.metrics import parse_period
from gridops.store import Store
from gridops.store.rollups import (
    DIMS,
    RollupParams,
    indicator_counts,
    refresh_rollups,
    rollup_counts,
    rollups_fresh,
)
from gridops.store.schema import tickets
from metrics.handset import LIMIT, T0, A, build_set, draft

NOW = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
PARAMS = RollupParams()
OCT = parse_period("2026-10")


def direct(store: Store, by: str, now: datetime = NOW) -> dict[str, dict[str, int]]:
    groups = indicator_counts(store.engine, by=by, start=OCT.start, end=OCT.end, as_of=now)
    return {g.key: g.counts for g in groups}


def rolled(store: Store, by: str) -> dict[str, dict[str, int]]:
    first, after = OCT.days()
    return {g.key: g.counts for g in rollup_counts(store.engine, by=by, first=first, after=after)}


def test_rollups_equal_direct_counts(store: Store):
    build_set(store)
    assert not rollups_fresh(store.engine, PARAMS)
    assert refresh_rollups(store.engine, now=NOW, params=PARAMS) == 1  # one day of tickets
    assert rollups_fresh(store.engine, PARAMS)
    for by in DIMS:
        assert rolled(store, by) == direct(store, by)
    first, after = OCT.days()
    a = {g.key: g for g in rollup_counts(store.engine, by="unit", first=first, after=after)}[A]
    assert a.stages["report_to_dispatch"].n == 3
    assert abs((a.stages["report_to_dispatch"].mean or 0) - 1600) < 0.01


def test_refresh_recomputes_only_changed_days(store: Store):
    ids = build_set(store)
    refresh_rollups(store.engine, now=NOW, params=PARAMS)
    assert refresh_rollups(store.engine, now=NOW + timedelta(minutes=10), params=PARAMS) == 0
    later = NOW + timedelta(hours=1)
    store.transition(ids["a3"], "accept", actor="x", role="field_staff", now=later)
    store.transition(ids["a3"], "handle", actor="x", role="field_staff", now=later, note="ok")
    made = store.create_tickets([draft(3)], now=T0 + timedelta(days=3))
    store.transition(made[0].id, "dispatch", actor="r", role="system", now=later,
                     owner_unit=A, time_limit=LIMIT)  # fmt: skip
    again = later + timedelta(minutes=10)
    assert refresh_rollups(store.engine, now=again, params=PARAMS) == 2
    assert rolled(store, "unit") == direct(store, "unit", again)
    assert rolled(store, "unit")[A]["handled"] == 3


def test_changed_params_rebuild_everything(store: Store):
    build_set(store)
    refresh_rollups(store.engine, now=NOW, params=PARAMS)
    strict = RollupParams(dispatch_limit_s=60, satisfied_min=5)
    assert not rollups_fresh(store.engine, strict)
    refresh_rollups(store.engine, now=NOW, params=strict)
    first, after = OCT.days()
    assert rolled(store, "unit")[A]["dispatched_on_time"] == 0
    assert rolled(store, "unit")[A]["satisfied"] == 1
    assert (first, after) == (date(2026, 10, 1), date(2026, 11, 1))


def test_a_write_committed_late_with_an_earlier_clock_is_not_missed(store: Store):
    ids = build_set(store)
    refresh_rollups(store.engine, now=NOW, params=PARAMS)
    # a worker read its clock before the refresh but committed after it
    store.transition(ids["a3"], "accept", actor="x", role="field_staff",
                     now=NOW - timedelta(minutes=1))  # fmt: skip
    assert refresh_rollups(store.engine, now=NOW + timedelta(minutes=2), params=PARAMS) == 1
    assert rolled(store, "unit") == direct(store, "unit", NOW + timedelta(minutes=2))


def test_tickets_dated_past_the_calendar_are_skipped_with_a_warning(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """A database already holding tickets of 9999-12-31 and 0001-01-01 (an old import's
    typos): the first refresh rebuilds the one real day, not every day between (~3.65
    million), and a day whose local date is past the calendar's end does not crash it."""
    build_set(store)
    far = datetime(9999, 12, 31, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
    store.create_tickets([draft(1)], now=far)
    [past_end] = store.create_tickets([draft(2)], now=far)
    with store.engine.begin() as conn:  # 23:00 UTC has no local day (it would be year 10000)
        t = tickets.c
        conn.execute(
            update(tickets).where(t.id == past_end.id).values(created_at=far.replace(hour=23))
        )
    [ancient] = store.create_tickets([draft(3)], now=datetime(1, 1, 1, tzinfo=UTC))
    caplog.set_level(logging.WARNING, logger="gridops.store.rollups")
    assert refresh_rollups(store.engine, now=NOW, params=PARAMS) == 1
    assert rolled(store, "unit") == direct(store, "unit")
    [warning] = [r.getMessage() for r in caplog.records]
    skipped = "0001-01-01, 9999-12-31, after 9999-12-31"
    assert f"3 day(s) outside 1900-01-01 .. 2026-11-21 skipped ({skipped})" in warning
    # the changed-days path and the importer's explicit days skip them too
    store.transition(ancient.id, "void", actor="d", role="dispatcher", now=NOW, reason="typo")
    assert refresh_rollups(store.engine, now=NOW + timedelta(minutes=10), params=PARAMS) == 0
    days = {date(9999, 12, 31), date(1, 1, 1), T0.date()}
    assert refresh_rollups(store.engine, now=NOW, params=PARAMS, days=days) == 1
