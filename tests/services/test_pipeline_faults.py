"""Losing nothing in the real pipeline: real `python -m workers` processes running the real
stages (gridops.services.stages) against a real store and a real redis-server.

Scenarios: a worker SIGKILLed in the middle of a routing batch, FLUSHALL while tickets flow,
Redis stopped and restarted, the embedded Redis SIGKILLed (restarted by hand, or by nobody), the
database refusing connections for a while. After each: every
ticket dispatched exactly once (one `dispatch` event each), every chain verifies, counts by
status add up. Outcomes are polled with generous deadlines; no duration is asserted.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from live import wait_for as live_wait_for
from redis import Redis
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from gridops.queue.connect import embedded_for
from gridops.queue.drain import attempts_key
from gridops.queue.embedded import EmbeddedRedis, free_port
from gridops.queue.pool import WorkerPool
from gridops.services.context import ServiceContext, build_context
from gridops.services.intake import submit
from gridops.settings import REPO_ROOT, load_settings
from gridops.store.queries import count_by_status
from gridops.store.schema import ticket_claims, ticket_events, tickets
from gridops.tickets import Role, Source

from .conftest import NOW, make_context, report_at

pytestmark = [pytest.mark.fault, pytest.mark.slow]

DEADLINE_S = 90.0


wait_for = partial(live_wait_for, deadline_s=DEADLINE_S, errors_wait=True)


def reports(ctx: ServiceContext, start: int, n: int):
    """``n`` reports in distinct level-3 cells (never duplicates of each other)."""
    cells = ctx.grid.cells_at(3)[start : start + n]
    return [report_at(ctx, c.code, source=Source.INSPECTOR) for c in cells]


def dispatched(ctx: ServiceContext) -> int:
    return count_by_status(ctx.store).get("dispatched", 0)


def assert_invariants(ctx: ServiceContext, n: int) -> None:
    counts = count_by_status(ctx.store)
    assert sum(counts.values()) == ctx.store.count() == n
    assert counts == {"dispatched": n}
    e = ticket_events.c
    per_ticket = (
        select(e.ticket_id, func.count())
        .where(e.type == "dispatch")
        .group_by(e.ticket_id)
        .having(func.count() != 1)
    )
    with ctx.store.engine.connect() as conn:
        assert conn.execute(per_ticket).all() == []
        assert (
            conn.execute(
                select(func.count()).select_from(ticket_events).where(e.type == "dispatch")
            ).scalar_one()
            == n
        )
    assert ctx.store.verify_chains() == []


def pool(redis_url: str, database_url: str, tmp: Path) -> WorkerPool:
    env = dict(
        os.environ,
        GRIDOPS_DATA_DIR=str(tmp),
        GRIDOPS_DATABASE_URL=database_url,
        PYTHONPATH=str(REPO_ROOT),
    )
    return WorkerPool(redis_url, count=0, env=env, log_dir=tmp / "logs", cwd=REPO_ROOT)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'gridops.db'}"
    url: str = request.getfixturevalue("pg_url")
    ctx = make_context(tmp_path, "redis://127.0.0.1:1/0", url)  # creates the tables
    request.getfixturevalue("empty_pg")(ctx.store.engine)
    ctx.close()
    return url


@pytest.fixture
def setup(
    redis_server: str, redis_conn: Redis, database_url: str, tmp_path: Path
) -> Iterator[tuple[ServiceContext, WorkerPool]]:
    ctx = make_context(tmp_path, redis_server, database_url)
    workers = pool(redis_server, database_url, tmp_path)
    yield ctx, workers
    workers.stop()
    ctx.close()


#: a transaction (of the only worker) that holds tickets' rows locked for update
ROW_LOCKED = text(
    "SELECT count(*) FROM pg_locks WHERE relation = 'tickets'::regclass "
    "AND mode = 'RowShareLock' AND granted AND pid <> pg_backend_pid()"
)


def test_sigkill_mid_batch_dispatches_every_ticket_once(setup) -> None:
    ctx, workers = setup
    victim = workers.add()
    n = 1000
    submit(ctx, reports(ctx, 0, n), actor="i", role=Role.INSPECTOR, now=NOW)
    me = f"{socket.gethostname()}.{victim.pid}"
    held = (
        select(func.count())
        .select_from(tickets.join(ticket_claims, ticket_claims.c.ticket_id == tickets.c.id))
        .where(ticket_claims.c.worker_id == me, tickets.c.status == "reported")
    )

    def holding() -> bool:
        with ctx.store.engine.connect() as conn:
            if conn.dialect.name == "postgresql":  # a batch held by row locks, not claim rows
                return conn.execute(ROW_LOCKED).scalar_one() > 0
            return conn.execute(held).scalar_one() > 0

    end = time.monotonic() + DEADLINE_S
    while not holding() and time.monotonic() < end:
        time.sleep(0.002)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    if ctx.store.dialect == "sqlite":  # PostgreSQL freed the batch as the connection closed
        assert holding()  # killed holding a claimed, unfinished batch
    assert dispatched(ctx) < n
    workers.add()
    wait_for("every ticket dispatched after the kill", lambda: dispatched(ctx) == n)
    assert_invariants(ctx, n)


def test_flushall_while_tickets_flow_loses_nothing(setup, redis_conn: Redis) -> None:
    ctx, workers = setup
    workers.add()
    workers.add()
    submit(ctx, reports(ctx, 0, 400), actor="i", role=Role.INSPECTOR, now=NOW)
    wait_for("some dispatched", lambda: dispatched(ctx) >= 50)
    redis_conn.flushall()
    drafts = reports(ctx, 400, 200)
    # new tickets whose trigger is never sent: only the safety net can find them
    from gridops.services.intake import _drafts

    ctx.store.create_tickets(_drafts(ctx, drafts, Role.INSPECTOR), now=NOW, actor="i",
                             role=Role.INSPECTOR)  # fmt: skip
    wait_for("every ticket dispatched after FLUSHALL", lambda: dispatched(ctx) == 600)
    assert_invariants(ctx, 600)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_redis_restart_while_tickets_flow_loses_nothing(
    database_url: str, tmp_path: Path, redis_conn: Redis
) -> None:
    server = EmbeddedRedis(tmp_path / "own-redis")
    port = free_port()
    info, _ = server.start(port=port)
    ctx = make_context(tmp_path, info.url, database_url)
    workers = pool(info.url, database_url, tmp_path)
    try:
        workers.add()
        workers.add()
        submit(ctx, reports(ctx, 0, 300), actor="i", role=Role.INSPECTOR, now=NOW)
        wait_for("some dispatched", lambda: dispatched(ctx) >= 30)
        server.stop()
        submit(ctx, reports(ctx, 300, 200), actor="i", role=Role.INSPECTOR, now=NOW)  # kick lost
        time.sleep(1.0)
        server.start(port=port)
        wait_for("every ticket dispatched after the restart", lambda: dispatched(ctx) == 500)
        assert_invariants(ctx, 500)
        assert workers.alive() == 2
    finally:
        workers.stop()
        ctx.close()
        server.stop()


def embedded_site(tmp_path: Path, database_url: str, *, workers_get_url: bool):
    """A data dir whose embedded Redis this test starts, a context on it (as the web server's,
    no GRIDOPS_REDIS_URL), and a pool of workers: given the server's URL, or finding the server
    through the data dir themselves."""
    env = {k: v for k, v in os.environ.items() if k != "GRIDOPS_REDIS_URL"}
    env |= {"GRIDOPS_DATA_DIR": str(tmp_path / "data"), "GRIDOPS_DATABASE_URL": database_url,
            "PYTHONPATH": str(REPO_ROOT)}  # fmt: skip
    settings = load_settings(env)
    server = embedded_for(settings)
    info, _ = server.start()
    ctx = build_context(settings)
    workers = WorkerPool(info.url if workers_get_url else None, count=0, env=env,
                         log_dir=tmp_path / "logs", cwd=REPO_ROOT)  # fmt: skip
    return server, ctx, workers


def sigkill_server(server: EmbeddedRedis) -> int:
    """SIGKILL the embedded redis-server (this test's child: reaped); returns its port."""
    from gridops.queue.embedded import _CHILDREN

    info = server.info()
    assert info is not None
    os.kill(info.pid, signal.SIGKILL)
    child = _CHILDREN.pop(info.pid, None)
    if child is not None:
        child.wait()
    return info.port


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_embedded_redis_sigkilled_and_restarted_routing_resumes_with_no_worker_restarted(
    database_url: str, tmp_path: Path
) -> None:
    server, ctx, workers = embedded_site(tmp_path, database_url, workers_get_url=True)
    try:
        pids = [workers.add().pid, workers.add().pid]
        submit(ctx, reports(ctx, 0, 1), actor="i", role=Role.INSPECTOR, now=NOW)
        wait_for("the first report dispatched", lambda: dispatched(ctx) == 1)
        port = sigkill_server(server)
        info, _ = server.start()  # restarted by hand (`gridops redis start`)
        assert info.port == port  # where every client already points
        submit(ctx, reports(ctx, 1, 1), actor="i", role=Role.INSPECTOR, now=NOW)
        wait_for("the report made after the restart dispatched", lambda: dispatched(ctx) == 2)
        assert_invariants(ctx, 2)
        assert workers.alive() == 2 and [p.pid for p in workers.procs] == pids
    finally:
        workers.stop()
        ctx.close()
        server.stop()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_embedded_redis_sigkilled_is_started_again_by_the_processes_that_use_it(
    database_url: str, tmp_path: Path
) -> None:
    server, ctx, workers = embedded_site(tmp_path, database_url, workers_get_url=False)
    try:
        pids = [workers.add().pid, workers.add().pid]
        submit(ctx, reports(ctx, 0, 1), actor="i", role=Role.INSPECTOR, now=NOW)
        wait_for("the first report dispatched", lambda: dispatched(ctx) == 1)
        port = sigkill_server(server)
        # nobody restarts it: the next process to find it dead (a worker's ticker, the
        # context's kick) starts it again on its port
        submit(ctx, reports(ctx, 1, 1), actor="i", role=Role.INSPECTOR, now=NOW)
        wait_for("the report made after the kill dispatched", lambda: dispatched(ctx) == 2)
        assert_invariants(ctx, 2)
        info = server.info()
        assert info is not None and info.port == port
        assert workers.alive() == 2 and [p.pid for p in workers.procs] == pids
    finally:
        workers.stop()
        ctx.close()
        server.stop()


@pytest.mark.pg
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_database_refusing_connections_retries_then_finishes(
    setup, database_url: str, redis_conn: Redis
) -> None:
    ctx, workers = setup
    name = make_url(database_url).database
    admin = create_engine(os.environ["GRIDOPS_TEST_PG_URL"], isolation_level="AUTOCOMMIT")
    submit(ctx, reports(ctx, 0, 300), actor="i", role=Role.INSPECTOR, now=NOW)
    ctx.store.engine.dispose()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = :n AND pid <> pg_backend_pid()"),
                {"n": name},
            )  # fmt: skip
        workers.add()  # workers meet a database that refuses them (their first batch fails)
        workers.add()
        wait_for(
            "backoff retries while the database is away",
            lambda: (
                int(redis_conn.get(attempts_key("routing")) or 0)
                + int(redis_conn.get(attempts_key("sweeper")) or 0)
                >= 2
            ),
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
    wait_for("every ticket dispatched once the database is back", lambda: dispatched(ctx) == 300)
    assert_invariants(ctx, 300)
