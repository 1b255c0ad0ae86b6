"""What the pipeline, cpu and sweeper benches share: a fresh environment (data dir, SQLite or a
scratch PostgreSQL database, embedded Redis), tickets made as reported, and waiting for them.

Loaded by path (``gridops.benchmarking.bench_module("_harness")``); the leading underscore keeps
it out of ``gridops bench all``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url

from gridops.queue.embedded import EmbeddedRedis
from gridops.services.context import ServiceContext, build_context, settle_gc
from gridops.services.intake import IntakeReport, _drafts
from gridops.settings import REPO_ROOT, load_settings
from gridops.store.engine import checkpointer, writers_held
from gridops.store.schema import tickets
from gridops.tickets import Role, Source

PG_ENV = "GRIDOPS_BENCH_PG_URL"
ANY_WAITING = "SELECT EXISTS (SELECT 1 FROM tickets WHERE status = 'reported')"
DONE_POLL_S = 0.005  # a burst lasts ~0.4 s: a coarser poll would add up to its own length


def database_kind() -> str:
    return "PostgreSQL" if os.environ.get(PG_ENV) else "SQLite"


@contextmanager
def scratch_database(name: str) -> Iterator[str | None]:
    """A fresh PostgreSQL database on the server named by ``GRIDOPS_BENCH_PG_URL`` (dropped
    afterwards), or None for SQLite."""
    base = os.environ.get(PG_ENV)
    if not base:
        yield None
        return
    url = make_url(base).set(drivername="postgresql+psycopg")
    db = f"gridops_bench_{name.replace('-', '_')}_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{db}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{db}"')
        yield url.set(database=db).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def environment(tmp: Path, name: str) -> Iterator[tuple[ServiceContext, str, dict[str, str]]]:
    """A fresh data dir, database (SQLite, or a scratch PostgreSQL one) and embedded Redis;
    the context and worker env."""
    data = tmp / name
    redis = EmbeddedRedis(data / "redis")
    info, _ = redis.start()
    env = dict(os.environ, GRIDOPS_DATA_DIR=str(data), GRIDOPS_REDIS_URL=info.url,
               PYTHONPATH=str(REPO_ROOT))  # fmt: skip
    env.pop("GRIDOPS_DATABASE_URL", None)
    try:
        with scratch_database(name) as db_url:
            if db_url:
                env["GRIDOPS_DATABASE_URL"] = db_url
            ctx = build_context(load_settings(env))
            settle_gc()  # as gridops serve does: this process submits as the web server would
            try:
                yield ctx, info.url, env
            finally:
                ctx.close()
    finally:
        redis.stop()


def reports(ctx: ServiceContext, start: int, n: int) -> list[IntakeReport]:
    """Reports that are never duplicates of each other: distinct cells or categories."""
    cells = ctx.grid.cells_at(3)
    cats = sorted(ctx.ops.taxonomy.categories)
    out = []
    for i in range(start, start + n):
        p = cells[i % len(cells)].geometry.representative_point()
        cat = cats[(i // len(cells)) % len(cats)]  # another category on each pass over the cells
        out.append(IntakeReport(cat, p.x, p.y, crs=ctx.grid.crs, source=Source.INSPECTOR))
    return out


def waiting(ctx: ServiceContext) -> int:
    """Tickets not yet routed (counted: for the message when a burst times out)."""
    q = select(func.count()).select_from(tickets).where(tickets.c.status == "reported")
    with ctx.store.engine.connect() as conn:
        return int(conn.execute(q).scalar_one())


@contextmanager
def autocommit_cursor(ctx: ServiceContext) -> Iterator[Any]:
    """A DB-API cursor on a connection held in autocommit: each poll sees the latest commits
    for a few µs, where a pooled connection's checkout, BEGIN and ROLLBACK cost ~130 µs."""
    raw = ctx.store.engine.raw_connection()
    driver: Any = raw.driver_connection
    pg = ctx.store.engine.dialect.name == "postgresql"
    if pg:
        driver.autocommit = True  # SQLite's is already (isolation_level None)
    try:
        yield raw.cursor()
    finally:
        if pg:
            driver.autocommit = False
        raw.close()


def wait_dispatched(ctx: ServiceContext, timeout: float = 600.0) -> None:
    """Until every ticket made so far is routed (dispatched, or merged as a duplicate).

    The poll is one EXISTS (~5 µs of CPU): counting the waiting tickets through a pooled
    connection cost ~370 µs at 2,000 waiting, which every 5 ms took ~7 % of a core from the
    workers being measured."""
    end = time.monotonic() + timeout
    with autocommit_cursor(ctx) as cur:
        while True:
            cur.execute(ANY_WAITING)
            row = cur.fetchone()
            if not (row and row[0]):
                return
            if time.monotonic() > end:
                raise RuntimeError(f"{waiting(ctx)} tickets still not routed after {timeout}s")
            time.sleep(DONE_POLL_S)


def create(ctx: ServiceContext, start: int, n: int) -> list[str]:
    """Tickets committed as reported without a kick (intake's validation and locate included).

    SQLite: made while every worker's writes wait, then the write-ahead log is checkpointed
    before they go on — so no worker claims part of a burst before it is timed (the safety
    re-kick would), and a timed burst does not pay for copying its own tickets' creation."""
    engine = ctx.store.engine
    with writers_held(engine):
        drafts = _drafts(ctx, reports(ctx, start, n), Role.INSPECTOR)
        made = ctx.store.create_tickets(drafts, now=datetime.now(UTC), actor="bench",
                                        role=Role.INSPECTOR)  # fmt: skip
        checkpoint(ctx)
    return [t.id for t in made]


def checkpoint(ctx: ServiceContext) -> None:
    """SQLite: the write-ahead log copied back and emptied (this process's own background
    checkpoint waited for first), so that what is timed next does not pay for earlier writes."""
    engine = ctx.store.engine
    if engine.dialect.name != "sqlite":
        return
    if (cp := checkpointer(engine)) is not None:
        cp.join()
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
