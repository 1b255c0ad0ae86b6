"""Words every layer shares: roles, kinds of problem, report sources, clock types, time limits.

Kept apart from the ticket model so that routing (gridops.org) and the clocks can use them
without importing the workflow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """Who acts on a ticket."""

    SYSTEM = "system"  # workers: routing, sweeper, escalation
    PUBLIC = "public"  # citizens, Open311 clients (市民)
    INSPECTOR = "inspector"  # 监督员 / 采集员
    GRID_WORKER = "grid_worker"  # 网格员 (field staff of a level-3 cell)
    ACCEPTOR = "acceptor"  # 受理员
    DISPATCHER = "dispatcher"  # 派遣员 (operations centre)
    FIELD_STAFF = "field_staff"  # 处置人员 of a handling unit
    SUPERVISOR = "supervisor"  # 考核员 / 值班长
    ADMIN = "admin"


class Kind(StrEnum):
    """部件 component (a physical asset) or 事件 event (a situation)."""

    COMPONENT = "component"
    EVENT = "event"

    @property
    def letter(self) -> str:
        """The case-number letter: C for 部件, E for 事件."""
        return "C" if self is Kind.COMPONENT else "E"


class Source(StrEnum):
    """How a problem was discovered (信息收集)."""

    INSPECTOR = "inspector"
    GRID_WORKER = "grid_worker"
    HOTLINE = "hotline"  # 12345
    PUBLIC = "public"  # Open311 / app
    CAMERA = "camera"
    IMPORT = "import"


class ClockType(StrEnum):
    """How a time limit is counted."""

    HOURS = "hours"  # continuous hours, nights and holidays included (urgent)
    WORKING_HOURS = "working_hours"  # inside the calendar's working periods
    WORKING_DAYS = "working_days"  # whole working days (weekends/holidays skipped, 调休 honoured)
    DAYS = "days"  # natural days


@dataclass(frozen=True)
class TimeLimit:
    """A time limit such as 4 working hours: ``TimeLimit(4, ClockType.WORKING_HOURS)``."""

    amount: float
    clock: ClockType

    def __post_init__(self) -> None:
        if not 0 < self.amount < math.inf:
            raise ValueError(f"time limit must be a positive finite number, got {self.amount!r}")
        object.__setattr__(self, "clock", ClockType(self.clock))

    def __str__(self) -> str:
        return f"{self.amount:g} {self.clock.value.replace('_', ' ')}"
