"""Intake: validation before any write, locating, idempotency, on-site fixes, the kick."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridops.errors import UserError
from gridops.queue.drain import pending_key
from gridops.services.errors import OutsideGrid
from gridops.services.intake import IntakeReport, submit
from gridops.tickets import Role, Source, Status

from .conftest import NOW, report_at, some_cells


def test_submit_creates_located_tickets_and_kicks_routing(ctx) -> None:
    cells = some_cells(ctx, 5)
    reports = [report_at(ctx, c) for c in cells]
    made = submit(ctx, reports, actor="gw-1", role=Role.GRID_WORKER, now=NOW)
    assert [t.cells[-1] for t in made] == cells
    assert all(t.status is Status.REPORTED and t.kind.value == "event" for t in made)
    assert all(len(t.cells) == 3 and t.cells[0] == t.cells[2][:9] for t in made)
    assert ctx.store.count() == 5
    assert ctx.redis().exists(pending_key("routing"))


def test_wgs84_points_are_normalised_to_the_grid_crs(ctx) -> None:
    from gridops.grids.crs import to_grid_crs

    cell = some_cells(ctx, 1)[0]
    lon, lat = report_at(ctx, cell).lon, report_at(ctx, cell).lat
    wlon, wlat = to_grid_crs(lon, lat, ctx.grid.crs, "EPSG:4326")
    report = IntakeReport("E0102", wlon, wlat, crs="EPSG:4326", source=Source.HOTLINE)
    (t,) = submit(ctx, [report], actor="hotline", role=Role.ACCEPTOR, now=NOW)
    assert t.cells[-1] == cell
    assert (t.lon, t.lat, t.crs) == (wlon, wlat, "EPSG:4326")
    assert t.point_lon == pytest.approx(lon, abs=1e-6)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"category": "X9999"}, "report 1: category 'X9999'"),
        ({"lon": float("nan")}, "report 1: lon nan"),
        ({"source": "pigeon"}, "report 1: source 'pigeon'"),
        ({"priority": 9}, "report 1: priority 9"),
        ({"crs": "EPSG:99999999"}, "report 1: crs"),
        ({"description": "x" * 5000}, "report 1: ticket draft: description"),
        ({"onsite_note": "fixed"}, "report 1: onsite_note needs source grid_worker"),
    ],
)
def test_one_bad_report_writes_nothing(ctx, change, words) -> None:
    cells = some_cells(ctx, 2)
    good = report_at(ctx, cells[0])
    bad = dataclasses.replace(report_at(ctx, cells[1], source=Source.HOTLINE), **change)
    with pytest.raises(UserError) as err:
        submit(ctx, [good, bad], actor="a", role=Role.ACCEPTOR, now=NOW)
    assert words in str(err.value)
    assert ctx.store.count() == 0


def test_outside_the_grid_is_its_own_error(ctx) -> None:
    far = IntakeReport("E0102", 116.39, 39.9)  # Beijing
    with pytest.raises(OutsideGrid, match="report 0: location .* outside every level-1 cell"):
        submit(ctx, [far], actor="a", role=Role.PUBLIC, now=NOW)
    assert ctx.store.count() == 0


def test_same_idempotency_key_gives_the_same_ticket(ctx) -> None:
    cell = some_cells(ctx, 1)[0]
    r = report_at(ctx, cell, idempotency_key="app-42")
    (first,) = submit(ctx, [r], actor="a", role=Role.PUBLIC, now=NOW)
    again = submit(ctx, [r, r], actor="a", role=Role.PUBLIC, now=NOW)
    assert [t.id for t in again] == [first.id, first.id]
    assert ctx.store.count() == 1


def test_onsite_fix_goes_straight_to_handled(ctx) -> None:
    cell = some_cells(ctx, 1)[0]
    r = report_at(ctx, cell, onsite_note="bagged and removed", media=("m1",),
                  idempotency_key="gw-fix-1")  # fmt: skip
    (t,) = submit(ctx, [r], actor="gw-1", role=Role.GRID_WORKER, now=NOW)
    assert t.status is Status.HANDLED and t.onsite
    assert t.owner_unit == f"gw-{cell}" and t.evidence == ("m1",)
    assert [e.type for e in ctx.store.events(t.id)] == ["report", "onsite_resolve"]
    (same,) = submit(ctx, [r], actor="gw-1", role=Role.GRID_WORKER, now=NOW)
    assert same.id == t.id and same.version == t.version
    assert ctx.store.verify_chains() == []


@pytest.mark.parametrize(
    ("role", "source"),
    [(Role.INSPECTOR, Source.INSPECTOR), (Role.FIELD_STAFF, Source.GRID_WORKER)],
)
def test_inspectors_and_field_staff_may_self_report_an_onsite_fix(ctx, role, source) -> None:
    r = report_at(ctx, some_cells(ctx, 1)[0], onsite_note="cleared", source=source)
    (t,) = submit(ctx, [r], actor="someone", role=role, now=NOW)
    assert t.status is Status.HANDLED and t.onsite


def test_onsite_fix_from_the_public_is_refused(ctx) -> None:
    r = report_at(ctx, some_cells(ctx, 1)[0], onsite_note="done", source=Source.PUBLIC)
    with pytest.raises(UserError, match="onsite_note needs source"):
        submit(ctx, [r], actor="citizen", role=Role.PUBLIC, now=NOW)


def test_onsite_fix_needs_an_on_site_category(ctx) -> None:
    r = report_at(ctx, some_cells(ctx, 1)[0], category="E0101", onsite_note="done")
    with pytest.raises(UserError, match="may not be resolved on the spot"):
        submit(ctx, [r], actor="gw-1", role=Role.GRID_WORKER, now=NOW)


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_point_of_a_cell_is_placed_in_it(ctx_once, data) -> None:
    ctx = ctx_once
    cell = data.draw(st.sampled_from(some_cells(ctx, 40)))
    (t,) = submit(ctx, [report_at(ctx, cell)], actor="a", role=Role.INSPECTOR, now=NOW)
    assert t.cells[-1] == cell and t.cells[1] == cell[:12]


def test_onsite_fixes_are_never_routed_while_routing_drains(ctx) -> None:
    from gridops.services.routing import route_batch

    stop = threading.Event()
    routed: list[int] = []

    def drain() -> None:
        while not stop.is_set():
            routed.append(route_batch(ctx, 50, now=NOW))

    cells = some_cells(ctx, 40)  # fixes and ordinary reports far apart: no duplicate merges
    worker = threading.Thread(target=drain)
    worker.start()
    fixed, plain = [], []
    try:
        for a, b in zip(cells[::2], cells[1::2], strict=True):
            pair = [report_at(ctx, a, onsite_note="swept"), report_at(ctx, b)]
            fix, rep = submit(ctx, pair, actor="gw-1", role=Role.GRID_WORKER, now=NOW)
            fixed.append(fix)
            plain.append(rep)
    finally:
        stop.set()
        worker.join()
    route_batch(ctx, 100, now=NOW)
    for t in fixed:
        assert [e.type for e in ctx.store.events(t.id)] == ["report", "onsite_resolve"]
        assert ctx.store.get(t.id).status is Status.HANDLED
    assert all(ctx.store.get(t.id).status is not Status.REPORTED for t in plain)
