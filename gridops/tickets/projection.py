"""The current state as a projection of the events: fold their recorded changes in order.

The reporter's contact and its salt are outside the chain (kept in the ticket row only; see
:mod:`gridops.tickets.privacy`): a rebuilt ticket has them blank — except chains written before
that change, whose report event still carries the contact. Compare with
:func:`~gridops.tickets.privacy.in_chain` on both sides.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gridops.tickets.codec import decode_ticket, iso
from gridops.tickets.events import Event
from gridops.tickets.model import Ticket


def rebuild(events: Iterable[Event]) -> Ticket:
    """The ticket that ``events`` (one ticket's, in order, starting with ``report``) describe."""
    state: dict[str, Any] = {}
    last: Event | None = None
    for ev in events:
        if last is None and ev.type != "report":
            raise ValueError(f"ticket {ev.ticket_id}: history does not start with a report")
        state.update(ev.payload.get("changes", {}))
        last = ev
    if last is None:
        raise ValueError("no events to rebuild a ticket from")
    state.update(version=last.seq, chain_head=last.hash, updated_at=iso(last.at))
    return decode_ticket(state)
