"""Reads every role shares: who am I, and a ticket's detail with its routing reasons and
timeline (案卷详情)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gridops.web.answers import SIGNED_IN, answers
from gridops.web.api.common import allowed_ticket, event_out, ticket_out
from gridops.web.permissions import ALL, Action
from gridops.web.state import Me, State

router = APIRouter(tags=["tickets"], responses=SIGNED_IN)


@router.get("/me", summary="The signed-in user")
def me(state: State, me: Me) -> dict[str, Any]:
    units = ALL if me.unit_scope == ALL else sorted(me.unit_scope)
    return {"id": me.user_id, "role": me.role.value, "units": units}


@router.get(
    "/tickets/{ticket}",
    summary="Ticket detail: routing reasons and timeline",
    responses=answers(404),
)
def ticket_detail(state: State, me: Me, ticket: str) -> dict[str, Any]:
    from gridops.services.queues import timeline

    found = allowed_ticket(state, me, ticket, Action.READ_TICKET)
    routing = found.routing or {}
    return {
        "ticket": ticket_out(state, me, found),
        "routing": {
            "rule_id": routing.get("rule_id"),
            "reasons": list(routing.get("reasons") or ()),
            "candidates": list(routing.get("candidates") or ()),
            "manual": routing.get("manual"),
        },
        "timeline": [event_out(me, e) for e in timeline(state.ctx, found)],
    }
