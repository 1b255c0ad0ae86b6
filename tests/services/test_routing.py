"""The routing stage, run in-process on a real store: dispatch, duplicates, verification,
assignment on shift, returns and the batch's single version-guarded write."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridops.org import RoutingDecision
from gridops.services.actions import act
from gridops.services.intake import submit
from gridops.services.routing import route_batch, route_run
from gridops.store.engine import _WRITE_LOCKS
from gridops.store.queries import count_by_status
from gridops.store.schema import ticket_claims
from gridops.tickets import Role, Source, Status

from .conftest import NOW, make_context, report_at, some_cells


def dispatch_events(ctx, ticket_id: str) -> int:
    return sum(1 for e in ctx.store.events(ticket_id) if e.type == "dispatch")


def test_batch_dispatches_with_owner_assignee_deadline_and_reasons(ctx) -> None:
    cells = some_cells(ctx, 20)
    made = submit(ctx, [report_at(ctx, c) for c in cells], actor="gw", role=Role.GRID_WORKER,
                  now=NOW)  # fmt: skip
    assert route_batch(ctx, 200, now=NOW) == 20
    for t in made:
        got = ctx.store.get(t.id)
        assert got.status is Status.DISPATCHED
        decision = RoutingDecision.from_dict(got.routing)
        assert got.owner_unit == decision.owner_unit and decision.reasons
        assert got.routing["assignment"]
        assert got.clock.due_at is not None and got.clock.due_at > NOW
        if got.assignee:
            assert got.assignee.startswith(got.owner_unit)
        assert dispatch_events(ctx, t.id) == 1
    assert route_batch(ctx, 200, now=NOW) == 0  # nothing left; running again changes nothing
    assert ctx.store.verify_chains() == []


def test_least_open_work_spreads_assignments(ctx) -> None:
    cell = some_cells(ctx, 1)[0]
    cats = ("E0102", "E0104", "E0103", "E0105")  # different categories: no duplicates
    reports = [report_at(ctx, cell, category=c, source=Source.INSPECTOR) for c in cats]
    made = submit(ctx, reports, actor="i", role=Role.INSPECTOR, now=NOW)
    route_batch(ctx, 200, now=NOW)
    got = [ctx.store.get(t.id) for t in made]
    by_unit: dict[str, list[str]] = {}
    for t in got:
        if t.assignee:
            by_unit.setdefault(t.owner_unit, []).append(t.assignee)
    for assignees in by_unit.values():  # within a unit, nobody gets a second before all have one
        counts = [assignees.count(a) for a in set(assignees)]
        assert max(counts) - min(counts) <= 1


def test_a_nearby_report_of_the_same_category_is_merged(ctx) -> None:
    cell = some_cells(ctx, 1)[0]
    (first,) = submit(ctx, [report_at(ctx, cell)], actor="i", role=Role.INSPECTOR, now=NOW)
    route_batch(ctx, 200, now=NOW)
    later = NOW + timedelta(hours=1)
    dupes = submit(ctx, [report_at(ctx, cell), report_at(ctx, cell)], actor="i",
                   role=Role.INSPECTOR, now=later)  # fmt: skip
    route_batch(ctx, 200, now=later)
    assert all(ctx.store.get(d.id).status is Status.DUPLICATE for d in dupes)
    assert all(ctx.store.get(d.id).duplicate_of == first.id for d in dupes)
    assert ctx.store.get(first.id).report_count == 3
    assert ctx.store.verify_chains() == []


def test_duplicates_inside_one_batch_merge_into_the_first(ctx) -> None:
    cell = some_cells(ctx, 1)[0]
    made = submit(ctx, [report_at(ctx, cell)] * 3, actor="i", role=Role.INSPECTOR, now=NOW)
    route_batch(ctx, 200, now=NOW)
    statuses = [ctx.store.get(t.id).status for t in made]
    assert statuses == [Status.DISPATCHED, Status.DUPLICATE, Status.DUPLICATE]
    assert ctx.store.get(made[0].id).report_count == 3


def test_public_reports_that_need_verification_go_to_the_grid_worker(ctx) -> None:
    cell = some_cells(ctx, 1)[0]
    (t,) = submit(ctx, [report_at(ctx, cell, category="E0103", source=Source.PUBLIC)],
                  actor="citizen", role=Role.PUBLIC, now=NOW)  # fmt: skip
    route_batch(ctx, 200, now=NOW)
    assert ctx.store.get(t.id).status is Status.VERIFYING
    act(ctx, t.id, "verified", actor=f"gw-{cell}-1", role=Role.GRID_WORKER, now=NOW)
    route_batch(ctx, 200, now=NOW)
    assert ctx.store.get(t.id).status is Status.DISPATCHED


def test_a_returned_ticket_goes_to_the_next_candidate_then_manual(ctx) -> None:
    cell = some_cells(ctx, 1)[0]
    (t,) = submit(ctx, [report_at(ctx, cell)], actor="i", role=Role.INSPECTOR, now=NOW)
    route_batch(ctx, 200, now=NOW)
    owners = []
    for _ in range(3):
        cur = ctx.store.get(t.id)
        owners.append(cur.owner_unit)
        act(ctx, t.id, "return", actor="staff", role=Role.FIELD_STAFF, now=NOW,
            reason="not ours")  # fmt: skip
        route_batch(ctx, 200, now=NOW)
    final = ctx.store.get(t.id)
    assert final.status is Status.DISPATCHED
    assert len(set(owners)) == len(owners)  # never back to a unit that returned it
    assert final.owner_unit not in owners
    assert final.routing["manual"] and final.assignee == ""
    assert dispatch_events(ctx, t.id) == 4


def test_a_run_takes_batches_while_they_come_back_full(ctx) -> None:
    cells = some_cells(ctx, 25)
    submit(ctx, [report_at(ctx, c) for c in cells], actor="i", role=Role.INSPECTOR, now=NOW)
    assert route_batch(ctx, 10, now=NOW) == 10  # one batch
    assert route_run(ctx, 10, clock=lambda: NOW, run_for_s=60.0) == 15  # 10, then 5: short
    assert count_by_status(ctx.store) == {"dispatched": 25}
    with ctx.store.engine.connect() as conn:  # every claim of the run was written or dropped
        assert conn.execute(ticket_claims.select()).first() is None
    assert route_run(ctx, 10, clock=lambda: NOW, run_for_s=60.0) == 0


@pytest.fixture
def sqlite_ctx(tmp_path, redis_server):
    """A context on SQLite only (the writer lock below is SQLite's)."""
    context = make_context(tmp_path, redis_server)
    yield context
    context.close()


def test_a_run_claims_its_next_batch_in_the_hold_that_wrote_the_last(
    sqlite_ctx, monkeypatch
) -> None:
    """On SQLite another worker's write cannot slip in between a batch's write and the next
    claim: the claim is taken while the writer lock is still held (depth 1 = the run's hold).
    (SQLite only: PostgreSQL has no writer lock to hold.)"""
    ctx = sqlite_ctx
    lock = _WRITE_LOCKS[ctx.store.engine]
    depths: list[tuple[str, int]] = []
    store_type = type(ctx.store)
    for name in ("claim_ids", "write_prepared"):
        original = getattr(store_type, name)

        def spy(self, *a, _original=original, _name=name, **k):
            depths.append((_name, lock.depth))
            return _original(self, *a, **k)

        monkeypatch.setattr(store_type, name, spy)
    cells = some_cells(ctx, 25)
    submit(ctx, [report_at(ctx, c) for c in cells], actor="i", role=Role.INSPECTOR, now=NOW)
    assert route_run(ctx, 10, clock=lambda: NOW, run_for_s=60.0) == 25
    assert depths == [
        ("claim_ids", 0),  # the first claim: nothing held yet
        ("write_prepared", 1), ("claim_ids", 1),  # batch 1 written, batch 2 claimed: one hold
        ("write_prepared", 1), ("claim_ids", 1),
        ("write_prepared", 1),  # batch 3 came back short: no further claim
    ]  # fmt: skip


def test_counts_by_status_add_up(ctx) -> None:
    cells = some_cells(ctx, 10)
    submit(ctx, [report_at(ctx, c) for c in cells], actor="i", role=Role.INSPECTOR, now=NOW)
    route_batch(ctx, 4, now=NOW)
    counts = count_by_status(ctx.store)
    assert sum(counts.values()) == ctx.store.count() == 10
    assert counts == {"dispatched": 4, "reported": 6}


@settings(max_examples=120, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    offsets=st.lists(  # in 1e-5 degrees: about a metre
        st.tuples(st.integers(-1500, 1500), st.integers(-1500, 1500), st.integers(0, 30)),
        max_size=25,
    ),
    radius=st.sampled_from([10.0, 50.0, 200.0, 400.0, 950.0, 1400.0]),
    lat=st.sampled_from([31.22, 45.75, 60.17]),  # Shanghai, Harbin, and a far-north city
)
def test_the_duplicate_search_finds_what_brute_force_finds(ctx, offsets, radius, lat) -> None:
    """Buckets and screens (degree box, sphere) never change the answer: the nearest open
    ticket of the category within the radius and the window, by geodesic distance."""
    from dataclasses import replace

    from gridops.grids.geodesy import distance_m
    from gridops.services.routing import Batch

    lon = 121.55
    (t,) = submit(ctx, [report_at(ctx, some_cells(ctx, 1)[0])], actor="i",
                  role=Role.INSPECTOR, now=NOW)  # fmt: skip
    t = replace(t, point_lon=lon, point_lat=lat)
    batch = Batch(ctx, NOW, [t])
    batch._candidates = {}
    pool = []
    for i, (dx, dy, age_h) in enumerate(offsets):
        c = {"id": f"c{i:02d}", "category": t.category, "point_lon": lon + dx * 1e-5,
             "point_lat": lat + dy * 1e-5, "created_at": NOW - timedelta(hours=age_h)}  # fmt: skip
        batch._remember(c)
        pool.append(c)
    since = NOW - timedelta(hours=24)
    near = sorted(
        (distance_m(lon, lat, c["point_lon"], c["point_lat"]), c["id"])
        for c in pool
        if c["created_at"] >= since
    )
    inside = [(d, i) for d, i in near if d <= radius]
    expected = min(inside)[1] if inside else None
    assert batch._duplicate_of(t, radius, 24) == expected


def points_across_a_community_border(ctx) -> tuple[tuple[float, float], tuple[float, float]]:
    """Two points about 3 m apart in two different level-2 cells (居村)."""
    import shapely

    cells = ctx.grid.cells_at(2)
    for a in cells[:50]:
        for b in cells:
            if b.code == a.code or not a.geometry.touches(b.geometry):
                continue
            edge = shapely.intersection(a.geometry.boundary, b.geometry.boundary)
            p = edge.representative_point() if not edge.is_empty else None
            if p is None:
                continue
            for dx, dy in ((1.5e-5, 0), (0, 1.5e-5), (1.5e-5, 1.5e-5)):
                one, two = (p.x - dx, p.y - dy), (p.x + dx, p.y + dy)
                la, lb = ctx.grid.locate(*one), ctx.grid.locate(*two)
                l2a = la.codes[1] if la and len(la.codes) > 1 else ""
                l2b = lb.codes[1] if lb and len(lb.codes) > 1 else ""
                if l2a and l2b and l2a != l2b:
                    return one, two
    raise AssertionError("no two touching level-2 cells in the sample grid")


def test_a_report_just_across_a_community_border_is_still_a_duplicate(ctx) -> None:
    """The duplicate radius does not stop at a level-2 cell's edge."""
    from gridops.services.intake import IntakeReport

    one, two = points_across_a_community_border(ctx)
    reports = [IntakeReport("E0102", lon, lat, crs=ctx.grid.crs, source=Source.INSPECTOR)
               for lon, lat in (one, two)]  # fmt: skip
    (first,) = submit(ctx, reports[:1], actor="i", role=Role.INSPECTOR, now=NOW)
    route_batch(ctx, 200, now=NOW)
    later = NOW + timedelta(minutes=10)
    (second,) = submit(ctx, reports[1:], actor="i", role=Role.INSPECTOR, now=later)
    route_batch(ctx, 200, now=later)
    got = ctx.store.get(second.id)
    assert got.cells[1] != ctx.store.get(first.id).cells[1]  # really across the border
    assert got.status is Status.DUPLICATE and got.duplicate_of == first.id


def test_a_ticket_dated_past_tomorrow_is_set_aside_not_retried_and_the_rest_routed(
    ctx, caplog: pytest.LogCaptureFixture
) -> None:
    """An import of long ago left a ticket reported on 9999-12-31 (and one on 0001-01-01):
    the batch still routes the others, and the far one is set aside with one warning an hour
    instead of failing (and being retried) on every drain."""
    far, old, fine = some_cells(ctx, 3)
    gw = {"actor": "gw", "role": Role.GRID_WORKER}
    [future] = submit(ctx, [report_at(ctx, far)], now=datetime(9999, 12, 31, 15, 59, tzinfo=UTC),
                      **gw)  # fmt: skip
    [ancient] = submit(ctx, [report_at(ctx, old)], now=datetime(1, 1, 1, tzinfo=UTC), **gw)
    [today] = submit(ctx, [report_at(ctx, fine)], now=NOW, **gw)
    caplog.set_level(logging.WARNING, logger="gridops.services.routing")
    assert route_batch(ctx, 10, now=NOW) == 3
    assert ctx.store.get(today.id).status is Status.DISPATCHED
    assert ctx.store.get(ancient.id).status is Status.DISPATCHED
    assert ctx.store.get(future.id).status is Status.REPORTED
    assert not any(r.exc_info for r in caplog.records)  # no "failed; released" traceback
    [warning] = [r.getMessage() for r in caplog.records]
    assert future.number in warning and "9999-12-31T15:59:00+00:00" in warning
    assert "set aside for 1:00:00, not routed: correct its date or void it" in warning
    assert route_batch(ctx, 10, now=NOW + timedelta(minutes=59)) == 0  # still set aside
    caplog.clear()
    assert route_batch(ctx, 10, now=NOW + timedelta(hours=1, seconds=1)) == 1  # looked at again
    assert ctx.store.get(future.id).status is Status.REPORTED and len(caplog.records) == 1
    assert ctx.store.verify_chains() == []
