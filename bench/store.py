"""Store throughput: tickets created and moved through dispatch per second, in batches.

Beside it, in the same run and on the same database, the baseline: plain SQL inserts of the
same final rows (ticket row + its two events), with no domain work, hashing or version checks.
The ratio says what the workflow, the hash chain and the optimistic versions cost.
SQLite always; PostgreSQL too when GRIDOPS_TEST_PG_URL or GRIDOPS_DATABASE_URL names one
(a scratch database is created and dropped).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from gridops.benchmarking import BenchResult, Figure, best_rate
from gridops.store import Store, open_store
from gridops.store.rows import event_row, ticket_row
from gridops.store.schema import ticket_events, tickets
from gridops.tickets import TicketDraft, TimeLimit, apply

NOW = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
LIMIT = TimeLimit(4, "working_hours")


def drafts(n: int) -> list[TicketDraft]:
    return [
        TicketDraft(
            category="0102",
            kind="event",
            lon=121.5 + i * 1e-5,
            lat=31.2,
            description=f"exposed garbage {i}",
            cells=("310115001", "310115001001", f"310115001001{i % 50:03d}"),
        )
        for i in range(n)
    ]


def gridops_batches(store: Store, batches: int, size: int) -> int:
    """Create ``size`` tickets and dispatch them, ``batches`` times; returns tickets done."""
    for _ in range(batches):
        made = store.create_tickets(drafts(size), now=NOW)
        moves = [
            apply(t, "dispatch", actor="router", role="system", now=NOW + timedelta(seconds=1),
                  owner_unit="sc-310115001", time_limit=LIMIT)
            for t in made
        ]  # fmt: skip
        store.apply_transitions(moves)
    return batches * size


def plain_rows(store: Store, n: int) -> tuple[list[dict], list[dict]]:
    """The rows gridops wrote for ``n`` dispatched tickets, re-keyed for plain inserts."""
    made = store.create_tickets(drafts(n), now=NOW)
    t_rows, e_rows = [], []
    for t in made:
        tr = apply(t, "dispatch", actor="router", role="system", now=NOW,
                   owner_unit="sc-310115001", time_limit=LIMIT)  # fmt: skip
        new_id = uuid.uuid4().hex
        row = ticket_row(replace(tr.ticket, id=new_id, number="B" + new_id[:20]))
        t_rows.append(row)
        for ev in (*store.events(t.id), tr.event):
            e_rows.append(event_row(replace(ev, ticket_id=new_id)))
    return t_rows, e_rows


def plain_batches(store: Store, rows: Iterator[tuple[list[dict], list[dict]]], size: int) -> int:
    t_rows, e_rows = next(rows)
    done = 0
    for i in range(0, len(t_rows), size):
        with store.engine.begin() as conn:
            conn.execute(tickets.insert(), t_rows[i : i + size])
            conn.execute(ticket_events.insert(), e_rows[2 * i : 2 * (i + size)])
        done += len(t_rows[i : i + size])
    return done


def measure(result: BenchResult, label: str, url: str, *, batches: int, size: int) -> None:
    store = open_store(url)
    try:
        repeats = 3
        prepared = iter([plain_rows(store, batches * size) for _ in range(repeats)])
        base = best_rate(lambda: plain_batches(store, prepared, size), repeats=repeats)
        rate = best_rate(lambda: gridops_batches(store, batches, size), repeats=repeats)
    finally:
        store.close()
    result.add(
        Figure(
            name=f"{label}: tickets created + dispatched (batches of {size})",
            value=rate,
            unit="tickets/s",
            baseline=base,
            note="baseline: plain SQL inserts of the same ticket and event rows",
        )
    )


@contextmanager
def scratch_pg() -> Iterator[str | None]:
    """A throw-away PostgreSQL database on the configured server, or None."""
    base = os.environ.get("GRIDOPS_TEST_PG_URL") or os.environ.get("GRIDOPS_DATABASE_URL") or ""
    if not base.startswith(("postgresql", "postgres")):
        yield None
        return
    url = make_url(base).set(drivername="postgresql+psycopg")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"gridops_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(quick: bool = False) -> BenchResult:
    """Measure on SQLite (and PostgreSQL when configured)."""
    batches, size = (1, 200) if quick else (5, 200)
    result = BenchResult("store")
    tmp = tempfile.mkdtemp(prefix="gridops-bench-")
    try:
        measure(result, "sqlite", f"sqlite:///{tmp}/bench.db", batches=batches, size=size)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    with scratch_pg() as pg:
        if pg:
            measure(result, "postgresql", pg, batches=batches, size=size)
    return result


if __name__ == "__main__":
    import json

    print(json.dumps(run().to_dict(), ensure_ascii=False))
