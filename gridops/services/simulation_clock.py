"""Simulated time for `gridops simulate --days N` (模拟时钟): days of operations in minutes.

A clock steps from a fixed start (by default a Monday 08:00 local, far enough back that the run
ends before the wall clock) in steps of a few simulated minutes. At each step the incidents
whose time has come go through the real intake at their own times; then the stages run
in-process with ``now`` = the simulated time — routing, the sweeper's overdue flags (督办) and
escalation steps, notify, call-back sampling (回访抽查) — and the simulated people act on the
tickets whose delay has passed: field staff only while their unit has someone on shift (the
roster and the work calendar, so nights and weekends matter), and a share of them slow enough
to miss deadlines. No Redis and no worker: kicks go nowhere, the clock drives every stage.

Same seed and start → same stream and the same summary counts, closed vs evaluated included
(the call-back sample is drawn by case number, which repeats; ticket ids are random).
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

from gridops.errors import UserError
from gridops.notify import LogSender
from gridops.org.roster import on_shift
from gridops.services.actions import act
from gridops.services.context import ServiceContext
from gridops.services.evaluation import pending_callbacks, sample_batch
from gridops.services.notifying import notify_batch
from gridops.services.routing import route_batch
from gridops.services.simulation import (
    CALLBACK_DELAY_S,
    SimulationRun,
    SummaryRow,
    play,
    staff_delay,
    summary,
)
from gridops.services.sweeper import escalate_due, flag_overdue
from gridops.sim import Incident, SimParams
from gridops.store import StaleTicket
from gridops.store.queries import count_by_status, count_changed_since
from gridops.tickets import Role, Status, Ticket, TransitionError

log = logging.getLogger(__name__)

STEP = timedelta(minutes=5)  # the stages run every five simulated minutes
RECHECK = timedelta(hours=3)  # a waiting ticket is looked at again at least this often
OFF_DUTY_STEP = timedelta(minutes=15)  # the resolution of "when is someone on shift again"
BATCH = 1000
FIELD_STATUSES = (Status.DISPATCHED, Status.ACCEPTED)  # where slow staff are slow


@dataclass(frozen=True)
class SimulatedPeriod:
    """What to simulate: ``days`` from ``start`` at ``per_hour`` incidents an hour (the mean
    over the week; the daily and weekly curves shape it), with a share of slow field staff."""

    start: datetime
    days: float
    per_hour: float = 60.0
    seed: int = 0
    step: timedelta = STEP
    slow_share: float = 0.15  # of field staff (and unit queues) who take far longer
    slow_factor: float = 12.0  # how much longer they take to accept and to handle
    params: SimParams | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise ValueError(f"start must be timezone-aware, got {self.start!r}")
        if not self.days > 0:
            raise ValueError(f"days must be > 0, got {self.days}")
        if not self.per_hour > 0:
            raise ValueError(f"per_hour must be > 0, got {self.per_hour}")
        if not self.step > timedelta(0):
            raise ValueError(f"step must be > 0, got {self.step}")
        if not 0 <= self.slow_share <= 1:
            raise ValueError(f"slow_share must be within 0..1, got {self.slow_share}")
        if not self.slow_factor >= 1:
            raise ValueError(f"slow_factor must be ≥ 1, got {self.slow_factor}")

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=self.days)

    def sim_params(self) -> SimParams:
        """The stream's parameters at this period's rate."""
        from dataclasses import replace

        return replace(self.params or SimParams(), rate_per_hour=self.per_hour)


def default_start(wall_now: datetime, days: float, timezone: str) -> datetime:
    """The latest Monday 08:00 (local) from which ``days`` simulated days end before
    ``wall_now``: simulated events never lie in the future."""
    zone = ZoneInfo(timezone)
    latest = (wall_now - timedelta(days=days)).astimezone(zone)
    monday = latest.date() - timedelta(days=latest.weekday())
    start = datetime.combine(monday, clock_time(8, 0), tzinfo=zone)
    return start if start <= latest else start - timedelta(days=7)


def check_period(ctx: ServiceContext, period: SimulatedPeriod, wall_now: datetime) -> None:
    """Refuse a period that runs past the wall clock, or a database that already holds tickets
    reported or changed in or after it (simulated events would go back in time on them: a
    ticket reported before the start but closed after it would be swept at earlier times)."""
    if period.end > wall_now:
        raise UserError(
            f"simulate: {period.days:g} simulated days from {period.start.isoformat()} end at "
            f"{period.end.isoformat()}, after the wall clock ({wall_now.isoformat()}); "
            "start earlier (--start) or simulate fewer days (--days)"
        )
    found = count_changed_since(ctx.store, period.start)
    if found:
        raise UserError(
            f"simulate: the database {ctx.settings.database_url} already holds {found} "
            f"ticket(s) reported or changed at or after {period.start.isoformat()}; simulated "
            "time must not run back over them: use an empty database (GRIDOPS_DATABASE_URL or "
            "GRIDOPS_DATA_DIR) or an earlier --start that ends before them"
        )


class ClockContext(ServiceContext):
    """A context whose kicks go nowhere: the simulated clock runs every stage itself."""

    def kick(self, stage: str) -> bool:
        return False


def clocked(ctx: ServiceContext) -> ClockContext:
    """The same grid, configuration, calendar, roster and store, without stage kicks."""
    return ClockContext(**{f.name: getattr(ctx, f.name) for f in fields(ServiceContext)})


@dataclass(frozen=True)
class DayDone:
    """Progress after each simulated day."""

    day: int  # 1, 2, …
    until: datetime  # the simulated time it ended at
    submitted: int
    acted: int
    by_status: dict[str, int]
    wall_s: float


@dataclass(frozen=True)
class SimulatedOutcome:
    """What a simulated run did, with the summary by level-1 cell (total last)."""

    start: datetime
    end: datetime
    seed: int
    per_hour: float
    submitted: int
    acted: int
    steps: int
    wall_s: float
    by_status: dict[str, int]
    rows: list[SummaryRow]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (times in ISO 8601)."""
        out = asdict(self)
        out["start"], out["end"] = self.start.isoformat(), self.end.isoformat()
        out["rows"] = [asdict(r) for r in self.rows]
        return out


@dataclass
class SimulatedRun:
    """One run in simulated time over a real store; :meth:`run` plays the whole period."""

    ctx: ServiceContext
    period: SimulatedPeriod
    staff: bool = True  # simulate the people (field staff, checks, call-backs)
    submitted: int = 0
    acted: int = 0
    steps: int = 0
    _sim: SimulationRun = field(init=False)
    _agenda: list[tuple[datetime, int, str]] = field(default_factory=list)  # (at, seq, id)
    _next_look: dict[str, datetime] = field(default_factory=dict)
    _held: dict[str, tuple[tuple[Any, ...], datetime]] = field(default_factory=dict)
    _calls: list[tuple[datetime, int, str]] = field(default_factory=list)
    _called: set[str] = field(default_factory=set)
    _duty: dict[str, datetime] = field(default_factory=dict)  # this step's
    _busy: bool = True  # the last step changed tickets: routing etc. may have work

    def __post_init__(self) -> None:
        self.ctx = clocked(self.ctx)
        p = self.period
        self._sim = SimulationRun(self.ctx, start=p.start, seed=p.seed, params=p.sim_params())
        self._sender = LogSender()

    def run(self, progress: Callable[[DayDone], None] | None = None) -> SimulatedOutcome:
        """Step the clock from the start to the end; the outcome and its summary."""
        p = self.period
        t0 = time.monotonic()
        now = p.start
        day = 1
        while now < p.end:
            now = min(now + p.step, p.end)
            self.step(now)
            if progress is not None and (now >= p.start + timedelta(days=day) or now >= p.end):
                counts = count_by_status(self.ctx.store)
                wall_s = time.monotonic() - t0
                progress(DayDone(day, now, self.submitted, self.acted, counts, wall_s))
                day += 1
        rows = summary(self.ctx, since=p.start, now=p.end)
        return SimulatedOutcome(p.start, p.end, p.seed, p.per_hour, self.submitted, self.acted,
                                self.steps, time.monotonic() - t0,
                                count_by_status(self.ctx.store), rows)  # fmt: skip

    def step(self, now: datetime) -> None:
        """Everything due up to ``now``: intake at each incident's own time, then each stage
        and the simulated people at ``now``. Routing, notify and sampling are skipped in a
        step after which nothing new can wait for them (nights are quiet)."""
        ctx = self.ctx
        self.steps += 1
        acted = self.acted
        busy = self._busy
        for incident in self._sim.due_incidents(now, limit=10**9):
            for ticket in self._sim.feed([incident], incident.at):
                self._look_at(ticket.id, incident.at, incident.seq)
            self.submitted += 1
            busy = True
        if busy:
            while route_batch(ctx, BATCH, now=now) >= BATCH:
                pass
        swept = flag_overdue(ctx, 10 * BATCH, now=now)
        while (looked := escalate_due(ctx, BATCH, now=now)) >= BATCH:
            swept += looked
        if busy or swept or looked:
            notify_batch(ctx, 10 * BATCH, now=now, sender=self._sender)
        if busy:
            sample_batch(ctx, 10 * BATCH, now=now)
        if self.staff:
            self._people(now)
            self._callbacks(now, sampled=busy)
        self._busy = self.acted != acted
        self._duty.clear()

    # -- the people ---------------------------------------------------------------------------
    def _look_at(self, ticket_id: str, at: datetime, seq: int) -> None:
        self._next_look[ticket_id] = at
        heapq.heappush(self._agenda, (at, seq, ticket_id))

    def _people(self, now: datetime) -> None:
        plans = self._sim.plans
        while self._agenda and self._agenda[0][0] <= now:
            at, seq, ticket_id = heapq.heappop(self._agenda)
            if self._next_look.get(ticket_id) != at:
                continue  # looked at later instead
            ticket = self.ctx.store.get(ticket_id)
            later = self._look(ticket, plans[ticket_id], now)
            if later is None:
                self._next_look.pop(ticket_id, None)
                self._held.pop(ticket_id, None)
            else:
                self._look_at(ticket_id, later, seq)

    def _look(self, t: Ticket, plan: Incident, now: datetime) -> datetime | None:
        """Act on ``t`` if its holder's delay has passed and they are on duty; when to look
        again (None: never, the ticket is done)."""
        ready = self._ready(t, plan)
        if ready is None or ready > now:
            return self._again(t, ready, now)
        unit = self._acting_unit(t)
        if unit and not self._on_duty(unit, now):
            return min(self._next_on_duty(unit, now), now + RECHECK)
        try:
            moved = play(self.ctx, t, plan, now)
        except (StaleTicket, TransitionError, UserError) as exc:
            log.debug("simulated %s: %s", t.number, exc)
            return now + self.period.step
        if moved is None:
            return now + self.period.step
        self.acted += 1
        later = self._again(moved, self._ready(moved, plan), now)
        return None if later is None else max(later, now + self.period.step)

    def _ready(self, t: Ticket, plan: Incident) -> datetime | None:
        """When the people now holding ``t`` will have taken their time (None: nobody of the
        simulation acts in its status). Their time starts when they got it."""
        key = (t.status, t.owner_unit, t.assignee, t.escalation_level, t.rework_count)
        held = self._held.get(t.id)
        if held is None or held[0] != key:  # a new holder or status: their delay starts
            held = self._held[t.id] = (key, t.updated_at or t.reported_at)
        delay = staff_delay(t, plan)
        if delay is None:
            return None
        if t.status in FIELD_STATUSES:
            delay *= self._slowness(t)
        return held[1] + timedelta(seconds=delay)

    def _again(self, t: Ticket, ready: datetime | None, now: datetime) -> datetime | None:
        """When to look at ``t`` next: when it is ready, and at least every RECHECK (the
        sweeper may hand it on meanwhile); waiting for routing: the next step."""
        if not t.status.open:
            return None
        if ready is None:  # waiting for routing, suspended, …
            return now + (self.period.step if t.status is not Status.SUSPENDED else RECHECK)
        return min(ready, now + RECHECK)

    def _slowness(self, t: Ticket) -> float:
        """The holder's factor: slow staff (a stable share, by seed and staff id) take
        ``slow_factor`` times longer; so does a slow unit's queue."""
        who = t.assignee or f"{t.owner_unit}-queue"
        h = hashlib.sha256(f"{self.period.seed}:slow:{who}".encode()).digest()
        slow = int.from_bytes(h[:8], "big") / 2**64 < self.period.slow_share
        return self.period.slow_factor if slow else 1.0

    def _acting_unit(self, t: Ticket) -> str:
        """Whose shift decides when ``t`` is worked on ("": always someone on duty — the
        joint-enforcement group, the supervision centre's check)."""
        if t.status is Status.VERIFYING:
            return t.owner_unit  # the verifying post (核实)
        if t.status in (Status.DISPATCHED, Status.ACCEPTED, Status.REWORK):
            return t.owner_unit
        return ""

    def _on_duty(self, unit: str, now: datetime) -> bool:
        """Someone of ``unit`` is on shift (a unit without a roster has a duty desk)."""
        roster = self.ctx.roster
        return not roster.staff_of(unit) or bool(
            on_shift(roster, unit, now, self.ctx.calendar.is_working_day)
        )

    def _next_on_duty(self, unit: str, now: datetime) -> datetime:
        """The first quarter hour after ``now`` with someone of ``unit`` on shift (within a
        fortnight; a step is enough for a unit that never works)."""
        if unit not in self._duty:
            at = now
            for _ in range(14 * 24 * 4):
                at += OFF_DUTY_STEP
                if self._on_duty(unit, at):
                    break
            else:
                at = now + self.period.step
            self._duty[unit] = at
        return self._duty[unit]

    def _callbacks(self, now: datetime, *, sampled: bool) -> None:
        """Sampled closed tickets get their call-back (回访) an hour after closing."""
        plans = self._sim.plans
        for ticket_id in pending_callbacks(self.ctx, 10 * BATCH) if sampled else ():
            if ticket_id in self._called or ticket_id not in plans:
                continue
            self._called.add(ticket_id)
            closed = self.ctx.store.get(ticket_id).closed_at or now
            at = closed + timedelta(seconds=CALLBACK_DELAY_S)
            heapq.heappush(self._calls, (at, plans[ticket_id].seq, ticket_id))
        while self._calls and self._calls[0][0] <= now:
            _, seq, ticket_id = heapq.heappop(self._calls)
            rng = random.Random(f"{self.period.seed}:callback:{seq}")
            score = 5 if rng.random() < 0.8 else rng.choice((2, 3, 4))
            try:
                act(self.ctx, ticket_id, "evaluate", actor="sim-citizen", role=Role.PUBLIC,
                    now=now, satisfaction=score)  # fmt: skip
                self.acted += 1
            except (StaleTicket, TransitionError) as exc:
                log.debug("simulated call-back %s: %s", ticket_id, exc)


def simulate_days(
    ctx: ServiceContext,
    period: SimulatedPeriod,
    *,
    staff: bool = True,
    progress: Callable[[DayDone], None] | None = None,
    wall_now: datetime | None = None,
) -> SimulatedOutcome:
    """Check the period against the wall clock and the database, then run it."""
    check_period(ctx, period, wall_now or datetime.now(UTC))
    return SimulatedRun(ctx, period, staff=staff).run(progress)
