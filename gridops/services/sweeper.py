"""The sweeper (巡检), a periodic stage run one at a time across the cluster.

Each run: flag overdue tickets for supervision once (督办, reason "overdue"); carry out the
escalation steps that have come due (notify, supervise, hand up, joint group — the policy
snapshot frozen onto the ticket at dispatch, progress kept in ``svc_escalations``); create any
joint-enforcement tasks a crash left missing; and re-kick the stages that have pending work
(claims that expired are free to retake by themselves).

A step is recorded before its transition is written and the record is restored if the write
was stale, so a crash between the two loses at most that one step and never repeats a hand-up.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, or_, select

from gridops.org import EscalationState, next_escalation_step
from gridops.org.escalation import RUNNING_STATUSES
from gridops.services.context import ServiceContext, current
from gridops.services.notifying import CURSOR, delivery
from gridops.services.tables import callbacks, cursors, deliveries, escalations, insert_ignore
from gridops.store.engine import write
from gridops.store.schema import ticket_events, tickets
from gridops.tickets import Role, Status, Ticket, Transition, apply, decode_ticket

log = logging.getLogger(__name__)

ACTOR = "sweeper"


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
    """Supervise (督办) every open ticket past its deadline that is not flagged yet."""
    t = tickets.c
    q = (
        select(t.data)
        .where(t.open_due_at < now, t.supervised.is_(False))
        .order_by(t.open_due_at)
        .limit(limit)
    )
    with ctx.store.engine.connect() as conn:
        found = [decode_ticket(json.loads(r.data)) for r in conn.execute(q)]
    moves = [
        apply(x, "supervise", actor=ACTOR, role=Role.SYSTEM, now=now, reason="overdue")
        for x in found
        if x.status.open and not x.supervised
    ]
    result = ctx.store.apply_transitions(moves, skip_stale=True)
    if result.applied:
        ctx.kick("notify")
    return len(result.applied)


def _due_escalations(ctx: ServiceContext, limit: int, now: datetime) -> list[tuple[Ticket, Any]]:
    t, e = tickets.c, escalations.c
    q = (
        select(t.data, escalations)
        .outerjoin(escalations, e.ticket_id == t.id)
        .where(
            t.status.in_(sorted(RUNNING_STATUSES)),
            or_(e.ticket_id.is_(None), e.version_seen != t.version, e.next_due_at <= now),
        )
        .limit(limit)
    )
    with ctx.store.engine.connect() as conn:
        return [(decode_ticket(json.loads(r.data)), r) for r in conn.execute(q)]


def escalate_due(ctx: ServiceContext, limit: int, *, now: datetime) -> int:
    """Look at running tickets that changed or whose next step is due; do what is due."""
    found = _due_escalations(ctx, limit, now)
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
    _save(ctx, rows)
    if notes:
        with write(ctx.store.engine) as conn:
            insert_ignore(conn, deliveries, notes)
    result = ctx.store.apply_transitions(moves, skip_stale=True)
    if result.stale:  # someone moved it meanwhile: the step is looked at again next sweep
        priors = [before.get(s.ticket_id) for s in result.stale]
        _save(
            ctx,
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


def _carry_out(
    ctx: ServiceContext, ticket: Ticket, step: Any, now: datetime, notes: list[dict[str, Any]]
) -> Transition | None:
    reason = step.reason
    if step.action == "notify":
        who = f"{step.role}@{ticket.owner_unit}"
        notes.append(delivery(ticket.id, -(step.index + 1), "escalation-notify", who,
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


def _save(
    ctx: ServiceContext, rows: list[dict[str, Any]], drop: tuple[str, ...] | list[str] = ()
) -> None:
    ids = [r["ticket_id"] for r in rows] + list(drop)
    if not ids:
        return
    with write(ctx.store.engine) as conn:
        conn.execute(delete(escalations).where(escalations.c.ticket_id.in_(ids)))
        if rows:
            conn.execute(escalations.insert(), rows)


def rekick(ctx: ServiceContext, *, now: datetime) -> list[str]:
    """Kick each stage that has pending work (the safety net for triggers that were lost)."""
    t = tickets.c
    kicked = []
    with ctx.store.engine.connect() as conn:
        routing = conn.execute(
            select(t.id).where(
                t.status.in_([Status.REPORTED.value, Status.VERIFIED.value,
                              Status.RETURNED.value]),
                or_(t.claim_until.is_(None), t.claim_until < now),
            ).limit(1)
        ).first()  # fmt: skip
        pos = conn.execute(select(cursors.c.position).where(cursors.c.name == CURSOR)).scalar()
        events = conn.execute(
            select(ticket_events.c.id).where(ticket_events.c.id > (pos or 0)).limit(1)
        ).first()
        sends = conn.execute(
            select(deliveries.c.id).where(deliveries.c.status == "pending",
                                          deliveries.c.next_at <= now).limit(1)
        ).first()  # fmt: skip
        closed = conn.execute(
            select(t.id)
            .outerjoin(callbacks, callbacks.c.ticket_id == t.id)
            .where(t.status == Status.CLOSED.value, callbacks.c.ticket_id.is_(None))
            .limit(1)
        ).first()
    for stage, pending in (("routing", routing), ("notify", events or sends),
                           ("evaluation", closed)):  # fmt: skip
        if pending is not None and ctx.kick(stage):
            kicked.append(stage)
    return kicked
