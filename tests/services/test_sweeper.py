"""The sweeper on a real store: overdue flags once, escalation steps as they come due, joint
tasks, re-kicks."""

from __future__ import annotations

from datetime import timedelta

from gridops.queue.drain import pending_key
from gridops.services import joint
from gridops.services.intake import submit
from gridops.services.routing import route_batch
from gridops.services.sweeper import rekick, sweep
from gridops.tickets import Role, Status

from .conftest import NOW, report_at, some_cells


def one_dispatched(ctx, category: str = "E0102"):
    (t,) = submit(ctx, [report_at(ctx, some_cells(ctx, 1)[0], category=category)], actor="i",
                  role=Role.INSPECTOR, now=NOW)  # fmt: skip
    route_batch(ctx, 10, now=NOW)
    return ctx.store.get(t.id)


def types(ctx, ticket_id: str) -> list[str]:
    return [e.type for e in ctx.store.events(ticket_id)]


def test_overdue_is_flagged_once(ctx) -> None:
    t = one_dispatched(ctx)
    assert t.clock.due_at is not None
    sweep(ctx, 100, now=t.clock.due_at - timedelta(minutes=1))
    assert not ctx.store.get(t.id).supervised
    late = t.clock.due_at + timedelta(minutes=1)
    sweep(ctx, 100, now=late)
    sweep(ctx, 100, now=late + timedelta(seconds=5))
    got = ctx.store.get(t.id)
    assert got.supervised
    supervise = [e for e in ctx.store.events(t.id) if e.type == "supervise"]
    assert len(supervise) == 1 and supervise[0].payload["fields"]["reason"] == "overdue"


def test_escalation_steps_run_in_order_and_once(ctx) -> None:
    t = one_dispatched(ctx)
    snapshot = t.routing["escalation"]
    assert snapshot["policy"] == "standard"
    up = snapshot["up_chain"][0]
    at = t.clock.due_at + timedelta(minutes=1)
    for i in range(3):  # overdue flag + notify step; nothing else is due yet
        sweep(ctx, 100, now=at + timedelta(seconds=i))
    assert ctx.store.get(t.id).owner_unit == t.owner_unit
    later = at + timedelta(days=3)  # past the 4 working hours: hand up
    for i in range(3):
        sweep(ctx, 100, now=later + timedelta(seconds=i))
    got = ctx.store.get(t.id)
    assert got.owner_unit == up
    assert types(ctx, t.id).count("reassign") == 1
    assert ctx.store.verify_chains() == []


def test_joint_group_step_escalates_and_creates_tasks(ctx) -> None:
    t = one_dispatched(ctx, "E0101")  # 违法搭建: joint group jeg-illegal-construction
    at = t.clock.due_at + timedelta(minutes=1)
    for days in (0, 3, 10):  # due, hand up, joint group (day 20 would hand to the centre)
        for i in range(3):
            sweep(ctx, 100, now=at + timedelta(days=days, seconds=i))
    got = ctx.store.get(t.id)
    assert got.status is Status.ESCALATED and got.joint_group == "jeg-illegal-construction"
    assert len(joint.tasks(ctx, t.id)) == 3
    assert types(ctx, t.id).count("escalate") == 1


def test_rekick_finds_work_whose_trigger_was_lost(ctx, redis_conn) -> None:
    submit(ctx, [report_at(ctx, some_cells(ctx, 1)[0])], actor="i", role=Role.INSPECTOR, now=NOW)
    redis_conn.flushall()
    assert "routing" in rekick(ctx, now=NOW)
    assert redis_conn.exists(pending_key("routing"))


def test_after_its_first_walk_a_sweep_looks_only_at_changed_or_due_tickets(ctx, monkeypatch):
    """Found by event ids, not clocks: a ticket dispatched "before" the last sweep's time (a
    simulated clock) is still looked at; no sweep walks every running ticket again."""
    from gridops.store import sweep_scan
    from gridops.store.service_tables import escalations

    walks = []
    walk = sweep_scan.all_running
    monkeypatch.setattr(sweep_scan, "all_running",
                        lambda *a, **k: walks.append(1) or walk(*a, **k))  # fmt: skip
    first = one_dispatched(ctx)
    sweep(ctx, 100, now=NOW + timedelta(days=3))  # the first sweep walks
    second = one_dispatched(ctx, category="E0104")  # dispatched at NOW, days "earlier"
    sweep(ctx, 100, now=NOW + timedelta(minutes=1))
    with ctx.store.engine.connect() as conn:
        seen = {r.ticket_id: r.version_seen for r in conn.execute(escalations.select())}
    assert walks == [1]
    assert seen[second.id] == ctx.store.get(second.id).version  # looked at without a walk
    assert first.id in seen
