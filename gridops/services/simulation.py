"""The simulation service (模拟运行): synthetic incidents into the real intake, and simulated
field staff acting on the tickets the real pipeline dispatched.

:class:`SimulationRun` turns the pure :class:`gridops.sim.Simulator` stream into
``intake.submit`` calls (on-site fixes by grid workers included) and plays each ticket's
behaviour — acceptance delay, return (退单), joint enforcement (联合执法), rework (返工), the
check and the call-back (回访) — through ``actions.act`` and the joint-task service, with the
simulated delays divided by ``speed`` (wall-clock mode). :func:`staff_delay` and :func:`play`
are the people's behaviour, shared with simulated time (gridops.services.simulation_clock).
:func:`summary` counts what happened since a start time, by level-1 cell.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta

from gridops.services import joint
from gridops.services.actions import act
from gridops.services.context import ServiceContext
from gridops.services.evaluation import pending_callbacks
from gridops.services.intake import IntakeReport, submit
from gridops.services.queries import OPEN
from gridops.services.verification import answer, register
from gridops.sim import Incident, SimArea, SimCategory, SimParams, Simulator
from gridops.store import StaleTicket
from gridops.store.queries import L1Summary, find_many, summary_by_l1
from gridops.store.rollups import indicator_counts
from gridops.tickets import Role, Source, Status, Ticket, TransitionError

log = logging.getLogger(__name__)

ROLE_OF_SOURCE = {
    Source.GRID_WORKER: Role.GRID_WORKER,
    Source.INSPECTOR: Role.INSPECTOR,
    Source.HOTLINE: Role.ACCEPTOR,
    Source.PUBLIC: Role.PUBLIC,
    Source.CAMERA: Role.ACCEPTOR,
    Source.IMPORT: Role.ACCEPTOR,
}
CHECK_DELAY_S = 900.0  # the supervision centre checks a handled ticket after ~15 minutes
#: Of the public reports a grid worker verifies (核实): found absent (不予立案), and not
#: verifiable (无法核实, the dispatcher then registers them after CHECK_DELAY_S); the rest exist.
ABSENT_SHARE = 0.1
UNVERIFIABLE_SHARE = 0.03
CALLBACK_DELAY_S = 3600.0
DEFAULT_GROUP = "jeg-street-order"


def sim_categories(ctx: ServiceContext) -> list[SimCategory]:
    """The configured categories as the simulator sees them."""
    return [
        SimCategory(c.code, c.kind.value, c.zh, c.on_site)
        for c in ctx.ops.taxonomy.categories.values()
    ]


def sim_areas(ctx: ServiceContext) -> list[SimArea]:
    """The level-3 cells of the grid (points are drawn inside them, in the grid's CRS)."""
    return [SimArea(c.code, c.geometry) for c in ctx.grid.cells_at(ctx.grid.levels)]


def report_of(incident: Incident, crs: str, key: str) -> IntakeReport:
    """The intake report a synthetic incident becomes."""
    onsite = incident.on_site_fix
    return IntakeReport(
        category=incident.category,
        lon=incident.lon,
        lat=incident.lat,
        crs=crs,
        source=incident.source,
        description=incident.description,
        media=(f"sim/photo-{incident.seq}.jpg",) if onsite else (),
        idempotency_key=f"{key}-{incident.seq}",
        onsite_note="自行处置：现场已处理（模拟）" if onsite else None,
    )


@dataclass
class SimulationRun:
    """One run: the incident stream, the tickets it made, and their planned behaviour."""

    ctx: ServiceContext
    start: datetime
    rate_per_s: float = 5.0
    speed: float = 600.0  # simulated seconds per wall-clock second for field-staff delays
    seed: int = 0
    params: SimParams | None = None
    plans: dict[str, Incident] = field(default_factory=dict)
    submitted: int = 0
    acted: int = 0
    _stream: Iterator[Incident] | None = None
    _next: Incident | None = None
    _rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        params = self.params or SimParams(rate_per_hour=self.rate_per_s * 3600)
        sim = Simulator(sim_categories(self.ctx), sim_areas(self.ctx), params, seed=self.seed)
        self._stream = sim.incidents(self.start)
        self._rng = random.Random(f"{self.seed}:staff")
        self._key = f"sim-{self.seed}-{self.start:%Y%m%d%H%M%S}"

    # -- intake ----------------------------------------------------------------------------
    def due_incidents(self, now: datetime, limit: int = 2000) -> list[Incident]:
        """Incidents whose (simulated = wall-clock) time has come, in order."""
        out: list[Incident] = []
        assert self._stream is not None
        while len(out) < limit:
            if self._next is None:
                self._next = next(self._stream)
            if self._next.at > now:
                break
            out.append(self._next)
            self._next = None
        return out

    def feed(self, incidents: list[Incident], now: datetime) -> list[Ticket]:
        """Submit incidents through the real intake, one call per reporting role; the tickets
        made, by role."""
        by_role: dict[Role, list[Incident]] = {}
        for inc in incidents:
            by_role.setdefault(ROLE_OF_SOURCE[Source(inc.source)], []).append(inc)
        out: list[Ticket] = []
        for role, group in by_role.items():
            reports = [report_of(i, self.ctx.grid.crs, self._key) for i in group]
            made = submit(self.ctx, reports, actor=f"sim-{role.value}", role=role, now=now)
            for inc, ticket in zip(group, made, strict=True):
                self.plans[ticket.id] = inc
            out += made
        self.submitted += len(incidents)
        return out

    # -- field staff -----------------------------------------------------------------------
    def _waited(self, ticket: Ticket, seconds: float, now: datetime) -> bool:
        since = ticket.updated_at or ticket.reported_at
        return (now - since).total_seconds() * self.speed >= seconds

    def staff_step(self, now: datetime, limit: int = 300) -> int:
        """Let simulated people act on tickets whose delay has passed; returns actions taken."""
        done = 0
        for status in (Status.VERIFYING, Status.UNVERIFIED, Status.DISPATCHED, Status.ESCALATED,
                       Status.ACCEPTED, Status.REWORK, Status.HANDLED):  # fmt: skip
            for t in find_many(self.ctx.store, statuses=(status,), order="created", limit=limit):
                plan = self.plans.get(t.id)
                if plan is None:
                    continue
                try:
                    done += self._act(t, plan, now)
                except (StaleTicket, TransitionError) as exc:
                    log.debug("sim: %s: %s", t.number, exc)
        for ticket_id in pending_callbacks(self.ctx, limit):
            plan = self.plans.get(ticket_id)
            t = self.ctx.store.get(ticket_id)
            if plan is not None and self._waited(t, CALLBACK_DELAY_S, now):
                score = 5 if self._rng.random() < 0.8 else self._rng.choice((2, 3, 4))
                act(self.ctx, ticket_id, "evaluate", actor="sim-citizen", role=Role.PUBLIC,
                    now=now, satisfaction=score)  # fmt: skip
                done += 1
        self.acted += done
        return done

    def _act(self, t: Ticket, plan: Incident, now: datetime) -> int:
        delay = staff_delay(t, plan)
        if delay is None or not self._waited(t, delay, now):
            return 0
        return int(play(self.ctx, t, plan, now) is not None)


def staff_delay(t: Ticket, plan: Incident) -> float | None:
    """Simulated seconds the people holding ``t`` take before they act in its status (None:
    nobody of the simulation acts on that status)."""
    return {
        Status.VERIFYING: plan.accept_delay_s,
        Status.UNVERIFIED: CHECK_DELAY_S,
        Status.DISPATCHED: plan.accept_delay_s,
        Status.ESCALATED: plan.handle_s,
        Status.REWORK: 0.0,
        Status.ACCEPTED: plan.handle_s,
        Status.HANDLED: CHECK_DELAY_S,
    }.get(t.status)


def play(ctx: ServiceContext, t: Ticket, plan: Incident, now: datetime) -> Ticket | None:
    """What the simulated person holding ``t`` does next, done now through the real services:
    verify (核实: it exists, does not or cannot be verified — then the dispatcher registers
    it), return (退单), hand to joint enforcement (联合执法), accept (签收), handle
    (处置), check (核查) or fail the check (返工); the ticket after the move (None: the
    status asks nothing of anybody)."""
    staff = t.assignee or f"{t.owner_unit}-staff"
    if t.status is Status.VERIFYING:
        given = verification_answer(plan)
        photo = (f"sim/verify-{plan.seq}.jpg",)
        reason = {"absent": "现场未发现该问题（模拟）",
                  "unverifiable": "无法进入现场（模拟）"}  # fmt: skip
        new = answer(ctx, t.id, given, actor=f"{t.owner_unit}-1", role=Role.GRID_WORKER, now=now,
                     reason=reason.get(given, ""), evidence=photo)  # fmt: skip
    elif t.status is Status.UNVERIFIED:
        new = register(ctx, t.id, actor="sim-dispatcher", role=Role.DISPATCHER, now=now,
                       note="无法核实，按属实立案（模拟）")  # fmt: skip
    elif t.status is Status.DISPATCHED:
        if plan.will_return and not t.returned_by:
            new = act(ctx, t.id, "return", actor=staff, role=Role.FIELD_STAFF, now=now,
                      reason="不属于本单位职责（模拟）")  # fmt: skip
        elif plan.needs_joint and t.escalation_level == 0:
            group = t.routing.get("joint_group") or DEFAULT_GROUP
            why = "需多部门联合处置（模拟）"
            new = act(ctx, t.id, "escalate", actor="sim-dispatcher", role=Role.DISPATCHER,
                      now=now, group=group, reason=why)  # fmt: skip
        else:
            new = act(ctx, t.id, "accept", actor=staff, role=Role.FIELD_STAFF, now=now)
    elif t.status is Status.ESCALATED:
        tasks = joint.create_tasks(ctx, t, now)
        for task in tasks:
            if not task.lead and task.status == joint.OPEN:
                joint.acknowledge(ctx, t, department=task.department,
                                  actor=f"{task.department}-1", now=now)  # fmt: skip
        lead = next(x for x in tasks if x.lead)
        new = joint.complete(ctx, t, department=lead.department,
                             actor=f"{lead.department}-1", now=now,
                             note="联合执法完成（模拟）",
                             evidence=(f"sim/joint-{plan.seq}.jpg",))  # fmt: skip
    elif t.status is Status.REWORK:
        new = act(ctx, t.id, "accept", actor=staff, role=Role.FIELD_STAFF, now=now)
    elif t.status is Status.ACCEPTED:
        photo = (f"sim/after-{plan.seq}.jpg",)
        new = act(ctx, t.id, "handle", actor=staff, role=Role.FIELD_STAFF, now=now,
                  note="处置完毕（模拟）", evidence=photo)  # fmt: skip
    elif t.status is Status.HANDLED:
        if plan.will_rework and t.rework_count == 0:
            new = act(ctx, t.id, "check_fail", actor="sim-inspector", role=Role.INSPECTOR,
                      now=now, reason="核查未通过（模拟）")  # fmt: skip
        else:
            new = act(ctx, t.id, "check_pass", actor="sim-inspector", role=Role.INSPECTOR,
                      now=now)  # fmt: skip
    else:
        return None
    return new


def verification_answer(plan: Incident) -> str:
    """What the simulated grid worker finds when verifying ``plan``'s report: mostly that it
    exists, sometimes that it does not, now and then that it cannot be verified — drawn from the
    incident itself (seq and time), so the same seed gives the same answers without taking
    numbers from the stream's generator."""
    h = hashlib.sha256(f"verify:{plan.seq}:{plan.at.isoformat()}".encode()).digest()
    draw = int.from_bytes(h[:8], "big") / 2**64
    if draw < ABSENT_SHARE:
        return "absent"
    if draw < ABSENT_SHARE + UNVERIFIABLE_SHARE:
        return "unverifiable"
    return "exists"


@dataclass(frozen=True)
class SummaryRow(L1Summary):
    """Counts for one level-1 cell (or the total, code ""), with the cell's name; besides the
    store's summary: ever flagged for supervision (督办), and of the work due, how much was
    handled on time (按期处置, as `gridops report` counts it)."""

    name: str = ""
    supervised: int = 0
    due: int = 0
    handled_on_time: int = 0


def summary(ctx: ServiceContext, *, since: datetime, now: datetime) -> list[SummaryRow]:
    """What happened to the tickets reported since ``since``, by level-1 cell, total last."""
    indicators = {
        g.key: g.counts
        for g in indicator_counts(ctx.store.engine, by="l1", start=since,
                                  end=now + timedelta(seconds=1), as_of=now, stage_times=False)
    }  # fmt: skip
    rows = []
    for r in summary_by_l1(
        ctx.store, since=since, now=now, open_statuses=OPEN,
        closed_statuses=(Status.CLOSED, Status.EVALUATED),
    ):  # fmt: skip
        cell = ctx.grid.cells.get(r.code)
        more = indicators.get(r.code, {})
        rows.append(SummaryRow(**asdict(r), name=cell.name if cell else r.code,
                               supervised=more.get("supervised", 0), due=more.get("due", 0),
                               handled_on_time=more.get("handled_on_time", 0)))  # fmt: skip
    counts = [f.name for f in fields(SummaryRow) if f.name not in ("code", "name")]
    totals = {f: sum(getattr(r, f) for r in rows) for f in counts}
    return [*rows, SummaryRow("", **totals, name="合计 total")]
