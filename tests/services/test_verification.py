"""Verification of public reports (核实) on a real store (SQLite and PostgreSQL): routing makes a
task of the cell's grid-worker post with the category's deadline; the three answers move it on
(exists → dispatched, absent → void 不予立案, cannot verify → the dispatcher's decision); an
overdue verification is flagged 督办 by the sweeper and the verifying post is told; a report
found absent is not registered (立案率)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gridops.errors import UserError
from gridops.notify import LogSender
from gridops.services.intake import submit
from gridops.services.notifying import notify_batch
from gridops.services.queues import queue
from gridops.services.routing import route_batch
from gridops.services.sweeper import OVERDUE_VERIFICATION, sweep
from gridops.services.verification import answer, register, send_for_verification, tasks
from gridops.store.queries import TicketScope
from gridops.store.rollups import indicator_counts
from gridops.tickets import BadTransitionInput, Role, RoleNotAllowed, Source, Status

from .conftest import NOW, report_at, some_cells

CATEGORY = "E0103"  # 积存垃圾渣土: verify_public, verify_limit 2 working hours (defaults)


def public_reports(ctx, n: int = 1, category: str = CATEGORY):
    cells = some_cells(ctx, n)
    made = submit(ctx, [report_at(ctx, c, category=category, source=Source.PUBLIC) for c in cells],
                  actor="citizen", role=Role.PUBLIC, now=NOW)  # fmt: skip
    route_batch(ctx, 100, now=NOW)
    return [ctx.store.get(t.id) for t in made]


def types(ctx, ticket_id: str) -> list[str]:
    return [e.type for e in ctx.store.events(ticket_id)]


def test_routing_makes_a_task_of_the_cells_post_with_the_categorys_deadline(ctx) -> None:
    (t,) = public_reports(ctx)
    limit = ctx.ops.taxonomy.categories[CATEGORY].verify_limit
    assert t.status is Status.VERIFYING and t.owner_unit == f"gw-{t.cells[-1]}"
    assert t.owner_unit in ctx.ops.org and t.assignee == ""
    assert t.clock.limit == limit and t.clock.started_at == NOW == t.verifying_at
    assert t.clock.due_at == ctx.calendar.deadline(NOW, limit) > NOW
    [event] = [e for e in ctx.store.events(t.id) if e.type == "verify"]
    assert t.owner_unit in event.payload["fields"]["note"]
    post = TicketScope(owner_units=frozenset({t.owner_unit}))
    assert [x.id for x in tasks(ctx, scope=post)] == [t.id]
    other = TicketScope(owner_units=frozenset({"gw-nowhere"}))
    assert tasks(ctx, scope=other) == []


def test_exists_is_dispatched_by_routing(ctx) -> None:
    (t,) = public_reports(ctx)
    later = NOW + timedelta(minutes=30)
    done = answer(ctx, t.id, "exists", actor="gw-1", role=Role.GRID_WORKER, now=later,
                  note="属实", evidence=["v.jpg"])  # fmt: skip
    assert done.status is Status.VERIFIED and done.clock.stopped_at == later
    route_batch(ctx, 100, now=later)
    got = ctx.store.get(t.id)
    assert got.status is Status.DISPATCHED and got.clock.started_at == later
    assert got.owner_unit and got.clock.stopped_at is None
    assert types(ctx, t.id) == ["report", "verify", "verified", "dispatch"]
    assert ctx.store.verify_chains() == []


def test_absent_is_void_not_registered_with_the_reason(ctx) -> None:
    (t,) = public_reports(ctx)
    with pytest.raises(BadTransitionInput, match="requires 'reason'"):
        answer(ctx, t.id, "absent", actor="gw-1", role=Role.GRID_WORKER, now=NOW)
    assert ctx.store.get(t.id).status is Status.VERIFYING  # nothing half-written
    gone = answer(ctx, t.id, "absent", actor="gw-1", role=Role.GRID_WORKER, now=NOW,
                  reason="现场未发现")  # fmt: skip
    assert gone.status is Status.VOID and gone.last_reason == "现场未发现"
    assert route_batch(ctx, 100, now=NOW) == 0 and ctx.store.get(t.id).status is Status.VOID


def test_unverifiable_goes_back_to_the_dispatcher_who_decides(ctx) -> None:
    a, b = public_reports(ctx, 2)
    for t in (a, b):
        answer(ctx, t.id, "unverifiable", actor="i-1", role=Role.INSPECTOR, now=NOW,
               reason="无法进入小区")  # fmt: skip
    new = [x.id for x in queue(ctx, "new", now=NOW)]
    assert a.id in new and b.id in new  # 待派遣
    assert route_batch(ctx, 100, now=NOW) == 0  # nobody routes it until someone decides
    with pytest.raises(RoleNotAllowed):
        register(ctx, a.id, actor="gw", role=Role.GRID_WORKER, now=NOW)
    register(ctx, a.id, actor="d-1", role=Role.DISPATCHER, now=NOW, note="按属实立案")
    route_batch(ctx, 100, now=NOW)
    assert ctx.store.get(a.id).status is Status.DISPATCHED
    later = NOW + timedelta(hours=1)
    again = send_for_verification(ctx, b.id, actor="d-1", role=Role.DISPATCHER, now=later)
    limit = ctx.ops.taxonomy.categories[CATEGORY].verify_limit
    assert again.status is Status.VERIFYING and again.owner_unit == b.owner_unit
    assert again.clock.due_at == ctx.calendar.deadline(later, limit)


def test_an_unknown_answer_is_refused_naming_the_choices(ctx) -> None:
    (t,) = public_reports(ctx)
    with pytest.raises(UserError, match="answer 'maybe' is unknown; one of: exists, absent"):
        answer(ctx, t.id, "maybe", actor="gw", role=Role.GRID_WORKER, now=NOW)


def test_an_overdue_verification_is_supervised_once_and_the_post_is_told(ctx) -> None:
    (t,) = public_reports(ctx)
    assert t.clock.due_at is not None
    sweep(ctx, 100, now=t.clock.due_at - timedelta(minutes=1))
    assert not ctx.store.get(t.id).supervised
    late = t.clock.due_at + timedelta(minutes=1)
    assert [x.id for x in queue(ctx, "overdue", now=late)] == [t.id]
    for i in range(3):
        sweep(ctx, 100, now=late + timedelta(seconds=i))
    got = ctx.store.get(t.id)
    assert got.supervised and got.status is Status.VERIFYING
    flags = [e for e in ctx.store.events(t.id) if e.type == "supervise"]
    assert len(flags) == 1 and flags[0].payload["fields"]["reason"] == OVERDUE_VERIFICATION
    assert [x.id for x in queue(ctx, "supervised", now=late)] == [t.id]
    sender = LogSender()
    notify_batch(ctx, 100, now=late, sender=sender)
    told = {(m.recipient, m.kind) for m in sender.sent}
    assert (t.owner_unit, "verify") in told  # the task itself
    assert (t.owner_unit, "supervise") in told and (
        f"supervisor@sc-{t.cells[0]}",
        "supervise",
    ) in told


def test_a_report_found_absent_is_not_registered(ctx) -> None:
    found, absent, unknown = public_reports(ctx, 3)
    answer(ctx, found.id, "exists", actor="gw", role=Role.GRID_WORKER, now=NOW)
    answer(ctx, absent.id, "absent", actor="gw", role=Role.GRID_WORKER, now=NOW, reason="无")
    answer(ctx, unknown.id, "unverifiable", actor="gw", role=Role.GRID_WORKER, now=NOW,
           reason="锁门")  # fmt: skip
    route_batch(ctx, 100, now=NOW)
    [total] = indicator_counts(ctx.store.engine, by="category", start=NOW - timedelta(days=1),
                               end=NOW + timedelta(days=1), as_of=NOW)  # fmt: skip
    assert total.counts["reports"] == 3 and total.counts["registered"] == 1
