"""Verification of public reports (核实): who verifies, the three answers, and the dispatcher's
decision on a report that could not be verified.

A public report of a category with ``verify_public`` becomes a task of its cell's grid-worker
post (the routing stage sends it, :func:`verifying_unit`), due within the category's
``verify_limit`` on the work calendar. The answer (:func:`answer`) is one of:

- ``exists`` (属实) → verified: the routing stage dispatches it;
- ``absent`` (不属实) → void, not registered (不予立案), with the reason;
- ``unverifiable`` (无法核实) → unverified, back in the dispatcher's 待派遣 queue, where an
  acceptor or dispatcher registers it (立案, :func:`register`), sends it for verification again
  with a fresh deadline (:func:`send_for_verification`, which also sends a report that routing
  has not taken yet), dispatches it by hand or voids it.

Each answer stops the verification clock; an overdue verification is flagged 督办 by the
sweeper like any other overdue ticket.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from gridops.errors import UserError
from gridops.services.actions import act
from gridops.services.context import ServiceContext
from gridops.store.batch_write import Within
from gridops.store.queries import TicketScope, find_many
from gridops.tickets import Role, Status, Ticket

#: Answer → the workflow move it makes.
ANSWERS = {"exists": "verified", "absent": "verified_absent", "unverifiable": "unverifiable"}


def verifying_unit(ctx: ServiceContext, ticket: Ticket) -> str:
    """Who verifies ``ticket``: the locality unit of its deepest cell that the org chart knows
    (the level-3 cell's grid-worker post), else the district centre."""
    org = ctx.ops.org
    for cell in reversed(ticket.cells):
        unit = org.locality.get(cell)
        if unit is not None:
            return unit
    return org.centre


def answer(
    ctx: ServiceContext,
    ticket: str | Ticket,
    given: str,
    *,
    actor: str,
    role: Role | str,
    now: datetime,
    note: str = "",
    reason: str = "",
    evidence: Sequence[str] = (),
    within: Within | None = None,
) -> Ticket:
    """Answer a verification task: ``exists``, ``absent`` (needs ``reason``) or
    ``unverifiable`` (needs ``reason``), with an optional note and photos (``within``: work
    that commits with the move)."""
    move = ANSWERS.get(given)
    if move is None:
        raise UserError(f"verification answer {given!r} is unknown; one of: {', '.join(ANSWERS)}")
    fields: dict[str, object] = {}
    if note:
        fields["note"] = note
    if reason or move != "verified":
        fields["reason"] = reason
    if evidence:
        fields["evidence"] = tuple(evidence)
    return act(ctx, ticket, move, actor=actor, role=role, now=now, within=within, **fields)


def register(
    ctx: ServiceContext, ticket: str | Ticket, *, actor: str, role: Role | str, now: datetime,
    note: str = "",
) -> Ticket:  # fmt: skip
    """Register (立案) a report that could not be verified: the routing stage dispatches it."""
    fields: dict[str, Any] = {"note": note} if note else {}
    return act(ctx, ticket, "register", actor=actor, role=role, now=now, **fields)


def send_for_verification(
    ctx: ServiceContext, ticket: str | Ticket, *, actor: str, role: Role | str, now: datetime,
    note: str = "",
) -> Ticket:  # fmt: skip
    """Send a report (one that could not be verified, or one not routed yet) to its cell's
    post for verification, due within the category's ``verify_limit`` from ``now``."""
    from gridops.services.actions import load

    current = load(ctx, ticket)
    category = ctx.ops.taxonomy.categories[current.category]
    fields: dict[str, Any] = {"note": note} if note else {}
    return act(ctx, current, "verify", actor=actor, role=role, now=now,
               owner_unit=verifying_unit(ctx, current), time_limit=category.verify_limit,
               **fields)  # fmt: skip


def tasks(ctx: ServiceContext, *, scope: TicketScope | None, limit: int = 500) -> list[Ticket]:
    """Verification tasks (核实任务) within ``scope`` (None: all), earliest deadline first."""
    return find_many(ctx.store, statuses=(Status.VERIFYING,), scope=scope, order="due", limit=limit)
