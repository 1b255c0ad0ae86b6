"""Dispatchers (派遣员): work queues with filters, and dispatch, reassign, escalate to a
joint-enforcement group (联合执法), void (作废), merge a duplicate, flag for supervision (督办);
with supervisors, the deadline clock: suspend (缓办), resume and extend (延期), each approved."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from gridops.errors import UserError
from gridops.tickets.vocabulary import ClockType, Role
from gridops.web.answers import SIGNED_IN, TICKET_MOVE
from gridops.web.api.common import act_as, allowed_ticket, ticket_out, tickets_out
from gridops.web.input import Body
from gridops.web.permissions import ALL, FIELD_ROLES, Action, PermissionDenied, Principal
from gridops.web.state import Me, State, WebState

router = APIRouter(tags=["dispatch"], responses=SIGNED_IN)
QueueName = Literal["new", "returned", "overdue", "escalated", "supervised", "handled", "open"]
QUEUE_ROLES = frozenset({Role.DISPATCHER, Role.ACCEPTOR, Role.SUPERVISOR})
Text = Annotated[str, Field(min_length=1, max_length=2000)]


class TimeLimitIn(Body):
    amount: float = Field(gt=0, le=10_000)
    clock: ClockType


class DispatchIn(Body):
    owner_unit: Text
    assignee: Annotated[str, Field(max_length=100)] = ""
    priority: Annotated[int, Field(ge=1, le=5)] | None = None
    time_limit: TimeLimitIn | None = None  # default: the category's time limit


class ReassignIn(Body):
    owner_unit: Text
    assignee: Annotated[str, Field(max_length=100)] = ""
    reason: Annotated[str, Field(max_length=2000)] = ""


class EscalateIn(Body):
    group: Text  # jeg-<slug>
    reason: Annotated[str, Field(max_length=2000)] = ""


class ReasonIn(Body):
    reason: Text


class MergeIn(Body):
    duplicate_of: Text  # the ticket it repeats (id or number): open, in your scope
    reason: Annotated[str, Field(max_length=2000)] = ""  # required across categories


class SuperviseIn(Body):
    reason: Annotated[str, Field(max_length=2000)] = ""


class SuspendIn(Body):
    approval: Text  # who approved the pause (审批), e.g. an approval number or the approver
    reason: Text


class ResumeIn(Body):
    note: Annotated[str, Field(max_length=2000)] = ""


class ExtendIn(Body):
    amount: float = Field(gt=0, le=10_000)  # in the unit of the ticket's time limit
    approval: Text
    reason: Annotated[str, Field(max_length=2000)] = ""


def _check_queue_reader(state: WebState, me: Principal, unit: str | None) -> None:
    if me.role not in QUEUE_ROLES:
        raise PermissionDenied(
            f"{me.role.value} may not read work queues; dispatchers, acceptors and supervisors may"
        )
    if unit is None or me.unit_scope == ALL:
        return
    above = (unit, *state.ctx.ops.org.up_chain(unit)) if unit in state.ctx.ops.org else (unit,)
    if not any(u in me.unit_scope for u in above):
        raise PermissionDenied(
            f"unit {unit} is outside your units ({', '.join(sorted(me.unit_scope))})"
        )


def _check_assignee(state: WebState, unit: str, assignee: str) -> None:
    """An assignee must be a person of ``unit``: on its roster (config/roster.yaml), or an
    active field user (field staff, grid worker) whose units include it."""
    if not assignee or any(s.id == assignee for s in state.ctx.roster.staff_of(unit)):
        return
    try:
        found = state.accounts.user(assignee)
    except UserError:
        found = None
    if (
        found is not None
        and found.active
        and found.role in FIELD_ROLES
        and (found.units == ALL or unit in found.units)
    ):
        return
    raise UserError(
        f"assignee {assignee!r} is not a person of unit {unit}: neither on its roster "
        "(config/roster.yaml) nor an active field user of that unit; name one of them, or leave "
        "assignee empty to hand the ticket to the unit's queue"
    )


@router.get("/queues/{name}", summary="A work queue (new, returned, overdue, …)")
def work_queue(
    state: State,
    me: Me,
    name: QueueName,
    unit: Annotated[str | None, Query(max_length=100)] = None,
    cell: Annotated[str | None, Query(max_length=32)] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """One page of the queue, of the tickets ``me`` may read only (filtered in the query, so a
    page is full while more visible tickets exist and ``offset`` pages neither repeat nor skip)."""
    from gridops.services.queues import queue
    from gridops.web.queries import ticket_scope

    _check_queue_reader(state, me, unit)
    found = queue(
        state.ctx, name, now=state.now(), unit=unit, cell=cell, category=category,
        scope=ticket_scope(state.ctx.ops.org, me), limit=limit, offset=offset,
    )  # fmt: skip
    return {"queue": name, "tickets": tickets_out(state, me, found)}


@router.post(
    "/tickets/{ticket}/dispatch", summary="Dispatch to a unit (派遣)", responses=TICKET_MOVE
)
def dispatch(state: State, me: Me, ticket: str, body: DispatchIn) -> dict[str, Any]:
    found = allowed_ticket(state, me, ticket, Action.DISPATCH)
    if body.owner_unit not in state.ctx.ops.org:
        raise UserError(f"owner_unit {body.owner_unit!r} is not in the org chart")
    _check_assignee(state, body.owner_unit, body.assignee)
    if body.time_limit is not None:
        limit: Any = {"amount": body.time_limit.amount, "clock": body.time_limit.clock.value}
    else:
        limit = state.ctx.ops.taxonomy[found.category].time_limit
    fields: dict[str, Any] = {"owner_unit": body.owner_unit, "time_limit": limit}
    if body.assignee:
        fields["assignee"] = body.assignee
    if body.priority is not None:
        fields["priority"] = body.priority
    return ticket_out(state, me, act_as(state, me, found, "dispatch", **fields))


@router.post(
    "/tickets/{ticket}/reassign", summary="Reassign to another unit", responses=TICKET_MOVE
)
def reassign(state: State, me: Me, ticket: str, body: ReassignIn) -> dict[str, Any]:
    found = allowed_ticket(state, me, ticket, Action.REASSIGN)
    if body.owner_unit not in state.ctx.ops.org:
        raise UserError(f"owner_unit {body.owner_unit!r} is not in the org chart")
    _check_assignee(state, body.owner_unit, body.assignee)
    if body.owner_unit == found.owner_unit and (body.assignee or None) == (found.assignee or None):
        raise UserError(
            f"reassign: {body.owner_unit!r} already holds ticket {found.number}"
            f"{f' with {found.assignee!r}' if found.assignee else ''}; name another unit, or "
            "another of its people"
        )
    fields = {"owner_unit": body.owner_unit, "assignee": body.assignee}
    if body.reason:
        fields["reason"] = body.reason
    return ticket_out(state, me, act_as(state, me, found, "reassign", **fields))


@router.post(
    "/tickets/{ticket}/escalate",
    summary="Escalate to a joint-enforcement group",
    responses=TICKET_MOVE,
)
def escalate(state: State, me: Me, ticket: str, body: EscalateIn) -> dict[str, Any]:
    found = allowed_ticket(state, me, ticket, Action.ESCALATE)
    fields = {"group": body.group} | ({"reason": body.reason} if body.reason else {})
    return ticket_out(state, me, act_as(state, me, found, "escalate", **fields))


@router.post("/tickets/{ticket}/void", summary="Void (作废 / 不予立案)", responses=TICKET_MOVE)
def void(state: State, me: Me, ticket: str, body: ReasonIn) -> dict[str, Any]:
    found = allowed_ticket(state, me, ticket, Action.VOID)
    return ticket_out(state, me, act_as(state, me, found, "void", reason=body.reason))


@router.post(
    "/tickets/{ticket}/merge",
    summary="Merge as a duplicate of another ticket",
    responses=TICKET_MOVE,
)
def merge(state: State, me: Me, ticket: str, body: MergeIn) -> dict[str, Any]:
    """Both tickets must be in your scope; the target open and of the same category (or say
    why: ``reason``); it counts the merged ticket's reports (``report_count``)."""
    from gridops.services.actions import merge as merge_tickets

    found = allowed_ticket(state, me, ticket, Action.MERGE)
    original = allowed_ticket(state, me, body.duplicate_of, Action.MERGE)
    moved = merge_tickets(state.ctx, found, original, actor=me.user_id, role=me.role,
                          now=state.now(), reason=body.reason)  # fmt: skip
    return ticket_out(state, me, moved)


@router.post(
    "/tickets/{ticket}/supervise", summary="Flag for supervision (督办)", responses=TICKET_MOVE
)
def supervise(state: State, me: Me, ticket: str, body: SuperviseIn) -> dict[str, Any]:
    found = allowed_ticket(state, me, ticket, Action.FLAG_SUPERVISION)
    fields = {"reason": body.reason} if body.reason else {}
    return ticket_out(state, me, act_as(state, me, found, "supervise", **fields))


@router.post(
    "/tickets/{ticket}/suspend",
    summary="Suspend with approval (缓办): pauses the clock",
    responses=TICKET_MOVE,
)
def suspend(state: State, me: Me, ticket: str, body: SuspendIn) -> dict[str, Any]:
    found = allowed_ticket(state, me, ticket, Action.SUSPEND)
    moved = act_as(state, me, found, "suspend", approval=body.approval, reason=body.reason)
    return ticket_out(state, me, moved)


@router.post(
    "/tickets/{ticket}/resume",
    summary="Resume a suspended ticket: the clock runs on",
    responses=TICKET_MOVE,
)
def resume(state: State, me: Me, ticket: str, body: ResumeIn | None = None) -> dict[str, Any]:
    found = allowed_ticket(state, me, ticket, Action.RESUME)
    fields = {"note": body.note} if body is not None and body.note else {}
    return ticket_out(state, me, act_as(state, me, found, "resume", **fields))


@router.post(
    "/tickets/{ticket}/extend",
    summary="Extend the deadline with approval (延期)",
    responses=TICKET_MOVE,
)
def extend(state: State, me: Me, ticket: str, body: ExtendIn) -> dict[str, Any]:
    """``amount`` counts in the ticket's time-limit unit (hours, working hours, days …)."""
    found = allowed_ticket(state, me, ticket, Action.EXTEND)
    fields: dict[str, Any] = {"amount": body.amount, "approval": body.approval}
    if body.reason:
        fields["reason"] = body.reason
    return ticket_out(state, me, act_as(state, me, found, "extend", **fields))
