"""Simulated time on a real SQLite store: days of incidents through the real services with a
simulated clock — chains verify, counts add up, deadlines are missed and escalated by the
sweeper, every timestamp is simulated, and the same seed gives the same counts. No Redis."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridops.errors import UserError
from gridops.org.roster import on_shift
from gridops.services.context import ServiceContext
from gridops.services.simulation_clock import (
    SimulatedOutcome,
    SimulatedPeriod,
    default_start,
    simulate_days,
)
from gridops.sim import SimParams
from gridops.store.queries import count_by_status
from gridops.tickets import Status

from .conftest import make_context

#: Monday 2026-11-02 08:00 in Shanghai, and a wall clock well after the runs.
START = datetime(2026, 11, 2, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
WALL = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
NO_REDIS = "redis://127.0.0.1:9"  # nothing listens: a kick would log "kick … lost"


def fresh(tmp_path, name: str) -> ServiceContext:
    (tmp_path / name).mkdir()
    return make_context(tmp_path / name, NO_REDIS)


def run(ctx: ServiceContext, days: float, per_hour: float, seed: int) -> SimulatedOutcome:
    period = SimulatedPeriod(START, days, per_hour=per_hour, seed=seed)
    return simulate_days(ctx, period, wall_now=WALL)


@pytest.fixture(scope="module")
def two_days(tmp_path_factory: pytest.TempPathFactory):
    """Two simulated days at 5 incidents an hour, run once for the tests that read them."""
    ctx = fresh(tmp_path_factory.mktemp("sim"), "two-days")
    outcome = run(ctx, 2, 5, seed=1)
    yield ctx, outcome
    ctx.close()


def test_two_days_verify_and_add_up(two_days) -> None:
    ctx, out = two_days
    assert ctx.store.verify_chains() == []
    by_status = count_by_status(ctx.store)
    assert by_status == out.by_status
    assert sum(by_status.values()) == ctx.store.count() == out.submitted > 100
    total = out.rows[-1]
    assert total.reported == out.submitted == sum(r.reported for r in out.rows[:-1])
    assert total.closed == by_status.get("closed", 0) + by_status.get("evaluated", 0)
    assert by_status.get("evaluated", 0) > 0  # call-backs were answered
    assert total.dispatched + total.on_site + total.duplicates >= total.closed
    assert total.due >= total.handled_on_time > total.due // 2


def test_deadlines_are_missed_and_the_sweeper_escalates(two_days) -> None:
    ctx, out = two_days
    total = out.rows[-1]
    assert total.supervised > 0 and total.escalated > 0
    assert total.handled_on_time < total.due
    by_sweeper: dict[str, int] = {}
    for t in ctx.store.find(limit=10_000):
        for e in ctx.store.events(t.id):
            if e.actor == "sweeper":
                by_sweeper[e.type] = by_sweeper.get(e.type, 0) + 1
    assert by_sweeper.get("supervise", 0) > 0  # 督办: overdue
    assert by_sweeper.get("reassign", 0) > 0  # hand up, 4 working hours after the deadline


def test_every_timestamp_is_simulated(two_days) -> None:
    ctx, out = two_days
    end = START + timedelta(days=2)
    assert out.start == START and out.end == end
    for t in ctx.store.find(limit=10_000):
        assert START <= t.reported_at < end
        assert all(START <= e.at <= end for e in ctx.store.events(t.id))


def test_staff_work_their_shifts(two_days) -> None:
    """A grid worker verifies (核实) only while the post has someone on its day shift."""
    ctx, _ = two_days
    verified = [
        (t, e)
        for t in ctx.store.find(limit=10_000)
        for e in ctx.store.events(t.id)
        if e.type == "verified"
    ]
    assert verified
    for t, e in verified:
        post = ctx.grid.cells[t.cells[-1]].owner_unit
        assert on_shift(ctx.roster, post, e.at, ctx.calendar.is_working_day), (post, e.at)


def test_same_seed_same_counts_without_redis(tmp_path, caplog) -> None:
    caplog.set_level(logging.WARNING)
    outs = []
    for name in ("a", "b"):
        ctx = fresh(tmp_path, name)
        try:
            outs.append(run(ctx, 1, 3, seed=5))
        finally:
            ctx.close()
    a, b = outs
    assert a.rows == b.rows and a.submitted == b.submitted
    assert a.by_status == b.by_status  # closed vs evaluated too: sampled by case number
    assert a.by_status.get("evaluated", 0) > 0
    assert "kick" not in caplog.text


def test_a_period_past_the_wall_clock_is_refused(tmp_path) -> None:
    ctx = fresh(tmp_path, "future")
    try:
        period = SimulatedPeriod(START, 3, per_hour=1)
        with pytest.raises(UserError, match="after the wall clock"):
            simulate_days(ctx, period, wall_now=START + timedelta(days=2))
        assert ctx.store.count() == 0
    finally:
        ctx.close()


def test_a_database_with_later_tickets_is_refused(two_days) -> None:
    ctx, _ = two_days
    period = SimulatedPeriod(START - timedelta(days=7), 1, per_hour=1)
    with pytest.raises(UserError, match="already holds"):
        simulate_days(ctx, period, wall_now=WALL)


@given(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 1, 1),
                 timezones=st.just(UTC)),
    st.floats(min_value=0.1, max_value=30),
)  # fmt: skip
def test_default_start_is_the_latest_monday_morning_that_ends_before_now(
    wall: datetime, days: float
) -> None:
    start = default_start(wall, days, "Asia/Shanghai")
    local = start.astimezone(ZoneInfo("Asia/Shanghai"))
    assert (local.weekday(), local.hour, local.minute) == (0, 8, 0)
    assert start + timedelta(days=days) <= wall < start + timedelta(days=days + 7)


@pytest.mark.parametrize(
    ("kw", "word"),
    [({"days": 0}, "days"), ({"per_hour": -1}, "per_hour"), ({"slow_share": 2}, "slow_share"),
     ({"slow_factor": 0.5}, "slow_factor"), ({"step": timedelta(0)}, "step")],
)  # fmt: skip
def test_bad_periods_are_refused(kw: dict, word: str) -> None:
    args = {"start": START, "days": 1.0} | kw
    with pytest.raises(ValueError, match=word):
        SimulatedPeriod(**args)
    with pytest.raises(ValueError, match="timezone"):
        SimulatedPeriod(datetime(2026, 11, 2, 8), 1)


@pytest.mark.pg
def test_postgresql_gives_the_same_day_as_sqlite(tmp_path, pg_url: str, empty_pg) -> None:
    ctx = make_context(tmp_path, NO_REDIS, pg_url)
    try:
        empty_pg(ctx.store.engine)
        on_pg = run(ctx, 1, 3, seed=5)
        assert ctx.store.verify_chains() == []
    finally:
        ctx.close()
    on_sqlite = fresh(tmp_path, "sqlite")
    try:
        assert run(on_sqlite, 1, 3, seed=5).rows == on_pg.rows
    finally:
        on_sqlite.close()


def test_a_ticket_reported_before_but_changed_after_the_start_is_refused(tmp_path) -> None:
    """Reported before the start, dispatched after it: the simulated sweeper would act on it at
    times before its last change, so the period is refused (only reports were checked)."""
    from gridops.services.intake import IntakeReport, submit
    from gridops.services.routing import route_batch
    from gridops.tickets import Role, Source

    ctx = fresh(tmp_path, "changed-later")
    try:
        cell = ctx.grid.cells_at(3)[0].geometry.representative_point()
        cat = sorted(ctx.ops.taxonomy.categories)[0]
        report = IntakeReport(cat, cell.x, cell.y, crs=ctx.grid.crs, source=Source.INSPECTOR)
        submit(ctx, [report], actor="i", role=Role.INSPECTOR, now=START - timedelta(days=2))
        assert route_batch(ctx, 10, now=START + timedelta(hours=1)) == 1
        with pytest.raises(UserError, match="reported or changed at or after"):
            run(ctx, 1, 1, seed=0)
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def public_days(tmp_path_factory: pytest.TempPathFactory):
    """A day and a half of public reports only (5 an hour): Monday 08:00 to Tuesday 20:00."""
    ctx = fresh(tmp_path_factory.mktemp("sim"), "public")
    params = SimParams(sources=(("public", 1.0),))
    period = SimulatedPeriod(START, 1.5, per_hour=5, seed=2, params=params)
    outcome = simulate_days(ctx, period, wall_now=WALL)
    yield ctx, outcome
    ctx.close()


def test_public_reports_do_not_stay_in_verification(public_days) -> None:
    """Issue 18: the simulated grid workers answer the verification tasks (核实) of their posts
    on their shift — mostly it exists, sometimes not (void, 不予立案), now and then it cannot be
    verified and the simulated dispatcher registers it; what is still 核实中 at the end came in
    after the posts' last shift, counts down to its deadline and, once overdue, is 督办."""
    ctx, out = public_days
    cats = ctx.ops.taxonomy.categories
    tuesday_close = START + timedelta(days=1, hours=9, minutes=30)  # the day shift ends 17:30
    moves: Counter[str] = Counter()
    for t in ctx.store.find(limit=10_000):
        seen = [e.type for e in ctx.store.events(t.id)]
        if "verify" not in seen:
            assert not cats[t.category].verify_public or "merge_duplicate" in seen, seen
            continue
        moves.update(seen)
        assert t.owner_unit.startswith("gw-") or t.status is not Status.VERIFYING
        if t.status is Status.VERIFYING:
            assert t.clock.due_at is not None and t.clock.running, t.number
            assert t.verifying_at is not None and t.verifying_at > tuesday_close - timedelta(
                hours=2
            )
            assert t.supervised or t.clock.due_at >= out.end, t.number  # overdue → 督办
        if "verified_absent" in seen:
            assert t.status is Status.VOID and t.last_reason
        if t.status is Status.UNVERIFIED:  # the dispatcher has not had 15 minutes yet
            last = ctx.store.events(t.id)[-1]
            assert last.type == "unverifiable" and last.at > out.end - timedelta(minutes=20)
    assert moves["verify"] > 50
    assert moves["verified"] > moves["verified_absent"] > 0
    assert moves["unverifiable"] >= moves["register"] > 0
    assert ctx.store.verify_chains() == []
