"""The sweeper (巡检), a periodic stage run one at a time across the cluster.

Each run: flag overdue tickets — verification tasks (核实) among them — for supervision once
(督办, reason "overdue"); carry out the escalation steps that have come due (notify,
supervise, hand up, joint group — the policy snapshot frozen onto the ticket at dispatch,
progress kept in ``svc_escalations``); create any joint-enforcement tasks a crash left
missing; and re-kick the stages that have pending work (claims that expired are free to
retake by themselves).

It finds its work through indexes (:mod:`gridops.store.sweep_scan`): the tickets past their
deadline along the deadline index, and — after a process's first sweep, which walks every
running ticket, and again every ``WALK_EVERY_S`` — only the tickets with events since its last
look or with an escalation step due. At 12,600 tickets a sweep with nothing to do went from
~40 ms to ~5 ms on SQLite (a worker held that long is one that routing cannot have).

A step is recorded before its transition is written and the record is restored if the write
was stale, so a crash between the two loses at most that one step and never repeats a hand-up.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine

from gridops.org import EscalationState, next_escalation_step
from gridops.org.escalation import RUNNING_STATUSES
from gridops.services.context import ServiceContext, current
from gridops.services.notifying import CURSOR, channel_deliveries, channels_in_use, delivery
from gridops.services.routing import PENDING as ROUTING_PENDING
from gridops.store import sweep_scan
from gridops.store.changes import LATE_WINDOW, last_event_id
from gridops.store.queries import has_claimable
from gridops.store.service_tables import add_deliveries, pending_work, save_escalations
from gridops.tickets import Role, Status, Ticket, Transition, apply

log = logging.getLogger(__name__)

ACTOR = "sweeper"
OVERDUE_VERIFICATION = "verification overdue (核实超时)"
WALK_EVERY_S = 600.0  # the backstop walk over every running ticket (a late commit > window)


def process_batch(limit: int) -> int:
    """The stage function."""
    return sweep(current(), limit, now=datetime.now(UTC))


def sweep(ctx: ServiceContext, limit: int, *, now: datetime) -> int:
    """One sweep; returns how many tickets it changed or looked at."""
    done = flag_overdue(ctx, limit, now=now)
    done += escalate_due(ctx, limit, now=now)
    rekick(ctx, now=now)
    return done


def flag_overdue(ctx: ServiceContext, limit: int, *, now: datetime) -> int:
    """Supervise (督办) every open ticket past its deadline that is not flagged yet — an
    overdue verification task (核实) too: the flag notifies the sub-centre's supervisor and the
    verifying post."""
    found, _ = sweep_scan.overdue(ctx.store, now=now, limit=limit)
    moves = [
        apply(x, "supervise", actor=ACTOR, role=Role.SYSTEM, now=now,
              reason=OVERDUE_VERIFICATION if x.status is Status.VERIFYING else "overdue")
        for x in found
        if x.status.open and not x.supervised
    ]  # fmt: skip
    result = ctx.store.apply_transitions(moves, skip_stale=True)
    if result.applied:
        ctx.kick("notify")
    return len(result.applied)


def escalate_due(ctx: ServiceContext, limit: int, *, now: datetime) -> int:
    """Look at running tickets that changed or whose next step is due; do what is due."""
    found = _candidates(ctx, limit, now)
    if not found:
        return 0
    rows: list[dict[str, Any]] = []
    before: dict[str, dict[str, Any] | None] = {}
    moves: list[Transition] = []
    notes: list[dict[str, Any]] = []
    for ticket, row in found:
        if ticket.status is Status.ESCALATED and ticket.joint_group:
            from gridops.services.joint import create_tasks

            create_tasks(ctx, ticket, now)
        run = len(ticket.returned_by)
        same_run = row.ticket_id is not None and row.run == run
        prior = (
            {"ticket_id": ticket.id, "run": row.run, "steps_done": row.steps_done,
             "last_step_at": row.last_step_at, "version_seen": row.version_seen,
             "next_due_at": row.next_due_at}
            if row.ticket_id is not None else None
        )  # fmt: skip
        steps_done = row.steps_done if same_run else 0
        last_step_at = row.last_step_at if same_run else None
        record = {"ticket_id": ticket.id, "run": run, "steps_done": steps_done,
                  "last_step_at": last_step_at, "version_seen": ticket.version,
                  "next_due_at": None}  # fmt: skip
        snapshot = ticket.routing.get("escalation")
        if snapshot and ticket.dispatched_at is not None:
            state = EscalationState(
                status=ticket.status.value,
                dispatched_at=ticket.dispatched_at,
                due_at=ticket.clock.due_at,
                steps_done=steps_done,
                last_step_at=last_step_at,
                supervised=ticket.supervised,
            )
            step = next_escalation_step(snapshot, state, now, deadline=ctx.calendar.deadline)
            if step is not None and not step.ready:
                record["next_due_at"] = step.due_at
            elif step is not None:
                move = _carry_out(ctx, ticket, step, now, notes)
                record.update(steps_done=step.index + 1, last_step_at=now, next_due_at=now)
                if move is not None:
                    moves.append(move)
                    before[ticket.id] = prior
                    record["version_seen"] = move.ticket.version
        rows.append(record)
    save_escalations(ctx.store, rows)
    add_deliveries(ctx.store, notes)
    result = ctx.store.apply_transitions(moves, skip_stale=True)
    if result.stale:  # someone moved it meanwhile: the step is looked at again next sweep
        priors = [before.get(s.ticket_id) for s in result.stale]
        save_escalations(
            ctx.store,
            [p for p in priors if p is not None],
            drop=[s.ticket_id for s, p in zip(result.stale, priors, strict=True) if p is None],
        )
    for ticket in result.applied:
        if ticket.status is Status.ESCALATED:
            from gridops.services.joint import create_tasks

            create_tasks(ctx, ticket, now)
    if result.applied or notes:
        ctx.kick("notify")
    return len(found)


@dataclass
class _Scanned:
    """How far this process's sweeps have looked at changes of one store (event id), and when
    it last walked every running ticket (monotonic seconds)."""

    upto_event: int
    walked_at: float


_SCANNED: WeakKeyDictionary[Engine, _Scanned] = WeakKeyDictionary()


def _candidates(ctx: ServiceContext, limit: int, now: datetime) -> list[tuple[Ticket, Any]]:
    """The running tickets to look at: those changed since this process last looked (events
    above its mark, less the store's late window) or due — or, on a process's first sweep and
    every ``WALK_EVERY_S``, every running ticket (the backstop; see
    :mod:`gridops.store.sweep_scan`). The mark moves only when a scan came back short of
    ``limit``: a full one leaves the rest for the next sweep (the drain comes back at once)."""
    store = ctx.store
    top = last_event_id(store.engine)
    seen = _SCANNED.get(store.engine)
    if seen is None or time.monotonic() - seen.walked_at >= WALK_EVERY_S:
        walked_at = time.monotonic()
        found = sweep_scan.all_running(store, statuses=RUNNING_STATUSES, now=now,
                                            limit=limit)  # fmt: skip
        if len(found) < limit:
            _SCANNED[store.engine] = _Scanned(top, walked_at)
        return found
    window = LATE_WINDOW if store.dialect == "postgresql" else 0  # SQLite: ids commit in order
    found, stale, complete = sweep_scan.changed_or_due(
        store, statuses=RUNNING_STATUSES, now=now, limit=limit,
        after_event=max(0, seen.upto_event - window), upto_event=top,
    )  # fmt: skip
    sweep_scan.clear_due(store, stale)
    if complete:
        seen.upto_event = top
    return found


def _carry_out(
    ctx: ServiceContext, ticket: Ticket, step: Any, now: datetime, notes: list[dict[str, Any]]
) -> Transition | None:
    reason = step.reason
    if step.action == "notify":
        who = f"{step.role}@{ticket.owner_unit}"
        seq = -(step.index + 1)
        if channels_in_use(ctx):
            facts = {"number": ticket.number, "category": ticket.category,
                     "due_at": ticket.clock.due_at, "reason": reason}  # fmt: skip
            notes.extend(channel_deliveries(ctx, ticket.id, seq, "escalation-notify",
                                            "escalation-notify", who, facts, now))  # fmt: skip
        else:
            notes.append(delivery(ticket.id, seq, "escalation-notify", who,
                                  f"{ticket.number} {reason}", now))  # fmt: skip
        return None
    if step.action == "supervise":
        return apply(ticket, "supervise", actor=ACTOR, role=Role.SYSTEM, now=now, reason=reason)
    if step.action == "hand_up" and step.target:
        return apply(ticket, "reassign", actor=ACTOR, role=Role.SYSTEM, now=now,
                     owner_unit=step.target, reason=reason)  # fmt: skip
    if step.action == "joint_group" and step.target and ticket.status is not Status.ESCALATED:
        return apply(ticket, "escalate", actor=ACTOR, role=Role.SYSTEM, now=now,
                     group=step.target, reason=reason)  # fmt: skip
    return None


def rekick(ctx: ServiceContext, *, now: datetime) -> list[str]:
    """Kick each stage that has pending work (the safety net for triggers that were lost)."""
    work = pending_work(ctx.store, cursor=CURSOR, now=now, closed=Status.CLOSED.value)
    pending = {
        "routing": has_claimable(ctx.store, ROUTING_PENDING, now),
        "notify": work["events"] or work["sends"],
        "evaluation": work["unsampled"],
    }
    return [stage for stage, due in pending.items() if due and ctx.kick(stage)]
