"""The evaluation stage (综合评价): sample closed tickets for a satisfaction call-back (回访抽查).

Each closed ticket is looked at once (``svc_callbacks``); it is sampled when a hash of its id
falls under ``CALLBACK_RATE`` (deterministic, so a repeat decides the same). Sampled tickets
wait for the call-back's answer (``act(…, "evaluate", satisfaction=…)``); the simulator answers
them in the demo.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import select

from gridops.services.context import ServiceContext, current
from gridops.store.engine import write
from gridops.store.schema import tickets
from gridops.store.service_tables import callbacks
from gridops.tickets import Status

CALLBACK_RATE = 0.3


def process_batch(limit: int) -> int:
    """The stage function."""
    return sample_batch(current(), limit, now=datetime.now(UTC))


def sampled(ticket_id: str, rate: float = CALLBACK_RATE) -> bool:
    """Whether a ticket falls in the call-back sample (stable for its id)."""
    h = int.from_bytes(hashlib.sha256(ticket_id.encode()).digest()[:8], "big")
    return h / 2**64 < rate


def sample_batch(
    ctx: ServiceContext, limit: int, *, now: datetime, rate: float = CALLBACK_RATE
) -> int:
    """Decide the sample for up to ``limit`` closed tickets not looked at yet."""
    t, cb = tickets.c, callbacks.c
    q = (
        select(t.id)
        .outerjoin(callbacks, cb.ticket_id == t.id)
        .where(t.status == Status.CLOSED.value, cb.ticket_id.is_(None))
        .order_by(t.updated_at)
        .limit(limit)
    )
    with write(ctx.store.engine) as conn:
        ids = list(conn.execute(q).scalars())
        if ids:
            conn.execute(
                callbacks.insert(),
                [{"ticket_id": i, "sampled": sampled(i, rate), "decided_at": now} for i in ids],
            )
    return len(ids)


def pending_callbacks(ctx: ServiceContext, limit: int = 100) -> list[str]:
    """Ids of sampled tickets still closed (their call-back not answered yet)."""
    t, cb = tickets.c, callbacks.c
    q = (
        select(t.id)
        .join(callbacks, cb.ticket_id == t.id)
        .where(cb.sampled.is_(True), t.status == Status.CLOSED.value)
        .limit(limit)
    )
    with ctx.store.engine.connect() as conn:
        return list(conn.execute(q).scalars())
