"""Verification of public reports (核实): the verification tasks of my cells, the three answers —
exists (属实), does not exist (不属实 → 不予立案) and cannot verify (无法核实) — each with a note
and photos, and the dispatcher's decision on a report that could not be verified: register it
(立案) or send it for verification (again). Each move is offered to the roles the transition
table allows it (inspectors and grid workers of the cell; acceptors and dispatchers too)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from pydantic import Field

from gridops.store.batch_write import Within
from gridops.store.media_refs import add_refs
from gridops.store.queries import TicketScope
from gridops.tickets.model import Ticket
from gridops.tickets.vocabulary import Role
from gridops.web.answers import SIGNED_IN, TICKET_MOVE, answers
from gridops.web.api.common import allowed_ticket, ticket_out, view_of
from gridops.web.api.field import Photos, store_photos
from gridops.web.api.idempotency import IdempotencyKey, once
from gridops.web.input import Body
from gridops.web.permissions import (
    ALL,
    FIELD_ROLES,
    ROLE_ACTIONS,
    Action,
    PermissionDenied,
    Principal,
    authorize,
)
from gridops.web.state import Me, State, WebState

router = APIRouter(tags=["verification"], responses=SIGNED_IN)
Note = Annotated[str, Form(max_length=2000)]
Reason = Annotated[str, Form(min_length=1, max_length=2000)]


ANSWER_RESPONSES = TICKET_MOVE | answers(
    422,
    why={422: "A field is missing or not valid (a reason is required; photos must be JPEG/PNG)"},
)
DECIDE_RESPONSES = TICKET_MOVE


class DecideIn(Body):
    note: Annotated[str, Field(max_length=2000)] = ""


def task_scope(state: WebState, me: Principal) -> TicketScope | None:
    """Whose verification (and check) tasks ``me`` sees: a grid worker those of their posts,
    an inspector those of the units under theirs, others what they may read."""
    from gridops.web.queries import ticket_scope

    if me.unit_scope == ALL:
        return None
    if me.role in FIELD_ROLES:
        return TicketScope(owner_units=frozenset(me.unit_scope))
    if me.role is Role.INSPECTOR:
        return TicketScope(owner_units=state.ctx.ops.org.below(me.unit_scope))
    return ticket_scope(state.ctx.ops.org, me)


def verification_tickets(state: WebState, me: Principal) -> list[Ticket]:
    """``me``'s verification tasks, earliest deadline first (403 for roles that answer none):
    the one rule for the JSON API, the console and the field app."""
    from gridops.services.verification import tasks

    if Action.VERIFY not in ROLE_ACTIONS[me.role]:
        raise PermissionDenied(
            f"{me.role.value} has no verification tasks; grid workers, inspectors, acceptors "
            "and dispatchers do"
        )
    found = tasks(state.ctx, scope=task_scope(state, me))
    return [t for t in found  # the query's scope, checked
            if authorize(me, Action.VERIFY, view_of(state, t)).allowed]  # fmt: skip


def verification_tasks(state: WebState, me: Principal) -> list[dict[str, Any]]:
    """``me``'s verification tasks as the API shows them."""
    return [ticket_out(state, me, t) for t in verification_tickets(state, me)]


@router.get(
    "/my/verifications",
    summary="Verification tasks (核实任务) of my cells, earliest deadline first",
)
def my_verifications(state: State, me: Me) -> dict[str, Any]:
    return {"tickets": verification_tasks(state, me)}


def _answer(
    state: WebState, me: Principal, ticket: str, given: str, note: str, reason: str,
    photos: list[Any], key: str | None,
) -> Any:  # fmt: skip
    """Blocking work (photos, the database): the routes are plain ``def``, run in the pool;
    at most once under an ``Idempotency-Key``."""

    def move(within: Within | None) -> Ticket:
        found = allowed_ticket(state, me, ticket, Action.VERIFY)
        evidence = store_photos(state, photos)
        return answered(state, me, found, given, note, reason, evidence, within=within)

    return once(state, me, key, ticket=ticket, action=f"verify_{given}", move=move,
                out=lambda t: ticket_out(state, me, t))  # fmt: skip


def answered(
    state: WebState, me: Principal, found: Ticket, given: str, note: str, reason: str,
    evidence: tuple[str, ...], within: Within | None = None,
) -> Ticket:  # fmt: skip
    """``found`` (allowed already) answered ``given`` by ``me`` with its stored photos, linked to
    the ticket so its readers may see them (the API's and the field app's one way)."""
    from gridops.services.verification import answer

    moved = answer(state.ctx, found, given, actor=me.user_id, role=me.role, now=state.now(),
                   note=note, reason=reason, evidence=evidence, within=within)  # fmt: skip
    add_refs(state.ctx.store.engine, moved.id, evidence)
    return moved


@router.post(
    "/tickets/{ticket}/verification/exists",
    summary="Verified: the problem exists (核实属实); the routing stage dispatches it",
    responses=ANSWER_RESPONSES,
)
def verified_exists(
    state: State,
    me: Me,
    ticket: str,
    note: Note = "",
    photos: Photos = [],  # noqa: B006 - FastAPI copies defaults
    key: IdempotencyKey = None,
) -> Any:
    return _answer(state, me, ticket, "exists", note, "", photos, key)


@router.post(
    "/tickets/{ticket}/verification/absent",
    summary="Verified: the problem does not exist (不属实); void, not registered (不予立案)",
    responses=ANSWER_RESPONSES,
)
def verified_absent(
    state: State,
    me: Me,
    ticket: str,
    reason: Reason,
    note: Note = "",
    photos: Photos = [],  # noqa: B006 - FastAPI copies defaults
    key: IdempotencyKey = None,
) -> Any:
    return _answer(state, me, ticket, "absent", note, reason, photos, key)


@router.post(
    "/tickets/{ticket}/verification/unverifiable",
    summary="Cannot verify (无法核实): back to the dispatcher's queue for a decision",
    responses=ANSWER_RESPONSES,
)
def unverifiable(
    state: State,
    me: Me,
    ticket: str,
    reason: Reason,
    note: Note = "",
    photos: Photos = [],  # noqa: B006 - FastAPI copies defaults
    key: IdempotencyKey = None,
) -> Any:
    return _answer(state, me, ticket, "unverifiable", note, reason, photos, key)


@router.post(
    "/tickets/{ticket}/register",
    summary="Register (立案) a report that could not be verified; the routing stage dispatches it",
    responses=DECIDE_RESPONSES,
)
def register(state: State, me: Me, ticket: str, body: DecideIn | None = None) -> dict[str, Any]:
    from gridops.services.verification import register as register_report

    found = allowed_ticket(state, me, ticket, Action.DECIDE_VERIFICATION)
    note = body.note if body is not None else ""
    moved = register_report(state.ctx, found, actor=me.user_id, role=me.role, now=state.now(),
                            note=note)  # fmt: skip
    return ticket_out(state, me, moved)


@router.post(
    "/tickets/{ticket}/verify",
    summary="Send for verification (核实) to the cell's post, due within the category's limit",
    responses=DECIDE_RESPONSES,
)
def send_for_verification(
    state: State, me: Me, ticket: str, body: DecideIn | None = None
) -> dict[str, Any]:
    """A report that could not be verified (again), or a report routing has not taken yet."""
    from gridops.services.verification import send_for_verification as send

    found = allowed_ticket(state, me, ticket, Action.DECIDE_VERIFICATION)
    note = body.note if body is not None else ""
    moved = send(state.ctx, found, actor=me.user_id, role=me.role, now=state.now(), note=note)
    return ticket_out(state, me, moved)
