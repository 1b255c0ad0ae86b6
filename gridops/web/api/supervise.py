"""Supervisors (考核员 / 监督中心): check pass or fail (核查; fail = rework 返工), force close
(强制结案), reopen a closed ticket on appeal (申诉重办), record the call-back satisfaction
(回访), the audit sample (抽查) and reports."""

from __future__ import annotations

import random
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from gridops.errors import UserError
from gridops.store.batch_write import Within
from gridops.tickets.model import Status, Ticket
from gridops.web.answers import SIGNED_IN, TICKET_MOVE
from gridops.web.api.common import act_as, allowed_ticket, ticket_out, tickets_out, view_of
from gridops.web.api.idempotency import IdempotencyKey, once
from gridops.web.input import Body
from gridops.web.permissions import (
    Action,
    PermissionDenied,
    Principal,
    authorize,
    may_take,
    require,
)
from gridops.web.state import Me, State, WebState

router = APIRouter(tags=["supervise"], responses=SIGNED_IN)


class CheckIn(Body):
    passed: bool
    note: Annotated[str, Field(max_length=2000)] = ""
    reason: Annotated[str, Field(max_length=2000)] = ""  # required when the check fails


class ReasonIn(Body):
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class CallbackIn(Body):
    satisfaction: Annotated[int, Field(ge=1, le=5)]  # 1 very dissatisfied … 5 very satisfied
    note: Annotated[str, Field(max_length=2000)] = ""


def check_tasks(state: WebState, me: Principal, limit: int = 200) -> list[Ticket]:
    """The handled tickets ``me`` may check (核查), earliest deadline first: an inspector's are
    those of the units under theirs (as their verification tasks), a supervisor's those they
    may read. The one rule for the JSON API, the console and the field app."""
    from gridops.store.queries import find_many
    from gridops.web.api.verify import task_scope

    role = may_take(me, Action.CHECK)
    if not role.allowed:
        raise PermissionDenied(role.reason)
    found = find_many(state.ctx.store, statuses=(Status.HANDLED,),
                      scope=task_scope(state, me), order="due", limit=limit)  # fmt: skip
    return [t for t in found if authorize(me, Action.CHECK, view_of(state, t)).allowed]


@router.get("/my/checks", summary="Handled tickets waiting for my check (核查), earliest first")
def my_checks(state: State, me: Me) -> dict[str, Any]:
    return {"tickets": [ticket_out(state, me, t) for t in check_tasks(state, me)]}


@router.post(
    "/tickets/{ticket}/check",
    summary="Check the work: pass closes, fail is rework",
    responses=TICKET_MOVE,
)
def check(state: State, me: Me, ticket: str, body: CheckIn, key: IdempotencyKey = None) -> Any:
    if not body.passed and not body.reason:
        raise UserError("check: a failed check needs a reason (what must be redone)")

    def move(within: Within | None) -> Ticket:
        found = allowed_ticket(state, me, ticket, Action.CHECK)
        if body.passed:
            fields = {"note": body.note} if body.note else {}
            return act_as(state, me, found, "check_pass", within=within, **fields)
        return act_as(state, me, found, "check_fail", within=within, reason=body.reason)

    action = "check_pass" if body.passed else "check_fail"
    return once(state, me, key, ticket=ticket, action=action, move=move,
                out=lambda t: ticket_out(state, me, t))  # fmt: skip


@router.post(
    "/tickets/{ticket}/force-close",
    summary="Force close with a reason (强制结案)",
    responses=TICKET_MOVE,
)
def force_close(state: State, me: Me, ticket: str, body: ReasonIn) -> dict[str, Any]:
    found = allowed_ticket(state, me, ticket, Action.FORCE_CLOSE)
    return ticket_out(state, me, act_as(state, me, found, "force_close", reason=body.reason))


@router.post(
    "/tickets/{ticket}/reopen",
    summary="Reopen on appeal with a reason (申诉重办)",
    responses=TICKET_MOVE,
)
def reopen(state: State, me: Me, ticket: str, body: ReasonIn) -> dict[str, Any]:
    """A closed or evaluated ticket goes back to rework; its deadline clock starts afresh."""
    found = allowed_ticket(state, me, ticket, Action.REOPEN)
    return ticket_out(state, me, act_as(state, me, found, "reopen", reason=body.reason))


@router.post(
    "/tickets/{ticket}/callback",
    summary="Record call-back satisfaction (回访)",
    responses=TICKET_MOVE,
)
def callback(state: State, me: Me, ticket: str, body: CallbackIn) -> dict[str, Any]:
    found = allowed_ticket(state, me, ticket, Action.RECORD_CALLBACK)
    fields: dict[str, Any] = {"satisfaction": body.satisfaction}
    if body.note:
        fields["note"] = body.note
    return ticket_out(state, me, act_as(state, me, found, "evaluate", **fields))


def audit_tickets(state: WebState, me: Principal, seed: int, size: int = 10) -> list[Ticket]:
    """``size`` closed tickets drawn at random (the same for the same seed) from all those
    ``me`` may read: their count, then one row at each drawn place — not every closed ticket
    loaded. The one rule for the JSON API and the supervisor's desk."""
    from gridops.store.queries import find_many
    from gridops.web.queries import ticket_scope, tickets_by_status

    require(me, Action.READ_AUDIT_SAMPLE)
    scope = ticket_scope(state.ctx.ops.org, me)
    total = tickets_by_status(state.ctx.store, scope).get(Status.CLOSED.value, 0)
    places = sorted(random.Random(seed).sample(range(total), min(size, total)))
    return [t for k in places for t in find_many(
        state.ctx.store, statuses=(Status.CLOSED,), scope=scope, limit=1, offset=k)]  # fmt: skip


def callback_tickets(state: WebState, me: Principal, limit: int) -> list[Ticket]:
    """Closed tickets waiting for the call-back (回访) that ``me`` may read."""
    from gridops.store.queries import find_many
    from gridops.web.queries import ticket_scope

    role = may_take(me, Action.READ_TICKET)
    if not role.allowed:
        raise PermissionDenied(role.reason)
    scope = ticket_scope(state.ctx.ops.org, me)
    return find_many(state.ctx.store, statuses=(Status.CLOSED,), scope=scope, limit=limit)


@router.get("/audit-sample", summary="A random sample of closed tickets to audit (抽查)")
def audit_sample(
    state: State,
    me: Me,
    size: Annotated[int, Query(ge=1, le=100)] = 10,
    seed: Annotated[int | None, Query(ge=0, le=2**31)] = None,
) -> dict[str, Any]:
    """Drawn from every closed ticket ``me`` may read (the scope is in the query)."""
    drawn = audit_tickets(state, me, random.randrange(2**31) if seed is None else seed, size)
    return {"size": size, "tickets": tickets_out(state, me, drawn)}


@router.get("/reports/summary", summary="Tickets by status, open and overdue counts")
def report_summary(state: State, me: Me) -> dict[str, Any]:
    """Counted over the tickets the reader may read (their units, those below, their
    territory); every ticket for readers of all units and admins."""
    from gridops.web.queries import count_overdue, report_scope, tickets_by_status

    require(me, Action.READ_REPORTS)
    scope = report_scope(state.ctx.ops.org, me)
    by_status = tickets_by_status(state.ctx.store, scope)
    return {
        "by_status": by_status,
        "open": sum(n for s, n in by_status.items() if Status(s).open),
        "overdue": count_overdue(state.ctx.store, state.now(), scope),
    }
