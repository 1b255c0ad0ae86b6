"""Supervisor report speed: the indicator report by unit and by level-1 cell, for a month and
for a year, over 1,000,000 tickets with their events (``--quick``: 50,000).

The tickets are written in bulk (whole histories built through the transition table on every
CPU, so hash chains are valid; Core inserts, not the pipeline) into a scratch SQLite file
under .gridops/bench/ and a scratch PostgreSQL
database. Beside each report time, in the same run and on the same tables: a plain
``SELECT count(*) FROM tickets``. Goal: the monthly report by unit within 10× that count.
The report reads the daily rollups (kept current by the rollup stage; its refresh is not timed);
the same report straight from the tickets (``--exact``) and the rollups' full build are shown
for comparison.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from gridops.benchmarking import BenchResult, Figure, best_time
from gridops.metrics.history import HistoricalCase, history
from gridops.metrics.periods import parse_period
from gridops.settings import REPO_ROOT
from gridops.store import Store, open_store
from gridops.store.engine import write
from gridops.store.rollups import (
    RollupParams,
    indicator_counts,
    plain_count,
    refresh_rollups,
    rollup_counts,
)
from gridops.store.rows import event_row, ticket_row
from gridops.store.schema import ticket_events, tickets
from gridops.tickets import TimeLimit, case_number
from gridops.tickets.vocabulary import Kind, Source

YEAR_START = datetime(2025, 12, 31, 16, 0, tzinfo=UTC)  # 2026-01-01 00:00 Shanghai
CATEGORIES = [f"E{c:02d}{s:02d}" for c in range(1, 6) for s in range(1, 5)]
DEPTS = ("water", "greening", "transport", "housing", "urban-mgmt")
LIMIT = TimeLimit(4, "hours")
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2027, 1, 15, 2, 0, tzinfo=UTC)
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def cases(n: int, start: int = 0, stop: int | None = None) -> Iterator[HistoricalCase]:
    """Cases ``start..stop`` of ``n`` synthetic ones spread over 2026: 36 sub-districts, ~300
    units, 20 categories; most closed, some reworked, returned, on site, evaluated, or open."""
    rnd = random.Random(start)
    year_s = 365 * 86400
    for i in range(start, n if stop is None else stop):
        l1 = f"310115{rnd.randrange(1, 37):03d}"
        l2 = f"{l1}{rnd.randrange(1, 11):03d}"
        l3 = f"{l2}{rnd.randrange(1, 11):03d}"
        unit = rnd.choice((f"sc-{l1}", f"ws-{l2}", *(f"dept-{d}@{l1}" for d in DEPTS)))
        at = YEAR_START + timedelta(seconds=year_s * i / n)
        onsite = rnd.random() < 0.1
        dispatched = None if onsite else at + timedelta(minutes=rnd.uniform(1, 60))
        handled = (dispatched or at) + timedelta(hours=rnd.uniform(0.2, 6))
        closed = handled + timedelta(hours=rnd.uniform(0.2, 3))
        still_open = rnd.random() < 0.03
        yield HistoricalCase(
            row_id=str(i),
            category=rnd.choice(CATEGORIES),
            kind=Kind.EVENT,
            lon=121.5,
            lat=31.2,
            reported_at=at,
            owner_unit=unit,
            cells=(l1, l2, l3),
            source=rnd.choice((Source.INSPECTOR, Source.GRID_WORKER, Source.HOTLINE)),
            dispatched_at=dispatched,
            handled_at=None if still_open else handled,
            closed_at=None if still_open else closed,
            satisfaction=rnd.randint(1, 5) if not still_open and rnd.random() < 0.5 else None,
            onsite=onsite,
            returned_by=f"sc-{l1}" if not onsite and rnd.random() < 0.03 else "",
            reworked=not still_open and rnd.random() < 0.02,
        )


def rows(args: tuple[int, int, int]) -> tuple[list[dict], list[dict]]:
    """Ticket and event rows of cases ``start..stop`` (run in worker processes)."""
    n, start, stop = args
    t_rows, e_rows = [], []
    for i, case in enumerate(cases(n, start, stop), start):
        day = case.reported_at.astimezone(TZ).strftime("%Y%m%d")
        number = case_number(case.kind, case.category, day, i + 1)
        ticket, events = history(case, id=uuid.uuid4().hex, number=number, time_limit=LIMIT)
        t_rows.append(ticket_row(ticket))
        e_rows.extend(event_row(e) for e in events)
    return t_rows, e_rows


def fill(store: Store, n: int, *, batch: int = 5000) -> None:
    """Write ``n`` tickets with their events, built on every CPU (forked workers: nothing
    but the rows is pickled), inserted in batches by this process."""
    parts = [(n, i, min(n, i + batch)) for i in range(0, n, batch)]
    ctx = multiprocessing.get_context("fork")
    queue: Any = ctx.Queue(maxsize=4)
    k = min(os.cpu_count() or 1, len(parts)) or 1
    workers = [ctx.Process(target=_work, args=(parts[i::k], queue)) for i in range(k)]
    for w in workers:
        w.start()
    try:
        for _ in parts:
            t_rows, e_rows = queue.get()
            with write(store.engine) as conn:
                conn.execute(tickets.insert(), t_rows)
                conn.execute(ticket_events.insert(), e_rows)
    finally:
        for w in workers:
            w.join()
    with store.engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def _work(parts: list[tuple[int, int, int]], queue: Any) -> None:
    for part in parts:
        queue.put(rows(part))


def measure(result: BenchResult, label: str, url: str, n: int) -> None:
    store = open_store(url)
    try:
        t0 = time.perf_counter()
        fill(store, n)
        load_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        days = refresh_rollups(store.engine, now=NOW, params=RollupParams())
        build_s = time.perf_counter() - t0
        count = best_time(lambda: plain_count(store.engine), repeats=5)

        def figure(what: str, secs: float, note: str = "") -> None:
            result.add(
                Figure(
                    name=f"{label}: {what} ({n:,} tickets)",
                    value=secs * 1000,
                    unit="ms",
                    baseline=count * 1000,
                    lower_is_better=True,
                    note=note or "baseline: SELECT count(*) FROM tickets, same run; goal ≥ 0.1",
                )
            )

        for by in ("unit", "l1"):
            for period in ("2026-10", "2026"):
                first, after = parse_period(period).days()

                def rolled(by=by, first=first, after=after) -> object:
                    return rollup_counts(store.engine, by=by, first=first, after=after)

                span = "month" if "-" in period else "year"
                figure(f"report by {by}, {span}", best_time(rolled, repeats=5))
        p = parse_period("2026-10")

        def exact() -> object:
            return indicator_counts(store.engine, by="unit", start=p.start, end=p.end, as_of=NOW)

        figure("report by unit, month, --exact (no rollups)", best_time(exact, repeats=3))
        figure(
            f"daily rollups, full build ({days} days)",
            build_s,
            note="once, or when the indicator config changes; baseline: count(*)",
        )
        # The data set's build rate has no same-run baseline: information, not a figure.
        print(f"{label}: bulk load {n / load_s:,.0f} tickets/s (with events)", file=sys.stderr)
    finally:
        store.close()


@contextmanager
def scratch_pg() -> Iterator[str | None]:
    """A throw-away PostgreSQL database (GRIDOPS_TEST_PG_URL or the local default), or None."""
    base = os.environ.get("GRIDOPS_TEST_PG_URL") or ADMIN_URL
    url = make_url(base).set(drivername="postgresql+psycopg")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"gridops_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:  # noqa: BLE001 - no server: SQLite only
        admin.dispose()
        yield None
        return
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(quick: bool = False, n: int | None = None, pg: bool = True) -> BenchResult:
    """SQLite (a scratch file under .gridops/bench/) and PostgreSQL when reachable.

    ``python bench/report.py 200000 sqlite``: another size, SQLite only."""
    n = n or (50_000 if quick else 1_000_000)
    result = BenchResult("report")
    scratch = REPO_ROOT / ".gridops" / "bench" / f"report-{uuid.uuid4().hex[:8]}"
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        measure(result, "sqlite", f"sqlite:///{scratch / 'report.db'}", n)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if not pg:
        return result
    with scratch_pg() as url:
        if url:
            measure(result, "postgresql", url, n)
    return result


if __name__ == "__main__":
    import json
    import sys

    size = int(sys.argv[1]) if len(sys.argv) > 1 else None
    only_sqlite = sys.argv[2:] == ["sqlite"]
    print(json.dumps(run(n=size, pg=not only_sqlite).to_dict(), ensure_ascii=False))
