"""Joint enforcement (联合执法): a ticket escalated to a group gets one task per department.

Tasks are rows of ``svc_joint_tasks`` (ticket, escalation round, department): open →
acknowledged → completed. The rule: the lead department's completion, with every other
department having acknowledged (or completed), completes the ticket — the group accepts and
reports it handled, so it goes to the check like any other ticket. Creating tasks is idempotent
and the sweeper creates any that a crash left missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gridops.errors import UserError
from gridops.services.context import ServiceContext
from gridops.store.queries import joint_task_rows
from gridops.store.service_tables import add_joint_tasks, set_joint_task
from gridops.tickets import Role, Status, Ticket, apply

OPEN, ACKNOWLEDGED, COMPLETED = "open", "acknowledged", "completed"


@dataclass(frozen=True)
class JointTask:
    """One department's part of a joint-enforcement ticket."""

    ticket_id: str
    round: int
    department: str
    group: str
    lead: bool
    status: str
    actor: str
    updated_at: datetime


def departments_for(ctx: ServiceContext, ticket: Ticket) -> list[tuple[str, bool]]:
    """(unit, is_lead) for each member of the ticket's group: the department's branch for the
    ticket's level-1 cell when one exists, else the department itself."""
    group = ctx.ops.org.units.get(ticket.joint_group)
    if group is None or not group.members:
        raise UserError(f"ticket {ticket.number}: {ticket.joint_group!r} is no joint group")
    l1 = ticket.cells[0] if ticket.cells else ""
    out = []
    for dept in group.members:
        unit = ctx.ops.org.branches.get((dept, l1), dept)
        out.append((unit, dept == group.lead))
    return out


def create_tasks(ctx: ServiceContext, ticket: Ticket, now: datetime) -> list[JointTask]:
    """The tasks of an escalated ticket's current round (created if missing)."""
    rows = [
        {"ticket_id": ticket.id, "round": ticket.escalation_level, "department": unit,
         "grp": ticket.joint_group, "lead": lead, "status": OPEN, "actor": "", "updated_at": now}
        for unit, lead in departments_for(ctx, ticket)
    ]  # fmt: skip
    existing = {t.department for t in tasks(ctx, ticket.id, ticket.escalation_level)}
    fresh = [r for r in rows if r["department"] not in existing]
    if fresh:  # one created concurrently is the same row: the store keeps the first
        add_joint_tasks(ctx.store, fresh)
    return tasks(ctx, ticket.id, ticket.escalation_level)


def tasks(ctx: ServiceContext, ticket_id: str, round: int | None = None) -> list[JointTask]:
    """The ticket's tasks (of one round, or all), lead first."""
    rows = joint_task_rows(ctx.store, ticket_id, round)
    return [
        JointTask(r.ticket_id, r.round, r.department, r.grp, r.lead, r.status, r.actor,
                  r.updated_at)
        for r in rows
    ]  # fmt: skip


def _task(ctx: ServiceContext, ticket: Ticket, department: str) -> JointTask:
    if ticket.status is not Status.ESCALATED:
        raise UserError(
            f"ticket {ticket.number} is {ticket.status.value}, not in joint enforcement"
        )
    current = create_tasks(ctx, ticket, ticket.updated_at or ticket.reported_at)
    for t in current:
        if t.department == department:
            return t
    units = ", ".join(t.department for t in current)
    raise UserError(f"ticket {ticket.number}: no joint task for {department!r}; tasks: {units}")


def _set(ctx: ServiceContext, task: JointTask, status: str, actor: str, now: datetime) -> None:
    set_joint_task(ctx.store, ticket_id=task.ticket_id, round=task.round,
                   department=task.department, status=status, actor=actor, now=now)  # fmt: skip


def acknowledge(
    ctx: ServiceContext, ticket: Ticket, *, department: str, actor: str, now: datetime
) -> JointTask:
    """A department acknowledges its part (签收)."""
    task = _task(ctx, ticket, department)
    if task.status == OPEN:
        _set(ctx, task, ACKNOWLEDGED, actor, now)
    return _task(ctx, ticket, department)


def complete(
    ctx: ServiceContext,
    ticket: Ticket,
    *,
    department: str,
    actor: str,
    now: datetime,
    note: str,
    evidence: tuple[str, ...] = (),
) -> Ticket:
    """A department reports its part done; the lead's completion (others acknowledged)
    completes the ticket: escalated → accepted → handled in one transaction."""
    task = _task(ctx, ticket, department)
    if not task.lead:
        _set(ctx, task, COMPLETED, actor, now)
        return ticket
    waiting = [t.department for t in tasks(ctx, ticket.id, task.round)
               if not t.lead and t.status == OPEN]  # fmt: skip
    if waiting:
        raise UserError(
            f"ticket {ticket.number}: the lead cannot complete before {', '.join(waiting)} "
            "acknowledged their tasks"
        )
    accepted = apply(ticket, "accept", actor=actor, role=Role.FIELD_STAFF, now=now,
                     calendar=ctx.calendar, assignee=actor)  # fmt: skip
    handled = apply(accepted.ticket, "handle", actor=actor, role=Role.FIELD_STAFF, now=now,
                    calendar=ctx.calendar, note=note, evidence=evidence)  # fmt: skip
    ctx.store.apply_transitions([accepted, handled])  # StaleTicket propagates
    _set(ctx, task, COMPLETED, actor, now)
    return handled.ticket
