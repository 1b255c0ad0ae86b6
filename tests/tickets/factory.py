"""Helpers for the ticket domain tests: a draft, a fresh ticket, a walk along the happy path."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from gridops.tickets import TicketDraft, TimeLimit, Transition, report

NOW = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # Friday 09:00 in Shanghai


def draft(**kw: object) -> TicketDraft:
    base: dict[str, object] = dict(
        category="0102", kind="event", lon=121.5, lat=31.2, description="exposed garbage"
    )
    base.update(kw)
    return TicketDraft(**base)  # type: ignore[arg-type]


def fresh(now: datetime = NOW, salt: str = "", **kw: object) -> Transition:
    return report(
        draft(**kw), id=uuid.uuid4().hex, number="E01022026112000001", now=now,
        actor="citizen", role="public", salt=salt,
    )  # fmt: skip


LIMIT = TimeLimit(4, "working_hours")
