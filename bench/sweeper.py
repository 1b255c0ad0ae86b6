"""Sweeper: ms per sweep found through indexes, beside the same sweep walking every running ticket.

gridops: :func:`gridops.services.sweeper.sweep` as a worker runs it after its first sweep —
the overdue tickets along the deadline index, the running tickets changed since its last look
(event ids) or with an escalation step due (``gridops.store.sweep_scan.changed_or_due``).
Baseline, in the same run, process and database: the same sweep made to walk every running
ticket (``sweep_scan.all_running``), as it did on every sweep before commit ded6121 and still
does on a process's first sweep and every ``WALK_EVERY_S``. The walk is forced by setting
``sweeper.WALK_EVERY_S`` to 0 for that sweep (the backstop on every sweep): no other seam
reaches it. Not quite the old code: the old overdue query walked the status index too, and now
both sides find overdue tickets along the deadline index.

Figures: a sweep with nothing new since the last one; a sweep after 100 tickets were newly
dispatched since the last one. ~12,000 running tickets (reported through intake, routed to
dispatched by ``route_batch``, their escalation progress caught up by sweeps first), on SQLite
under a temporary data dir with an embedded Redis for the sweeper's kicks (bench/_harness.py;
with ``GRIDOPS_BENCH_PG_URL``, a scratch PostgreSQL database instead); nothing else is
needed. The two sides are taken in turn, round after round (each round in the other order), so
the shared machine's changing speed meets both; a figure is the median of the rounds. The 100
new tickets of each round stay running, so the population grows by 200 per round, alike for
both sides. Each timed sweep starts after SQLite's log is checkpointed.

Run: ``gridops bench sweeper --json`` (``--quick``: ~1,500 tickets, 3 rounds). Not runnable as
``python bench/sweeper.py``: bench/http.py would shadow the standard library's ``http``.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import median

from sqlalchemy import func, select

from gridops.benchmarking import BenchResult, Figure, bench_module
from gridops.org.escalation import RUNNING_STATUSES
from gridops.services import sweeper
from gridops.services.context import ServiceContext
from gridops.services.intake import IntakeReport, submit
from gridops.services.routing import route_batch
from gridops.services.stages import SWEEPER
from gridops.store.schema import tickets
from gridops.tickets import Role

h = bench_module("_harness")  # the environment, the reports, the checkpoint

#: A Tuesday morning in Shanghai (working day, day shift on): nothing falls due for hours.
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
LIMIT = SWEEPER.batch_limit
NEW = 100  # tickets newly dispatched before each "new" sweep
CHUNK = 500  # reports per intake call while the population is built
SIDES = ("indexed", "walk")


class Population:
    """Running tickets made through intake and routing, never duplicates of each other, on a
    clock that moves one second per step (simulated, so nothing falls due)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.made = 0
        self.step = 0

    def now(self) -> datetime:
        self.step += 1
        return NOW + timedelta(seconds=self.step)

    def reports(self, n: int) -> list[IntakeReport]:
        """Distinct cells or categories (another category on each pass over the cells)."""
        out = h.reports(self.ctx, self.made, n)
        self.made += n
        return out

    def dispatch(self, n: int) -> None:
        """``n`` new reports, routed until none is waiting."""
        for start in range(0, n, CHUNK):
            submit(self.ctx, self.reports(min(CHUNK, n - start)), actor="bench",
                   role=Role.INSPECTOR, now=self.now())  # fmt: skip
        while route_batch(self.ctx, 500, now=self.now()):
            pass

    def running(self) -> int:
        q = select(func.count()).select_from(tickets)
        q = q.where(tickets.c.status.in_(sorted(RUNNING_STATUSES)))
        with self.ctx.store.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())


def timed_sweep(pop: Population, side: str, expect: int) -> float:
    """Milliseconds of one sweep, indexed or made to walk; checks it looked at ``expect``."""
    h.checkpoint(pop.ctx)
    now = pop.now()
    saved = sweeper.WALK_EVERY_S
    if side == "walk":
        sweeper.WALK_EVERY_S = 0.0  # the backstop walk on this sweep
    try:
        t0 = time.perf_counter()
        done = sweeper.sweep(pop.ctx, LIMIT, now=now)
        ms = (time.perf_counter() - t0) * 1000
    finally:
        sweeper.WALK_EVERY_S = saved
    if done != expect:
        raise RuntimeError(f"{side} sweep looked at {done} tickets, expected {expect}")
    return ms


def catch_up(pop: Population) -> None:
    """Sweep until every running ticket's escalation progress is recorded (the first sweep
    walks; a full one leaves the rest to the next)."""
    while sweeper.sweep(pop.ctx, LIMIT, now=pop.now()) >= LIMIT:
        pass
    for side in SIDES:  # both paths warm, and nothing left to look at
        timed_sweep(pop, side, expect=0)


def rounds(pop: Population, n_rounds: int) -> dict[tuple[str, str], list[float]]:
    """ms of an idle sweep and of one after ``NEW`` dispatches, per side, sides in turn."""
    times: dict[tuple[str, str], list[float]] = {}
    for r in range(n_rounds):
        for side in SIDES if r % 2 == 0 else SIDES[::-1]:
            times.setdefault((side, "idle"), []).append(timed_sweep(pop, side, expect=0))
            pop.dispatch(NEW)
            times.setdefault((side, "new"), []).append(timed_sweep(pop, side, expect=NEW))
    return times


def run(quick: bool = False) -> BenchResult:
    n, n_rounds = (1_500, 3) if quick else (12_000, 5)
    tmp = Path(tempfile.mkdtemp(prefix="gridops-bench-sweeper-"))
    try:
        with h.environment(tmp, "sweeper") as (ctx, _, _):
            pop = Population(ctx)
            pop.dispatch(n)
            before = pop.running()
            catch_up(pop)
            times = rounds(pop, n_rounds)
            after = pop.running()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result = BenchResult("sweeper")
    scale = (f"{before:,} running tickets ({after:,} after the rounds), {h.database_kind()} "
             f"in-process; median of {n_rounds} rounds, sides in turn")  # fmt: skip
    for kind, name in (("idle", "sweep, nothing new"), ("new", f"sweep after {NEW} dispatches")):
        ours, walk = times[("indexed", kind)], times[("walk", kind)]
        result.add(
            Figure(name, median(ours), "ms", median(walk), lower_is_better=True,
                   note=f"{scale}; best {min(ours):.1f} vs {min(walk):.1f} ms; baseline: the "
                   "same sweep walking every running ticket (WALK_EVERY_S set to 0)")
        )  # fmt: skip
    return result
