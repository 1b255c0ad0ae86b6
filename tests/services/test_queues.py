"""Work queues, my tasks and the timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gridops.services.actions import act
from gridops.services.errors import UnknownQueue
from gridops.services.intake import submit
from gridops.services.queues import QUEUE_FILTERS, QUEUES, my_tasks, queue, queue_counts, timeline
from gridops.services.routing import route_batch
from gridops.tickets import Role

from .conftest import NOW, report_at, some_cells


def test_queues_follow_the_workflow(ctx) -> None:
    cells = some_cells(ctx, 6)
    made = submit(ctx, [report_at(ctx, c) for c in cells], actor="i", role=Role.INSPECTOR, now=NOW)
    assert {t.id for t in queue(ctx, "new", now=NOW)} == {t.id for t in made}
    route_batch(ctx, 100, now=NOW)
    assert queue(ctx, "new", now=NOW) == []
    a, b = (ctx.store.get(t.id) for t in made[:2])
    act(ctx, a.id, "return", actor="s", role=Role.FIELD_STAFF, now=NOW, reason="wrong unit")
    assert [t.id for t in queue(ctx, "returned", now=NOW)] == [a.id]
    act(ctx, b.id, "accept", actor="s", role=Role.FIELD_STAFF, now=NOW)
    act(ctx, b.id, "handle", actor="s", role=Role.FIELD_STAFF, now=NOW, note="done")
    assert [t.id for t in queue(ctx, "handled", now=NOW)] == [b.id]
    later = NOW + timedelta(days=30)
    overdue = queue(ctx, "overdue", now=later)
    assert len(overdue) == 4 and all(t.overdue(later) for t in overdue)
    due = [t.clock.due_at for t in overdue]
    assert due == sorted(due)
    l1 = made[2].cells[0]
    assert all(t.cells[0] == l1 for t in queue(ctx, "overdue", now=later, cell=l1))
    # the counts come from the same definitions as the lists
    for when in (NOW, later):
        counts = queue_counts(ctx, tuple(QUEUES), now=when)
        assert counts == {n: len(queue(ctx, n, now=when, limit=1000)) for n in QUEUES}
    assert queue_counts(ctx, ("overdue",), now=later, cell=l1)["overdue"] == len(
        queue(ctx, "overdue", now=later, cell=l1)
    )


def test_my_tasks_by_deadline_and_the_timeline(ctx) -> None:
    cell = some_cells(ctx, 1)[0]
    cats = ("E0102", "E0104", "E0103")
    made = submit(ctx, [report_at(ctx, cell, category=c) for c in cats], actor="i",
                  role=Role.INSPECTOR, now=NOW)  # fmt: skip
    route_batch(ctx, 100, now=NOW)
    t = ctx.store.get(made[0].id)
    mine = my_tasks(ctx, assignee=t.assignee, unit=t.owner_unit, now=NOW)
    assert t.id in {m.id for m in mine}
    due = [m.clock.due_at for m in mine]
    assert due == sorted(due)
    assert [e.type for e in timeline(ctx, t.number)] == ["report", "dispatch"]


def test_unknown_queue_names_the_known_ones(ctx) -> None:
    with pytest.raises(UnknownQueue, match="new, returned"):
        queue(ctx, "later", now=NOW)
    assert set(QUEUES) == {"new", "returned", "overdue", "escalated", "supervised", "handled",
                           "open"}  # fmt: skip
    assert set(QUEUE_FILTERS) == set(QUEUES)
    with pytest.raises(UnknownQueue):
        queue_counts(ctx, ("later",), now=NOW)
