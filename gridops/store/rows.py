"""Tickets and events ⇄ table rows."""

from __future__ import annotations

import json
from typing import Any, Protocol

import orjson
from sqlalchemy import Row

from gridops.tickets import Event, Ticket, decode_ticket, encode_ticket
from gridops.tickets.codec import compact


def ticket_row(t: Ticket) -> dict[str, Any]:
    """The tickets row for ``t`` (indexed columns + the full ticket as JSON)."""
    cells = (*t.cells, "", "", "")[:3]
    return {
        "id": t.id,
        "number": t.number,
        "idempotency_key": t.idempotency_key,
        "category": t.category,
        "kind": t.kind.value,
        "status": t.status.value,
        "version": t.version,
        "owner_unit": t.owner_unit,
        "assignee": t.assignee,
        "priority": t.priority,
        "open_due_at": t.clock.due_at if t.status.open and t.clock.running else None,
        "cell_1": cells[0],
        "cell_2": cells[1],
        "cell_3": cells[2],
        "supervised": t.supervised,
        "chain_head": t.chain_head,
        "created_at": t.created_at,
        "updated_at": t.updated_at,
        "data": compact(encode_ticket(t)),
        "source": t.source.value,
        "due_at": t.clock.due_at,
        "dispatched_at": t.dispatched_at,
        "handled_at": t.handled_at,
        "closed_at": t.closed_at,
        "onsite": t.onsite,
        "satisfaction": t.satisfaction,
        "escalation_level": t.escalation_level,
        "rework_count": t.rework_count,
        "return_count": len(t.returned_by),
        "point_lon": t.point_lon,
        "point_lat": t.point_lat,
    }


def event_row(e: Event) -> dict[str, Any]:
    return {
        "ticket_id": e.ticket_id,
        "seq": e.seq,
        "type": e.type,
        "from_status": e.from_status,
        "to_status": e.to_status,
        "actor": e.actor,
        "role": e.role,
        "at": e.at,
        "payload": e.payload_json,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }


class HasData(Protocol):
    """A result row that carries the ticket's JSON in its ``data`` column."""

    @property
    def data(self) -> str: ...


def ticket_of(row: HasData) -> Ticket:
    """The ticket in a row's JSON (orjson: every number in a ticket fits 64 bits)."""
    return decode_ticket(orjson.loads(row.data))


def event_of(row: Row[Any]) -> Event:
    return Event(
        ticket_id=row.ticket_id,
        seq=row.seq,
        type=row.type,
        from_status=row.from_status,
        to_status=row.to_status,
        actor=row.actor,
        role=row.role,
        at=row.at,
        payload=json.loads(row.payload),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )
