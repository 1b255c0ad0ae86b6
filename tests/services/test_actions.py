"""Actions: one version-guarded transition by id or number, follow-ups kicked; joint tasks."""

from __future__ import annotations

import pytest

from gridops.errors import UserError
from gridops.queue.drain import pending_key
from gridops.services import joint
from gridops.services.actions import act
from gridops.services.intake import submit
from gridops.services.routing import route_batch
from gridops.store import StaleTicket, UnknownTicket
from gridops.tickets import IllegalTransition, Role, Status, apply

from .conftest import NOW, report_at, some_cells


def dispatched(ctx, category: str = "E0102"):
    (t,) = submit(ctx, [report_at(ctx, some_cells(ctx, 1)[0], category=category)], actor="i",
                  role=Role.INSPECTOR, now=NOW)  # fmt: skip
    route_batch(ctx, 10, now=NOW)
    return ctx.store.get(t.id)


def test_act_by_number_runs_the_workflow_to_closed(ctx, redis_conn) -> None:
    t = dispatched(ctx)
    act(ctx, t.number, "accept", actor="s1", role=Role.FIELD_STAFF, now=NOW)
    act(ctx, t.id, "handle", actor="s1", role=Role.FIELD_STAFF, now=NOW, note="cleaned")
    redis_conn.delete(pending_key("evaluation"))
    done = act(ctx, t.id, "check_pass", actor="sup", role=Role.SUPERVISOR, now=NOW)
    assert done.status is Status.CLOSED
    assert redis_conn.exists(pending_key("evaluation"))
    assert ctx.store.verify_chains() == []


def test_a_stale_write_propagates(ctx) -> None:
    t = dispatched(ctx)
    old = ctx.store.get(t.id)
    act(ctx, t.id, "accept", actor="s1", role=Role.FIELD_STAFF, now=NOW)
    with pytest.raises(StaleTicket):
        ctx.store.apply_transitions(
            [apply(old, "accept", actor="s2", role=Role.FIELD_STAFF, now=NOW)]
        )


def test_illegal_moves_and_unknown_tickets_raise(ctx) -> None:
    t = dispatched(ctx)
    with pytest.raises(IllegalTransition):
        act(ctx, t.id, "check_pass", actor="sup", role=Role.SUPERVISOR, now=NOW)
    with pytest.raises(UnknownTicket):
        act(ctx, "E0102NOPE", "accept", actor="s", role=Role.FIELD_STAFF, now=NOW)


def test_return_kicks_routing(ctx, redis_conn) -> None:
    t = dispatched(ctx)
    redis_conn.delete(pending_key("routing"))
    act(ctx, t.id, "return", actor="s", role=Role.FIELD_STAFF, now=NOW, reason="not ours")
    assert redis_conn.exists(pending_key("routing"))


def test_escalate_needs_a_joint_group(ctx) -> None:
    t = dispatched(ctx)
    with pytest.raises(UserError, match="not a joint-enforcement group"):
        act(ctx, t.id, "escalate", actor="d", role=Role.DISPATCHER, now=NOW, group="dept-water")


def test_joint_enforcement_lead_completes_after_the_others_acknowledge(ctx) -> None:
    t = dispatched(ctx, "E0101")
    group = "jeg-illegal-construction"
    esc = act(ctx, t.id, "escalate", actor="d", role=Role.DISPATCHER, now=NOW, group=group)
    tasks = joint.tasks(ctx, t.id)
    assert len(tasks) == 3 and sum(x.lead for x in tasks) == 1
    lead = next(x for x in tasks if x.lead)
    others = [x for x in tasks if not x.lead]
    with pytest.raises(UserError, match="acknowledged"):
        joint.complete(ctx, esc, department=lead.department, actor="lead-1", now=NOW, note="ok")
    for x in others:
        joint.acknowledge(ctx, esc, department=x.department, actor="x", now=NOW)
    done = joint.complete(ctx, esc, department=lead.department, actor="lead-1", now=NOW,
                          note="demolished")  # fmt: skip
    assert done.status is Status.HANDLED
    assert ctx.store.get(t.id).status is Status.HANDLED
    assert {x.status for x in joint.tasks(ctx, t.id)} == {"acknowledged", "completed"}
    assert ctx.store.verify_chains() == []


def test_rework_of_an_onsite_fix_that_fails_its_check_runs_on_the_category_clock(ctx) -> None:
    """It was "未计时" and could never be overdue: the failed check now starts the category's
    time limit, and the sweeper's overdue query finds it once that has passed."""
    from datetime import timedelta

    from gridops.web.queries import count_overdue

    category = next(c for c in ctx.ops.taxonomy.categories.values() if c.on_site)
    (t,) = submit(ctx, [report_at(ctx, some_cells(ctx, 1)[0], category=category.code,
                                  onsite_note="当场清理")],
                  actor="gw-1", role=Role.GRID_WORKER, now=NOW)  # fmt: skip
    assert t.status is Status.HANDLED and t.clock.due_at is None
    rework = act(ctx, t.id, "check_fail", actor="i-1", role=Role.INSPECTOR, now=NOW,
                 reason="仍有垃圾")  # fmt: skip
    assert rework.status is Status.REWORK and rework.clock.limit == category.time_limit
    assert rework.clock.due_at is not None and rework.clock.running
    later = rework.clock.due_at + timedelta(minutes=1)
    assert ctx.store.get(t.id).overdue(later)
    assert count_overdue(ctx.store, later) == 1 and count_overdue(ctx.store, NOW) == 0
