"""The routing stage (派遣): claim pending tickets in a batch and dispatch them together.

For each claimed ticket (``reported``, ``verified`` or ``returned``): a new report of the same
category within the category's radius and window of an open ticket is merged into it (the open
ticket counts the report); a public report of a category that needs verification goes to the
cell's grid-worker post first (核实), with the category's ``verify_limit`` as its deadline;
everything else is routed (the compiled table), given an
assignee on shift (least open work; nobody on shift → the unit's queue) and its deadline from
the work calendar, and dispatched. One version-guarded write per batch; a ticket someone moved
meanwhile is skipped; a ticket that failed is released for a later try.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from gridops.grids.geodesy import SPHERICAL_ERROR, degree_box, distance_m, spherical_distance_m
from gridops.org import RoutingDecision, RoutingFacts, route
from gridops.org.roster import Staff, assign, on_shift
from gridops.services.context import ServiceContext, current
from gridops.services.queries import duplicate_candidates, open_work
from gridops.services.verification import verifying_unit
from gridops.store.batch_write import ApplyResult
from gridops.store.engine import writers_held
from gridops.store.queries import has_claimable
from gridops.tickets import Role, Source, Status, Ticket, Transition, apply

log = logging.getLogger(__name__)

CLAIM_TTL = timedelta(seconds=10)
#: A ticket last changed more than AHEAD past now (year 9999 from a typo in an import) cannot
#: be dispatched — its events would be dated then, its deadline past the calendar's end. It is
#: set aside (its claim held) for PARK with a warning each time, not retried every second.
AHEAD = timedelta(days=1)
PARK = timedelta(hours=1)
ACTOR = "router"
PENDING = (Status.REPORTED, Status.VERIFIED, Status.RETURNED)
BUCKET_DEG = 0.002  # duplicate search buckets: ~220 m north-south, ~190 m east-west here
MAX_BUCKETS = 121  # a wider search (radius ≳ 1 km) scans the category's pool instead
PRIORITY_WORDS = {1: "urgent", 2: "high", 4: "low", 5: "low"}  # 3: the category's own


def routing_facts(ctx: ServiceContext, ticket: Ticket, now: datetime) -> RoutingFacts:
    """What routing reads of ``ticket`` at ``now``."""
    return RoutingFacts(
        category=ticket.category,
        cells=ticket.cells,
        overlays=ticket.overlays,
        source=ticket.source,
        local_time=now.astimezone(ZoneInfo(ctx.settings.timezone)).time(),
        priority=PRIORITY_WORDS.get(ticket.priority),
        returned_by=frozenset(ticket.returned_by),
    )


def assignment(
    ctx: ServiceContext,
    decision: RoutingDecision,
    now: datetime,
    load: dict[str, int],
    people: list[Staff] | None = None,
) -> tuple[dict[str, Any], str]:
    """The decision as stored on the ticket, with whom it goes to inside the owner unit (least
    open work of those on shift, ``load``; nobody for a manual decision) and why."""
    routing = decision.to_dict()
    if decision.manual:
        routing["assignment"] = [f"manual: left in {decision.owner_unit}'s queue"]
        return routing, ""
    chosen = assign(ctx.roster, decision.owner_unit, now, load, ctx.calendar.is_working_day,
                    people=people)  # fmt: skip
    routing["assignment"] = list(chosen.reasons)
    return routing, chosen.staff.id if chosen.staff is not None else ""


def suggestion(ctx: ServiceContext, ticket: Ticket, now: datetime) -> dict[str, Any]:
    """What the routing stage would decide for ``ticket`` at ``now`` (nothing is written): the
    routing decision as a routed ticket stores it, ``assignee`` added."""
    decision = route(ctx.ops, routing_facts(ctx, ticket, now))
    load = open_work(ctx.store, units=[decision.owner_unit])
    routing, assignee = assignment(ctx, decision, now, load)
    return routing | {"assignee": assignee}


def worker_id() -> str:
    return f"{socket.gethostname()}.{os.getpid()}"


def process_batch(limit: int) -> int:
    """The stage function: batches with this process's context and the wall clock, one after
    another while they come back full, for up to the stage's ``run_for_s``."""
    from gridops.services.stages import ROUTING

    return route_run(current(), limit, clock=lambda: datetime.now(UTC),
                     run_for_s=ROUTING.run_for_s)  # fmt: skip


def route_batch(ctx: ServiceContext, limit: int, *, now: datetime) -> int:
    """Claim up to ``limit`` pending tickets, decide them all, write once; returns how many
    were claimed."""
    return route_run(ctx, limit, clock=lambda: now, run_for_s=0.0)


def route_run(
    ctx: ServiceContext, limit: int, *, clock: Callable[[], datetime], run_for_s: float
) -> int:
    """Batches of up to ``limit`` while they come back full, for up to ``run_for_s`` seconds
    (0: one batch); returns how many tickets were claimed in all.

    On SQLite the next batch is claimed in the same hold of the database's writer as the write
    of the one before (SQLite has one writer). Claiming it after letting go let another
    worker's write of ~20 ms slip into the gap, and the two workers settled into turns in which
    each waited that long on every batch: ~8–15 % of their time in bursts. PostgreSQL takes and
    writes each batch in one transaction instead (:func:`_route_run_locked`)."""
    if ctx.store.dialect == "postgresql":
        return _route_run_locked(ctx, limit, clock=clock, run_for_s=run_for_s)
    me = worker_id()
    engine = ctx.store.engine
    until = time.monotonic() + run_for_s
    now = clock()
    ids = _claim(ctx, limit, me, now)
    total = 0
    while ids:
        total += len(ids)
        full = len(ids) >= limit
        if full:
            # more may be waiting: kick the next drain before reading this batch, so another
            # worker claims and decides the next batch meanwhile (the drain's own re-kick
            # comes only after the run, which would keep one worker idle)
            ctx.kick("routing")
        batch, failed, parked = _decide_all(ctx, now, ctx.store.read_claimed(ids))
        more = full and time.monotonic() < until
        prepared = ctx.store.prepare(batch.transitions)  # encoded before taking the writer
        with writers_held(engine):  # the write, and the next claim without a gap between
            result = ctx.store.write_prepared(prepared, skip_stale=True)
            if failed:
                ctx.store.release(failed, worker_id=me)
            if parked:
                ctx.store.hold(parked, worker_id=me, until=now + PARK)
            now = clock()
            ids = _claim(ctx, limit, me, now) if more else []
        _log_stale(result)
        # notify is not kicked per batch: its 1 s safety re-kick picks the dispatches up in
        # bulk, which keeps SQLite's single writer free for routing under load
    return total


def _route_run_locked(
    ctx: ServiceContext, limit: int, *, clock: Callable[[], datetime], run_for_s: float
) -> int:
    """:func:`route_run` on PostgreSQL: each batch is taken (its rows locked, ``SKIP LOCKED``)
    and written in one transaction (:mod:`gridops.store.locked_batch`) — no claim rows, one
    commit per batch. A ticket that failed is not written, so it is free once the batch
    commits; a worker that dies mid-batch frees its whole batch with its connection."""
    me = worker_id()
    until = time.monotonic() + run_for_s
    total = 0
    while True:
        now = clock()
        with ctx.store.locked_batch(now) as taken:
            claimed = taken.take(Status.REPORTED, limit)
            if len(claimed) < limit and has_claimable(ctx.store, PENDING[1:], now):
                for status in PENDING[1:]:
                    claimed += taken.take(status, limit - len(claimed))
            if not claimed:
                return total
            total += len(claimed)
            full = len(claimed) >= limit
            if full:
                ctx.kick("routing")  # another worker takes the next batch meanwhile
            batch, _failed, parked = _decide_all(ctx, now, claimed)
            result = taken.write(ctx.store.prepare(batch.transitions), skip_stale=True)
            if parked:
                taken.hold(parked, worker_id=me, until=now + PARK)
        _log_stale(result)
        if not full or time.monotonic() >= until:
            return total


def _decide_all(
    ctx: ServiceContext, now: datetime, claimed: list[Ticket]
) -> tuple[Batch, list[str], list[str]]:
    """The batch's decisions, the ids that failed (left for a later try) and those set aside
    (changed too far in the future)."""
    parked = [t.id for t in claimed if _from_the_future(t, now)]
    claimed = [t for t in claimed if t.id not in parked] if parked else claimed
    batch = Batch(ctx, now, claimed)
    failed = []
    for ticket in claimed:
        try:
            batch.decide(ticket)
        except Exception:  # a bug or bad data: leave it for a later try, keep the batch
            log.exception("routing %s failed; released", ticket.number)
            failed.append(ticket.id)
    return batch, failed, parked


def _log_stale(result: ApplyResult) -> None:
    for stale in result.stale:
        log.info("routing: %s moved meanwhile; skipped", stale.ticket_id)


def _from_the_future(ticket: Ticket, now: datetime) -> bool:
    """True (and logged) for a ticket last changed beyond ``now`` + AHEAD."""
    if ticket.updated_at is None or ticket.updated_at <= now + AHEAD:
        return False
    log.warning(
        "routing %s: last changed at %s, more than %s after now; set aside for %s, not "
        "routed: correct its date or void it", ticket.number, ticket.updated_at.isoformat(),
        AHEAD, PARK,
    )  # fmt: skip
    return True


def _claim(ctx: ServiceContext, limit: int, me: str, now: datetime) -> list[str]:
    """Claim up to ``limit`` pending ticket ids: reported first, then verified and returned."""
    ids: list[str] = []
    # reads instead of empty write transactions (SQLite: one writer); usually nothing is
    # verified or returned, which one read of both statuses tells
    others = has_claimable(ctx.store, PENDING[1:], now)
    for status in PENDING:
        if len(ids) >= limit:
            break
        if status is not Status.REPORTED and not (
            others and has_claimable(ctx.store, (status,), now)
        ):
            continue
        ids += ctx.store.claim_ids(
            status, limit=limit - len(ids), worker_id=me, now=now, ttl=CLAIM_TTL
        )
    return ids


@dataclass
class Batch:
    """The decisions of one batch, in order, with what earlier ones changed."""

    ctx: ServiceContext
    now: datetime
    claimed: list[Ticket]
    transitions: list[Transition] = field(default_factory=list)
    latest: dict[str, Ticket] = field(default_factory=dict)  # tickets moved in this batch
    _candidates: dict[tuple[str, int, int], list[dict[str, Any]]] | None = None
    _load: dict[str, int] | None = None
    _on_shift: dict[str, list[Staff]] = field(default_factory=dict)

    def decide(self, ticket: Ticket) -> None:
        ctx = self.ctx
        category = ctx.ops.taxonomy.categories[ticket.category]
        if ticket.status is Status.REPORTED:
            target = self._duplicate_of(ticket, category.duplicate_radius_m,
                                        category.duplicate_window_h)  # fmt: skip
            if target is not None:
                self._merge(ticket, target)
                return
            if ticket.source is Source.PUBLIC and category.verify_public:
                post = verifying_unit(ctx, ticket)
                note = f"public report: verification task to {post} (核实)"
                self._add(apply(ticket, "verify", actor=ACTOR, role=Role.SYSTEM, now=self.now,
                                calendar=ctx.calendar, owner_unit=post,
                                time_limit=category.verify_limit, note=note))  # fmt: skip
                return
        self._dispatch(ticket)

    # -- dispatch ----------------------------------------------------------------------------
    def _dispatch(self, ticket: Ticket) -> None:
        ctx = self.ctx
        decision = route(ctx.ops, routing_facts(ctx, ticket, self.now))
        unit = decision.owner_unit
        if not decision.manual and unit not in self._on_shift:  # one answer per unit a batch
            self._on_shift[unit] = on_shift(ctx.roster, unit, self.now,
                                            ctx.calendar.is_working_day)  # fmt: skip
        load = {} if decision.manual else self._open_work()
        routing, assignee = assignment(ctx, decision, self.now, load, self._on_shift.get(unit))
        if assignee:
            load[assignee] = load.get(assignee, 0) + 1
        tr = apply(ticket, "dispatch", actor=ACTOR, role=Role.SYSTEM, now=self.now,
                   calendar=ctx.calendar, owner_unit=decision.owner_unit,
                   time_limit=decision.time_limit, assignee=assignee, routing=routing)  # fmt: skip
        self._add(tr)
        t = tr.ticket
        self._remember({"id": t.id, "category": t.category, "created_at": t.created_at,
                        "point_lon": t.point_lon, "point_lat": t.point_lat})  # fmt: skip

    def _open_work(self) -> dict[str, int]:
        """Open work per assignee, across all units (one grouped query per batch)."""
        if self._load is None:
            self._load = open_work(self.ctx.store)
        return self._load

    # -- duplicates --------------------------------------------------------------------------
    def _duplicate_of(self, ticket: Ticket, radius_m: float, window_h: float) -> str | None:
        try:
            since = ticket.reported_at - timedelta(hours=window_h)
        except OverflowError:  # reported in year 1 (bad data): every candidate is later
            since = datetime.min.replace(tzinfo=UTC)
        best: tuple[float, str] | None = None
        lon, lat = ticket.point_lon, ticket.point_lat
        screen = radius_m * (1 + SPHERICAL_ERROR)  # certainly farther than the radius beyond
        dlon, dlat = degree_box(lat, screen)
        for c in self._near(ticket, dlon, dlat):
            c_lon, c_lat = c["point_lon"], c["point_lat"]
            if abs(c_lon - lon) > dlon or abs(c_lat - lat) > dlat:  # cheap screens first
                continue
            if c["id"] == ticket.id or c["created_at"] < since:
                continue
            if spherical_distance_m(lon, lat, c_lon, c_lat) > screen:
                continue
            d = distance_m(lon, lat, c_lon, c_lat)
            if d <= radius_m and (best is None or d < best[0]):
                best = (d, c["id"])
        return None if best is None else best[1]

    def _near(self, ticket: Ticket, dlon: float, dlat: float) -> Iterator[dict[str, Any]]:
        """Candidates of the ticket's category in the buckets that the box ±``dlon``/±``dlat``
        (degrees) around it touches: a point within the box is at most ⌈dlon / BUCKET_DEG⌉
        buckets away east-west (and likewise north-south), at any latitude."""
        pool = self._pool()
        kx, ky = math.ceil(dlon / BUCKET_DEG), math.ceil(dlat / BUCKET_DEG)
        if (2 * kx + 1) * (2 * ky + 1) > MAX_BUCKETS:
            for (category, _, _), items in pool.items():
                if category == ticket.category:
                    yield from items
            return
        bx, by = _bucket(ticket.point_lon, ticket.point_lat)
        for dx in range(-kx, kx + 1):
            for dy in range(-ky, ky + 1):
                yield from pool.get((ticket.category, bx + dx, by + dy), ())

    def _pool(self) -> dict[tuple[str, int, int], list[dict[str, Any]]]:
        """Open tickets that new reports may duplicate, by category and ~1 km bucket (one
        query per batch; tickets dispatched earlier in this batch are added as decided).

        The query reads the level-2 cells within the largest duplicate radius of the batch's
        reports — not only their own cells, or a report just across a community's border from
        an open ticket would be dispatched a second time."""
        if self._candidates is None:
            ctx = self.ctx
            cats = ctx.ops.taxonomy.categories
            window = max(c.duplicate_window_h for c in cats.values())
            reports = [t for t in self.claimed if t.status is Status.REPORTED]
            radius = max((cats[t.category].duplicate_radius_m for t in reports), default=0.0)
            cells_2 = ctx.grid.cells_near([t.point_lon for t in reports],
                                          [t.point_lat for t in reports], radius, 2)  # fmt: skip
            found = duplicate_candidates(
                ctx.store,
                {t.category for t in self.claimed},
                cells_2,
                self.now - timedelta(hours=window),
            )
            self._candidates = {}
            for c in found:
                self._remember(c)
        return self._candidates

    def _remember(self, c: dict[str, Any]) -> None:
        key = (c["category"], *_bucket(c["point_lon"], c["point_lat"]))
        self._pool().setdefault(key, []).append(c)

    def _merge(self, ticket: Ticket, target_id: str) -> None:
        target = self.latest.get(target_id) or self.ctx.store.get(target_id)
        self._add(apply(ticket, "merge_duplicate", actor=ACTOR, role=Role.SYSTEM, now=self.now,
                        duplicate_of=target_id))  # fmt: skip
        if not target.status.terminal:
            self._add(apply(target, "absorb_duplicate", actor=ACTOR, role=Role.SYSTEM,
                            now=self.now, duplicate_id=ticket.id))  # fmt: skip

    def _add(self, tr: Transition) -> None:
        self.transitions.append(tr)
        self.latest[tr.ticket.id] = tr.ticket


def _bucket(lon: float, lat: float) -> tuple[int, int]:
    return int(lon // BUCKET_DEG), int(lat // BUCKET_DEG)


def route_one(ticket_id: str) -> bool:
    """One ticket routed on its own (the benchmark's baseline: one plain RQ job per ticket
    doing the same work — duplicate check, route, assign, deadline, dispatch, commit)."""
    ctx = current()
    now = datetime.now(UTC)
    ticket = ctx.store.get(ticket_id)
    if ticket.status not in PENDING:
        return False
    batch = Batch(ctx, now, [ticket])
    batch.decide(ticket)
    return bool(ctx.store.apply_transitions(batch.transitions, skip_stale=True).applied)
