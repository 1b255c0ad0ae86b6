"""Historical cases (历史案卷) and the event history that brings one in as a closed ticket.

Pure: a :class:`HistoricalCase` (one past case, its timestamps) becomes a Ticket and its
hash-chained events through the one transition table, each event at its historical time.
Used by ``gridops import tickets`` and by the report benchmark's bulk generator.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from gridops.errors import UserError
from gridops.tickets import Event, Ticket, TicketDraft, TimeLimit, Transition, apply, report
from gridops.tickets.calendar import WorkCalendar
from gridops.tickets.vocabulary import Kind, Source

ACTOR = "import"
#: What to do with a case still open in its source system (why: docs/bring-your-own-city.md).
OPEN_ADVICE = (
    "close it in the source system and run this import again once it has closed (rows "
    "already imported are skipped by their id), or report it anew through intake (Open311, "
    "the hotline desk) to work it here"
)


class OpenCase(UserError):
    """A case still open in its source system: not imported, with :data:`OPEN_ADVICE`."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what}: not imported; {OPEN_ADVICE}")


@dataclass(frozen=True)
class HistoricalCase:
    """One past case. Times are timezone-aware; ``dispatched_at`` None with ``onsite`` means a
    grid worker fixed it on the spot; ``closed_at`` None leaves it handled (or dispatched)."""

    row_id: str
    category: str
    kind: Kind
    lon: float
    lat: float
    reported_at: datetime
    owner_unit: str
    cells: tuple[str, ...] = ()
    source: Source = Source.IMPORT
    dispatched_at: datetime | None = None
    handled_at: datetime | None = None
    closed_at: datetime | None = None
    satisfaction: int | None = None
    description: str = ""
    onsite: bool = False
    returned_by: str = ""  # a unit that returned it (退单) before ``owner_unit`` took it
    reworked: bool = False  # the first handling failed its check (返工)
    due_at: datetime | None = None  # the source system's own deadline, kept over the computed

    def check(self) -> None:
        """UserError naming the field when the timestamps or values cannot be a history."""
        steps = [("reported_at", self.reported_at)]
        steps += [(n, v) for n, v in (("dispatched_at", self.dispatched_at),
                  ("handled_at", self.handled_at), ("closed_at", self.closed_at)) if v]  # fmt: skip
        for (n1, t1), (n2, t2) in zip(steps, steps[1:], strict=False):
            if t2 < t1:
                raise UserError(f"{n2} {t2.isoformat()} is before {n1} {t1.isoformat()}")
        if not self.onsite and self.dispatched_at is None and self.handled_at is not None:
            raise UserError("handled_at is set but dispatched_at is empty (and not on site)")
        if self.closed_at is not None and self.handled_at is None:
            raise UserError("closed_at is set but handled_at is empty")
        if self.satisfaction is not None and self.closed_at is None:
            raise UserError("satisfaction is set but the case was never closed")
        if not self.owner_unit:
            raise UserError("owner_unit is empty")
        if self.due_at is not None and self.due_at < (self.dispatched_at or self.reported_at):
            raise UserError(f"due_at {self.due_at.isoformat()} is before the case was dispatched")


def history(
    case: HistoricalCase,
    *,
    id: str,
    number: str,
    time_limit: TimeLimit,
    calendar: WorkCalendar | None = None,
) -> tuple[Ticket, list[Event]]:
    """The ticket as it ends up and every event, at the case's own times."""
    draft = TicketDraft(
        category=case.category,
        kind=case.kind,
        lon=case.lon,
        lat=case.lat,
        source=case.source,
        cells=case.cells,
        description=case.description,
        idempotency_key=f"import:{case.row_id}",
    )
    tr = report(draft, id=id, number=number, now=case.reported_at, actor=ACTOR, role="system")
    ticket, events = tr.ticket, [tr.event]

    def step(action: str, role: str, at: datetime, **fields: object) -> None:
        nonlocal ticket
        moved: Transition = apply(
            ticket, action, actor=ACTOR, role=role, now=at, calendar=calendar, **fields
        )
        ticket = moved.ticket
        events.append(moved.event)

    if case.onsite and case.dispatched_at is None:
        if case.handled_at is not None:
            step("onsite_resolve", "grid_worker", case.handled_at, note="on site",
                 owner_unit=case.owner_unit)  # fmt: skip
    elif case.dispatched_at is not None:
        at = case.dispatched_at
        if case.returned_by:
            step("dispatch", "system", at, owner_unit=case.returned_by, time_limit=time_limit)
            step("return", "field_staff", at, reason="not responsible (imported)")
        step("dispatch", "system", at, owner_unit=case.owner_unit, time_limit=time_limit)
        if case.due_at is not None:
            ticket = replace(ticket, clock=replace(ticket.clock, due_at=case.due_at))
        if case.handled_at is not None:
            step("accept", "field_staff", at)
            if case.reworked:
                step("handle", "field_staff", case.handled_at, note="first attempt")
                step("check_fail", "inspector", case.handled_at, reason="check failed")
                step("accept", "field_staff", case.handled_at)
            step("handle", "field_staff", case.handled_at, note="handled (imported)")
    if case.closed_at is not None:
        step("check_pass", "inspector", case.closed_at)
        if case.satisfaction is not None:
            step("evaluate", "system", case.closed_at, satisfaction=case.satisfaction)
    return ticket, events
