"""Workflow actions by people (handling 处置, closing 结案, supervision 督办): load, apply, save,
kick the follow-up work after commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gridops.errors import UserError
from gridops.org.orgchart import JOINT_GROUP
from gridops.services.context import ServiceContext
from gridops.store.batch_write import Within
from gridops.tickets import Role, Status, Ticket, apply

#: Actions after which the notify stage has something to send.
NOTIFYING = frozenset(
    {
        "dispatch",
        "reassign",
        "escalate",
        "supervise",
        "return",
        "check_fail",
        "verify",
        "unverifiable",
    }
)


def load(ctx: ServiceContext, ticket: str | Ticket) -> Ticket:
    """A ticket by id (32 hex) or public number; UnknownTicket if none."""
    if isinstance(ticket, Ticket):
        return ctx.store.get(ticket.id)
    if len(ticket) == 32 and all(ch in "0123456789abcdef" for ch in ticket):
        return ctx.store.get(ticket)
    return ctx.store.get_by_number(ticket)


def act(
    ctx: ServiceContext,
    ticket: str | Ticket,
    action: str,
    *,
    actor: str,
    role: Role | str,
    now: datetime,
    within: Within | None = None,
    **fields: Any,
) -> Ticket:
    """Take one workflow action (version-guarded: StaleTicket if someone moved it first) and
    kick what follows: a return is re-routed, an escalation gets its joint tasks, a passed
    check may be sampled for a call-back, notifications are sent. ``within`` commits with the
    move (the answer kept under an idempotency key)."""
    current = load(ctx, ticket)
    if action == "check_fail" and current.clock.due_at is None and "time_limit" not in fields:
        # rework of an on-site fix: no clock ever ran, the category's time limit starts one
        fields["time_limit"] = ctx.ops.taxonomy[current.category].time_limit
    if action == "escalate":
        group = fields.get("group")
        unit = ctx.ops.org.units.get(group) if isinstance(group, str) else None
        if unit is None or unit.kind != JOINT_GROUP:
            raise UserError(f"escalate: group {group!r} is not a joint-enforcement group (jeg-…)")
    tr = apply(current, action, actor=actor, role=role, now=now, calendar=ctx.calendar, **fields)
    new = ctx.store.apply_transitions([tr], within=within).applied[0]
    follow_up(ctx, new, action, now)
    return new


def merge(
    ctx: ServiceContext,
    ticket: str | Ticket,
    into: str | Ticket,
    *,
    actor: str,
    role: Role | str,
    now: datetime,
    reason: str = "",
) -> Ticket:
    """Merge ``ticket`` as a duplicate of ``into`` (:func:`gridops.tickets.merging.merge`): both
    tickets written in one version-guarded transaction (StaleTicket if either moved first).
    Returns the merged ticket."""
    from gridops.tickets.merging import merge as merge_moves

    source, target = load(ctx, ticket), load(ctx, into)
    moves = merge_moves(source, target, actor=actor, role=role, now=now, reason=reason,
                        calendar=ctx.calendar)  # fmt: skip
    return ctx.store.apply_transitions(list(moves)).applied[0]


def follow_up(ctx: ServiceContext, ticket: Ticket, action: str, now: datetime) -> None:
    """Work that follows a committed action."""
    if action == "return" or ticket.status in (Status.RETURNED, Status.VERIFIED):
        ctx.kick("routing")
    if action == "escalate" and ticket.status is Status.ESCALATED:
        from gridops.services.joint import create_tasks

        create_tasks(ctx, ticket, now)
    if action in ("check_pass", "force_close"):
        ctx.kick("evaluation")
    if action in NOTIFYING:
        ctx.kick("notify")
