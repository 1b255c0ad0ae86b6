"""What routing reads (RoutingFacts) and what it returns (RoutingDecision, stored on the ticket)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from gridops.tickets.codec import PlainData
from gridops.tickets.vocabulary import ClockType, Source, TimeLimit


@dataclass(frozen=True)
class RoutingFacts:
    """The facts of a ticket that routing may look at.

    ``cells`` are the codes that contain the point, level 1 first (``Location.codes``); a
    shorter tuple means the point is in no cell of the deeper levels. They are cut at the
    first gap (""): a level-3 code never stands in the level-2 slot. ``overlays`` are
    ``(layer, code)`` pairs. ``priority`` None means the category's priority.
    """

    category: str
    cells: tuple[str, ...]
    overlays: tuple[tuple[str, str], ...] = ()
    source: Source | None = None
    local_time: time | None = None
    priority: str | None = None
    intake_unit: str | None = None
    returned_by: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        cells = tuple(self.cells)
        if "" in cells:
            cells = cells[: cells.index("")]
        object.__setattr__(self, "cells", cells)
        object.__setattr__(self, "overlays", tuple(tuple(o) for o in self.overlays))
        if isinstance(self.local_time, datetime):
            object.__setattr__(self, "local_time", self.local_time.time())
        if self.source is not None:
            object.__setattr__(self, "source", Source(self.source))
        object.__setattr__(self, "returned_by", frozenset(self.returned_by))


@dataclass(frozen=True)
class RoutingDecision:
    """Where a ticket goes and why — in words a dispatcher can read.

    ``candidates`` are units in order (owner first, then fallbacks, last resort last), never
    including a unit that returned the ticket. ``escalation`` is the policy snapshot (plain
    data) frozen onto the ticket. ``manual``: the owner must assign it by hand (last resort,
    too many returns, or a point outside the lower cells). ``follow_up_unit`` keeps following
    the ticket up (首问责任制: the intake unit, else the sub-centre).
    """

    owner_unit: str
    candidates: tuple[str, ...]
    time_limit: TimeLimit
    joint_group: str | None
    escalation: Mapping[str, Any]
    rule_id: str
    reasons: tuple[str, ...]
    manual: bool
    category: str = ""
    pool: str | None = None
    follow_up_unit: str | None = None

    def to_dict(self) -> PlainData:
        """Plain JSON-able data (round-trips through :meth:`from_dict`). The escalation
        snapshot is shared with the decision (and the config's cache), not copied."""
        return PlainData(
            {
                "owner_unit": self.owner_unit,
                "candidates": list(self.candidates),
                "time_limit": {
                    "amount": self.time_limit.amount,
                    "clock": self.time_limit.clock.value,
                },
                "joint_group": self.joint_group,
                "escalation": e if type(e := self.escalation) is dict else _plain(e),
                "rule_id": self.rule_id,
                "reasons": list(self.reasons),
                "manual": self.manual,
                "category": self.category,
                "pool": self.pool,
                "follow_up_unit": self.follow_up_unit,
            }
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RoutingDecision:
        limit = data["time_limit"]
        return cls(
            owner_unit=data["owner_unit"],
            candidates=tuple(data["candidates"]),
            time_limit=TimeLimit(limit["amount"], ClockType(limit["clock"])),
            joint_group=data.get("joint_group"),
            escalation=_plain(data.get("escalation") or {}),
            rule_id=data["rule_id"],
            reasons=tuple(data.get("reasons", ())),
            manual=bool(data.get("manual", False)),
            category=data.get("category", ""),
            pool=data.get("pool"),
            follow_up_unit=data.get("follow_up_unit"),
        )


def _plain(value: Any) -> Any:
    """A deep copy made of dicts, lists and scalars only."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
