"""Bulk writes of whole ticket histories (import of history, benchmark data): Core inserts of
the ticket rows and their hash-chained events, many at a time, with case numbers reserved from
the same per-day counters as intake."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from gridops.store.engine import write
from gridops.store.numbers import reserve_serials
from gridops.store.repository import Store
from gridops.store.rows import event_row, ticket_row
from gridops.store.schema import ticket_events, tickets
from gridops.tickets import Event, Ticket

CHUNK = 500


def known_keys(store: Store, keys: Sequence[str]) -> set[str]:
    """Which of these idempotency keys are stored already."""
    found: set[str] = set()
    with store.engine.connect() as conn:
        for i in range(0, len(keys), CHUNK):
            q = select(tickets.c.idempotency_key).where(
                tickets.c.idempotency_key.in_(keys[i : i + CHUNK])
            )
            found.update(k for k in conn.execute(q).scalars() if k)
    return found


def reserve_numbers(store: Store, items: Sequence[tuple[datetime, str]]) -> list[int]:
    """One serial per (reported_at, category code), from the per-day counters (local day)."""
    by_day: dict[str, list[int]] = {}
    for i, (at, _) in enumerate(items):
        by_day.setdefault(at.astimezone(store.tz).strftime("%Y%m%d"), []).append(i)
    out = [0] * len(items)
    with write(store.engine) as conn:
        for day, idx in sorted(by_day.items()):
            serials = reserve_serials(conn, day, [items[i][1] for i in idx])
            for i, s in zip(idx, serials, strict=True):
                out[i] = s
    return out


def insert_histories(
    store: Store, histories: Sequence[tuple[Ticket, Sequence[Event]]], *, chunk: int = 2000
) -> int:
    """Insert the tickets and all their events in one transaction; returns tickets written."""
    with write(store.engine) as conn:
        for i in range(0, len(histories), chunk):
            part = histories[i : i + chunk]
            conn.execute(tickets.insert(), [ticket_row(t) for t, _ in part])
            conn.execute(ticket_events.insert(), [event_row(e) for _, evs in part for e in evs])
    return len(histories)
