"""What every JSON API route does: load a ticket, check the principal may act on it, take the
action through the services with the principal as actor, and show the ticket as that principal
may see it (reporter contact masked for everyone but dispatchers and supervisors)."""

from __future__ import annotations

from typing import Any

from gridops.tickets.codec import encode_ticket, plain
from gridops.tickets.events import Event
from gridops.tickets.model import Ticket
from gridops.web.permissions import (
    Action,
    PermissionDenied,
    Principal,
    TicketView,
    authorize,
    may_take,
    not_visible,
    sees_every_ticket,
    sees_reporter_contact,
)
from gridops.web.security import ReporterContact, mask_contact
from gridops.web.state import WebState


def load_ticket(state: WebState, ticket: str) -> Ticket:
    """A ticket by id or public number (404 if unknown)."""
    from gridops.services.actions import load

    return load(state.ctx, ticket)


def view_of(state: WebState, ticket: Ticket) -> TicketView:
    """What authorization needs: owner, assignee, and the units above the owner followed by
    the territorial units (属地) of the ticket's cells, so a sub-centre sees what happens in its
    area — also before routing, when the ticket has no owner yet."""
    org = state.ctx.ops.org
    owner = ticket.owner_unit or None
    path = list(org.up_chain(owner)) if owner else []
    for cell in reversed(ticket.cells):  # level 3 first: the nearest territory
        local = org.locality.get(cell)
        if local is not None:
            path.extend((local, *org.up_chain(local)))
    return TicketView(
        ticket_id=ticket.number,
        owner_unit=owner,
        assignee_id=ticket.assignee or None,
        unit_path=tuple(dict.fromkeys(u for u in path if u != owner)),
    )


def allowed_ticket(state: WebState, me: Principal, ticket: str, action: Action) -> Ticket:
    """Load ``ticket`` and require ``action`` on it. The role is checked first; then a ticket
    ``me`` may not see and a ticket that does not exist get the same 403 (:func:`not_visible`),
    so refusals are no oracle for case numbers. Only a reader of every ticket gets a 404."""
    from gridops.store.errors import UnknownTicket

    role = may_take(me, action)
    if not role.allowed:
        raise PermissionDenied(role.reason)
    try:
        found = load_ticket(state, ticket)
    except UnknownTicket:
        if sees_every_ticket(me):
            raise
        raise not_visible(me, ticket) from None
    if not authorize(me, action, view_of(state, found)).allowed:
        raise not_visible(me, ticket)
    return found


def act_as(
    state: WebState, me: Principal, ticket: Ticket, action: str, within: Any = None, **fields: Any
) -> Ticket:
    """One workflow action with the principal as the event's actor (``within``: work that
    commits with it, :data:`gridops.store.batch_write.Within`)."""
    from gridops.services.actions import act

    return act(state.ctx, ticket.id, action, actor=me.user_id, role=me.role, now=state.now(),
               within=within, **fields)  # fmt: skip


def _reporter(me: Principal, ticket: Ticket) -> dict[str, Any]:
    r = ticket.reporter
    contact = ReporterContact(r.name or None, r.phone or None, r.email or None)
    shown = contact if sees_reporter_contact(me) else mask_contact(contact)
    return {"name": shown.name, "phone": shown.phone, "email": shown.email}


def ticket_out(state: WebState, me: Principal, ticket: Ticket) -> dict[str, Any]:
    """The ticket as JSON for this principal; adds ``overdue`` and the owner unit's name."""
    data = encode_ticket(ticket)
    data.pop("reporter_salt", None)  # with the digest it would let anyone test guesses
    data["reporter"] = _reporter(me, ticket)
    data["overdue"] = ticket.overdue(state.now())
    unit = state.ctx.ops.org.units.get(ticket.owner_unit)
    data["owner_unit_name"] = unit.zh if unit else None
    data["address"] = address_out(state, ticket)
    return data


def address_out(state: WebState, ticket: Ticket) -> dict[str, Any] | None:
    """The stored address nearest the ticket's point (标准地址库), with its distance in metres;
    None while no address is stored."""
    from gridops.services.addresses import nearest_address

    near = nearest_address(state.ctx.store, ticket)
    if near is None:
        return None
    return {"id": near.id, "text": near.text, "text_en": near.en, "cell": near.cell,
            "distance_m": near.distance_m}  # fmt: skip


def event_out(me: Principal, event: Event) -> dict[str, Any]:
    """One timeline entry; the first event's reporter snapshot is masked like the ticket."""
    payload = plain(event.payload)
    changes = payload.get("changes") if isinstance(payload, dict) else None
    if isinstance(changes, dict) and "reporter" in changes and not sees_reporter_contact(me):
        r = changes["reporter"] or {}
        masked = mask_contact(
            ReporterContact(r.get("name") or None, r.get("phone") or None, r.get("email") or None)
        )
        changes["reporter"] = {"name": masked.name, "phone": masked.phone, "email": masked.email}
    return {
        "seq": event.seq,
        "type": event.type,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "actor": event.actor,
        "role": event.role,
        "at": plain(event.at),
        "payload": payload,
        "hash": event.hash,
    }


def tickets_out(state: WebState, me: Principal, found: list[Ticket]) -> list[dict[str, Any]]:
    """Only the tickets this principal may read, each as :func:`ticket_out`."""
    return [
        ticket_out(state, me, t)
        for t in found
        if authorize(me, Action.READ_TICKET, view_of(state, t)).allowed
    ]
