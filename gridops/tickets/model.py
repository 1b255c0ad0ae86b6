"""The ticket (案卷): statuses, the frozen Ticket record, and the draft an intake fills in."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import MISSING, dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import Any

from gridops.errors import UserError
from gridops.text import forbidden
from gridops.tickets.vocabulary import ClockType, Kind, Source, TimeLimit

MAX_DESCRIPTION = 4000
ID_RE = re.compile(r"^[0-9a-f]{32}$")
NUMBER_RE = re.compile(r"^[CE][0-9A-Z]+\d{8}\d{5,}$")
LONLAT_CRS = ("EPSG:4326", "EPSG:4490", "GCJ-02", "BD-09", "WGS84", "CGCS2000")


class Status(StrEnum):
    """Where a ticket stands in discover → dispatch → handle → close → evaluate."""

    REPORTED = "reported"  # 上报 / 信息收集
    VERIFYING = "verifying"  # 核实中
    VERIFIED = "verified"  # 核实属实, 立案
    UNVERIFIED = "unverified"  # 无法核实: the dispatcher decides (立案, re-verify or void)
    DISPATCHED = "dispatched"  # 已派遣
    ACCEPTED = "accepted"  # 已签收
    RETURNED = "returned"  # 退单, waiting for re-dispatch
    ESCALATED = "escalated"  # 联合执法 joint enforcement
    REWORK = "rework"  # 返工
    SUSPENDED = "suspended"  # 缓办 (clock paused)
    HANDLED = "handled"  # 处理反馈 done, waiting for check
    CLOSED = "closed"  # 结案
    EVALUATED = "evaluated"  # 已评价
    VOID = "void"  # 作废 / 不予立案
    DUPLICATE = "duplicate"  # merged into another ticket

    @property
    def terminal(self) -> bool:
        """No action leaves a terminal status."""
        return self in TERMINAL

    @property
    def open(self) -> bool:
        """Still waiting for work (not closed, evaluated, void or merged)."""
        return self not in DONE


TERMINAL = frozenset({Status.VOID, Status.DUPLICATE})
DONE = TERMINAL | {Status.CLOSED, Status.EVALUATED}


@dataclass(frozen=True)
class Reporter:
    """Who reported the problem. Personal data: never log it, never show it publicly."""

    name: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Clock:
    """Deadline clock state (时限). Times are UTC; ``remaining_s`` is clock-seconds left at a pause.

    Clock-seconds are working seconds for working-hour/working-day clocks, plain seconds
    otherwise, so that pause → resume preserves exactly the time that was left.
    """

    limit: TimeLimit | None = None
    started_at: datetime | None = None
    due_at: datetime | None = None
    paused_at: datetime | None = None
    remaining_s: float | None = None
    stopped_at: datetime | None = None
    extended: float = 0.0  # total extension granted, in the clock's unit

    @property
    def running(self) -> bool:
        return self.due_at is not None and self.paused_at is None and self.stopped_at is None

    def overdue(self, now: datetime) -> bool:
        """Past its deadline: while running, by ``now``; once stopped, by when it stopped."""
        if self.due_at is None or self.paused_at is not None:
            return False
        return (self.stopped_at or now) > self.due_at


@dataclass(frozen=True)
class Ticket:
    """One case (案卷), its current state. Built by :func:`gridops.tickets.report`, changed only
    by :func:`gridops.tickets.apply`; ``version`` counts its events and ``chain_head`` is the hash
    of the last one."""

    id: str
    number: str
    category: str
    kind: Kind
    source: Source
    lon: float
    lat: float
    crs: str
    point_lon: float
    point_lat: float
    reported_at: datetime
    description: str = ""
    idempotency_key: str | None = None
    cells: tuple[str, ...] = ()
    overlays: tuple[tuple[str, str], ...] = ()
    reporter: Reporter = field(default_factory=Reporter)  # outside the chain: row only
    reporter_salt: str = ""  # outside the chain: row only; blanked by erase_contact
    reporter_digest: str = ""  # in the chain: sha256(salt + canonical contact JSON)
    media: tuple[str, ...] = ()
    status: Status = Status.REPORTED
    version: int = 0
    chain_head: str = ""
    owner_unit: str = ""
    assignee: str = ""
    priority: int = 3
    clock: Clock = field(default_factory=Clock)
    routing: dict[str, Any] = field(default_factory=dict)
    escalation_level: int = 0
    joint_group: str = ""
    duplicate_of: str | None = None
    report_count: int = 1
    supervised: bool = False
    onsite: bool = False
    returned_by: tuple[str, ...] = ()
    rework_count: int = 0
    satisfaction: int | None = None
    suspended_from: Status | None = None
    last_reason: str = ""
    handling_note: str = ""
    evidence: tuple[str, ...] = ()
    verifying_at: datetime | None = None
    dispatched_at: datetime | None = None
    accepted_at: datetime | None = None
    handled_at: datetime | None = None
    closed_at: datetime | None = None
    evaluated_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def overdue(self, now: datetime) -> bool:
        """True when the deadline has passed (derived from ``due_at`` and ``now``)."""
        return not self.status.terminal and self.clock.overdue(now)


_FIELDS = {f.name: f for f in fields(Ticket)}
_DEFAULTS = {f.name: f.default for f in _FIELDS.values() if f.default is not MISSING}
_FACTORIES = {
    f.name: f.default_factory for f in _FIELDS.values() if f.default_factory is not MISSING
}
_REQUIRED = frozenset(_FIELDS) - _DEFAULTS.keys() - _FACTORIES.keys()


def evolve(ticket: Ticket, changes: Mapping[str, Any]) -> Ticket:
    """``dataclasses.replace(ticket, **changes)`` without running ``__init__`` again, which
    for a ticket's 45 fields costs more than the change itself."""
    unknown = changes.keys() - _FIELDS.keys()
    if unknown:
        raise TypeError(f"Ticket has no field(s) {sorted(unknown)}")
    new = object.__new__(Ticket)
    new.__dict__.update(ticket.__dict__)
    new.__dict__.update(changes)
    return new


def build_ticket(values: Mapping[str, Any]) -> Ticket:
    """``Ticket(**values)`` (the same checks: unknown fields refused, required ones needed,
    defaults filled in) without the keyword-argument call."""
    unknown = values.keys() - _FIELDS.keys()
    missing = _REQUIRED - values.keys()
    if unknown or missing:
        raise TypeError(f"Ticket: unknown fields {sorted(unknown)}, missing {sorted(missing)}")
    new = object.__new__(Ticket)
    d = new.__dict__
    d.update(_DEFAULTS)
    d.update({k: make() for k, make in _FACTORIES.items() if k not in values})
    d.update(values)
    return new


@dataclass(frozen=True)
class TicketDraft:
    """What an intake knows before a ticket exists. ``validate`` says what is wrong, in one line."""

    category: str
    kind: Kind | str
    lon: float | None
    lat: float | None
    source: Source | str = Source.PUBLIC
    crs: str = "EPSG:4326"
    point_lon: float | None = None  # normalised into the grid CRS; defaults to lon/lat
    point_lat: float | None = None
    cells: tuple[str, ...] = ()
    overlays: tuple[tuple[str, str], ...] = ()
    description: str = ""
    reporter: Reporter = field(default_factory=Reporter)
    media: tuple[str, ...] = ()
    priority: int = 3
    idempotency_key: str | None = None

    def validate(self, categories: Collection[str] | None = None) -> None:
        """Raise UserError naming the field and value when the draft cannot become a ticket."""
        if not self.category or not re.fullmatch(r"[0-9A-Za-z_.-]+", self.category):
            raise UserError(f"ticket draft: category {self.category!r} is malformed")
        if categories is not None and self.category not in categories:
            raise UserError(
                f"ticket draft: unknown category {self.category!r}; see config/categories.yaml"
            )
        try:
            Kind(self.kind)
            Source(self.source)
        except ValueError as exc:
            raise UserError(f"ticket draft: {exc}") from None
        if self.lon is None or self.lat is None:
            raise UserError("ticket draft: location is missing (lon and lat are required)")
        if self.crs.upper() in LONLAT_CRS and not (
            -180 <= self.lon <= 180 and -90 <= self.lat <= 90
        ):
            raise UserError(f"ticket draft: location ({self.lon}, {self.lat}) is not a lon/lat")
        texts = {"description": self.description, "idempotency_key": self.idempotency_key or "",
                 **{f"reporter {k}": v for k, v in vars(self.reporter).items()}}  # fmt: skip
        for name, text in texts.items():
            problem = forbidden(text) if isinstance(text, str) else "no text"
            if problem:
                raise UserError(f"ticket draft: {name} contains {problem}; remove it")
        if len(self.description) > MAX_DESCRIPTION:
            raise UserError(
                f"ticket draft: description is {len(self.description)} characters;"
                f" the limit is {MAX_DESCRIPTION}"
            )
        if not 1 <= self.priority <= 5:
            raise UserError(f"ticket draft: priority {self.priority!r} must be 1 (urgent) to 5")
        if self.idempotency_key is not None and not 0 < len(self.idempotency_key) <= 200:
            raise UserError("ticket draft: idempotency_key must be 1 to 200 characters")


def check_id(value: str, what: str = "ticket id") -> str:
    """Return ``value`` if it is a ticket id (32 lowercase hex), else raise UserError."""
    if not isinstance(value, str) or not ID_RE.match(value):
        raise UserError(f"{what} {value!r} is malformed: expected 32 lowercase hex characters")
    return value


def category_code(category: str) -> str:
    """The part of a category that goes into the case number (letters and digits only)."""
    return re.sub(r"[^0-9A-Za-z]", "", category).upper()


def case_number(kind: Kind, category: str, day: str, serial: int) -> str:
    """Public case number: C/E + category code + YYYYMMDD + serial, e.g. E01022026112200001.

    Category codes that already begin with their kind letter (``E0102``) do not repeat it.
    """
    letter = Kind(kind).letter
    code = category_code(category)
    return f"{letter}{code.removeprefix(letter)}{day}{serial:05d}"


__all__ = [
    "MAX_DESCRIPTION",
    "Clock",
    "ClockType",
    "Reporter",
    "Status",
    "Ticket",
    "TicketDraft",
    "case_number",
    "check_id",
]
