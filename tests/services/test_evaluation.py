"""Call-back sampling of closed tickets."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gridops.services.actions import act
from gridops.services.evaluation import pending_callbacks, sample_batch, sampled
from gridops.services.intake import submit
from gridops.services.routing import route_batch
from gridops.tickets import Role, Status

from .conftest import NOW, report_at, some_cells


@given(st.lists(st.uuids().map(lambda u: u.hex), min_size=1, max_size=50))
def test_sampling_is_stable_and_bounded_by_rate(ids) -> None:
    assert [sampled(i) for i in ids] == [sampled(i) for i in ids]
    assert not any(sampled(i, 0.0) for i in ids)
    assert all(sampled(i, 1.0) for i in ids)


def closed_tickets(ctx, n: int) -> list:
    """``n`` tickets reported, dispatched, handled and checked: closed (结案)."""
    made = submit(ctx, [report_at(ctx, c) for c in some_cells(ctx, n)], actor="i",
                  role=Role.INSPECTOR, now=NOW)  # fmt: skip
    route_batch(ctx, 100, now=NOW)
    for t in made:
        act(ctx, t.id, "accept", actor="s", role=Role.FIELD_STAFF, now=NOW)
        act(ctx, t.id, "handle", actor="s", role=Role.FIELD_STAFF, now=NOW, note="ok")
        act(ctx, t.id, "check_pass", actor="sup", role=Role.SUPERVISOR, now=NOW)
    return made


def test_closed_tickets_are_looked_at_once_and_sampled_ones_wait(ctx) -> None:
    made = closed_tickets(ctx, 4)
    assert sample_batch(ctx, 100, now=NOW, rate=1.0) == 4
    assert sample_batch(ctx, 100, now=NOW, rate=1.0) == 0
    waiting = pending_callbacks(ctx)
    assert sorted(waiting) == sorted(t.id for t in made)
    act(ctx, waiting[0], "evaluate", actor="citizen", role=Role.PUBLIC, now=NOW, satisfaction=5)
    assert ctx.store.get(waiting[0]).status is Status.EVALUATED
    assert len(pending_callbacks(ctx)) == 3


def test_the_sample_is_drawn_by_case_number(ctx) -> None:
    """Case numbers repeat in a re-run (a simulation with the same seed); ids are random."""
    made = closed_tickets(ctx, 8)
    sample_batch(ctx, 100, now=NOW, rate=0.5)
    expected = sorted(t.id for t in made if sampled(t.number, 0.5))
    assert sorted(pending_callbacks(ctx)) == expected
