"""A ticket's photos of the place before the work (处置前) and after it (处置后).

The report's photos show the place before; a done (``handle``, ``onsite_resolve``) may bring
photos taken before the work (``evidence_before``, kept apart in its event) and after it
(``evidence``). The ticket's ``evidence`` holds both; the last done's event says which is which.
"""

from __future__ import annotations

from collections.abc import Iterable

from gridops.tickets.events import Event
from gridops.tickets.model import Ticket

DONES = ("handle", "onsite_resolve")


def before_after(ticket: Ticket, events: Iterable[Event]) -> tuple[list[str], list[str]]:
    """(before, after): the report's photos and the last done's photos before the work; the
    rest of the ticket's evidence. A done that did not tell them apart counts all as after."""
    dones = [e for e in events if e.type in DONES]
    given = (dones[-1].payload.get("fields") or {}) if dones else {}
    taken = [str(p) for p in given.get("evidence_before") or ()]
    before = list(dict.fromkeys([*map(str, ticket.media), *taken]))
    after = [p for p in dict.fromkeys(map(str, ticket.evidence)) if p not in before]
    return before, after
