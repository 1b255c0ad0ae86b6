"""Events (事件日志) and their hash chain: every change of a ticket appends one Event.

``hash = sha256(prev_hash + canonical JSON of the event)``. The canonical form holds the
ticket id, type, from/to status, actor, role, time (ISO-8601 UTC) and payload — not the sequence
number, so that an event moved to another place in the chain shows up as *reordered* rather than
*altered*. The first event of a ticket chains from :data:`GENESIS`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache
from typing import Any

from gridops.tickets.codec import canonical_bytes, iso

GENESIS = "0" * 64


@dataclass(frozen=True)
class Event:
    """One appended fact: ``type`` is the action (``report`` for the first)."""

    ticket_id: str
    seq: int
    type: str
    from_status: str
    to_status: str
    actor: str
    role: str
    at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = GENESIS
    hash: str = ""

    def body(self) -> dict[str, Any]:
        """The hashed content (everything except seq and the hashes)."""
        return {
            "ticket_id": self.ticket_id,
            "type": self.type,
            "from": self.from_status,
            "to": self.to_status,
            "actor": self.actor,
            "role": self.role,
            "at": iso(self.at),
            "payload": self.payload,
        }

    @cached_property
    def payload_bytes(self) -> bytes:
        """The payload's canonical JSON as UTF-8 (computed once per event)."""
        return canonical_bytes(self.payload)

    @cached_property
    def payload_json(self) -> str:
        """The payload's canonical JSON (the store writes it)."""
        return self.payload_bytes.decode("utf-8")

    def body_bytes(self) -> bytes:
        """``canonical(self.body())`` as UTF-8, spliced from :attr:`payload_bytes`
        (byte-identical; hashed as bytes, so the text is never encoded again)."""
        return _BODY % (
            _bstr(self.actor),
            _bstr(iso(self.at)),
            _bstr(self.from_status),
            self.payload_bytes,
            _bstr(self.role),
            _bstr(self.ticket_id),
            _bstr(self.to_status),
            _bstr(self.type),
        )

    def sealed(self) -> Event:
        """This event with ``hash`` computed from ``prev_hash`` (its payload JSON kept)."""
        digest = chain_hash(self.prev_hash, self)  # caches payload_bytes in self.__dict__
        out = object.__new__(Event)  # dataclasses.replace without __init__: same fields,
        out.__dict__.update(self.__dict__, hash=digest)  # the payload's JSON cached along
        return out


# canonical() of body(): keys sorted, no whitespace (tests/tickets/test_events.py proves it)
_BODY = b'{"actor":%b,"at":%b,"from":%b,"payload":%b,"role":%b,"ticket_id":%b,"to":%b,"type":%b}'
_str = json.JSONEncoder(ensure_ascii=False).encode


@lru_cache(maxsize=4096)  # actors, roles, types and statuses repeat on every event
def _bstr(text: str) -> bytes:
    """``text`` as a JSON string literal in UTF-8."""
    return _str(text).encode("utf-8")


def chain_hash(prev_hash: str, event: Event) -> str:
    """sha256 hex over the previous hash and the event's canonical JSON (UTF-8)."""
    return hashlib.sha256(prev_hash.encode("utf-8") + event.body_bytes()).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    """Something wrong with one ticket's history: ``kind`` is altered, deleted or reordered."""

    ticket_id: str
    kind: str
    detail: str


def last(links: Sequence[tuple[str, str]]) -> str:
    """The head hash of a chain of (prev_hash, hash) links (GENESIS when empty)."""
    return links[-1][1] if links else GENESIS


def chain_break(links: Sequence[tuple[str, str]]) -> tuple[str, str] | None:
    """Whether (prev_hash, hash) links, in stored order, form one chain from GENESIS: None if
    they do; else ``("reordered", why)`` when they would in another order, or ``("deleted",
    why)`` where the chain breaks. (Each link's own hash is checked before: see check_chain.)"""
    prev = GENESIS
    for before, after in links:
        if before != prev:
            break
        prev = after
    else:
        return None
    by_prev = dict(links)
    walk, cur = 0, GENESIS
    while cur in by_prev and walk <= len(links):
        cur = by_prev[cur]
        walk += 1
    if walk == len(links):
        return "reordered", "every event is intact but they are stored out of chain order"
    return "deleted", f"the chain breaks after {walk} of {len(links)} events"


def check_chain(
    ticket_id: str, events: list[Event], *, version: int | None, head: str | None
) -> list[ChainProblem]:
    """Problems of one ticket's chain (events in stored sequence order).

    ``version`` and ``head`` come from the ticket row (None when the row is gone), so that a
    deleted last event is caught too.
    """
    problems: list[ChainProblem] = []

    def bad(kind: str, detail: str) -> None:
        problems.append(ChainProblem(ticket_id, kind, detail))

    if version is None:
        bad("deleted", f"{len(events)} events but the ticket row is gone")
    for ev in events:
        if chain_hash(ev.prev_hash, ev) != ev.hash:
            bad("altered", f"event {ev.seq} ({ev.type}) does not match its hash")
    if problems and any(p.kind == "altered" for p in problems):
        return problems
    seqs = [ev.seq for ev in events]
    if seqs != list(range(1, len(events) + 1)):
        bad("deleted", f"sequence numbers have gaps: {seqs[:10]}")
    links = [(ev.prev_hash, ev.hash) for ev in events]
    broken = chain_break(links)
    if broken is not None:
        bad(*broken)
    elif version is not None and (version != len(events) or (head or GENESIS) != last(links)):
        kind = "deleted" if version > len(events) else "altered"
        bad(kind, f"ticket is at version {version} but its chain holds {len(events)} events")
    return problems
