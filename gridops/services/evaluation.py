"""The evaluation stage (综合评价): sample closed tickets for a satisfaction call-back (回访抽查).

Each closed ticket is looked at once (``svc_callbacks``); it is sampled when a hash of its case
number falls under ``CALLBACK_RATE`` (deterministic, so a repeat decides the same — and a
simulation with the same seed, whose numbers repeat while ids are random, samples the same).
Sampled tickets wait for the call-back's answer (``act(…, "evaluate", satisfaction=…)``); the
simulator answers them in the demo.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from gridops.services.context import ServiceContext, current
from gridops.store.queries import sampled_pending_callbacks
from gridops.store.service_tables import record_callback_samples
from gridops.tickets import Status

CALLBACK_RATE = 0.3


def process_batch(limit: int) -> int:
    """The stage function."""
    return sample_batch(current(), limit, now=datetime.now(UTC))


def sampled(number: str, rate: float = CALLBACK_RATE) -> bool:
    """Whether a ticket falls in the call-back sample (stable for its case number)."""
    h = int.from_bytes(hashlib.sha256(number.encode()).digest()[:8], "big")
    return h / 2**64 < rate


def sample_batch(
    ctx: ServiceContext, limit: int, *, now: datetime, rate: float = CALLBACK_RATE
) -> int:
    """Decide the sample for up to ``limit`` closed tickets not looked at yet."""
    return record_callback_samples(
        ctx.store, status=Status.CLOSED.value, limit=limit, sampled=lambda i: sampled(i, rate),
        now=now,
    )  # fmt: skip


def pending_callbacks(ctx: ServiceContext, limit: int = 100) -> list[str]:
    """Ids of sampled tickets still closed (their call-back not answered yet)."""
    return sampled_pending_callbacks(ctx.store, status=Status.CLOSED, limit=limit)
