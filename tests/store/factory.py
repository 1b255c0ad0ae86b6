"""Drafts and times for the store tests."""

from __future__ import annotations

from datetime import UTC, datetime

from gridops.tickets import TicketDraft, TimeLimit

NOW = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # Friday 09:00 in Shanghai
LIMIT = TimeLimit(4, "working_hours")
DISPATCH = {"owner_unit": "sc-310115001", "time_limit": LIMIT}
VERIFY = {"owner_unit": "gw-310115001001001", "time_limit": TimeLimit(2, "working_hours")}


def draft(i: int = 0, **kw: object) -> TicketDraft:
    base: dict[str, object] = dict(
        category="0102",
        kind="event",
        lon=121.5 + i * 1e-4,
        lat=31.2,
        description=f"exposed garbage #{i}",
        cells=("310115001", "310115001001", f"310115001001{i % 7:03d}"),
    )
    base.update(kw)
    return TicketDraft(**base)  # type: ignore[arg-type]
