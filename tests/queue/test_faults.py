"""Losing nothing, with real processes: worker SIGKILL, Redis FLUSHALL, Redis restart.

The toy stage (toy_stage.py) keeps its pending work in a real SQLite table, claimed with an
expiring claim and moved to done under a version guard, like tickets. Real `python -m workers`
subprocesses drain it through a real redis-server. Tests wait on outcomes with generous
deadlines and never assert a duration.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
import toy_stage
from live import wait_for as live_wait_for
from redis import Redis

from gridops.queue import kick
from gridops.queue.drain import attempts_key
from gridops.queue.embedded import EmbeddedRedis, free_port
from gridops.queue.pool import WorkerPool
from gridops.settings import REPO_ROOT

pytestmark = [pytest.mark.fault, pytest.mark.slow]

HERE = Path(__file__).resolve().parent
DEADLINE_S = 60.0


wait_for = partial(live_wait_for, deadline_s=DEADLINE_S)


def query(db: Path, sql: str, *args: object) -> list[tuple]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def scalar(db: Path, sql: str, *args: object) -> int:
    return int(query(db, sql, *args)[0][0])


def pool(url: str, db: Path, tmp: Path) -> WorkerPool:
    """Worker processes on the toy stages (nothing started yet)."""
    env = dict(
        os.environ,
        GRIDOPS_DATA_DIR=str(tmp),
        TOY_DB=str(db),
        TOY_DELAY="0.02",
        TOY_CLAIM_S="2",
        PYTHONPATH=os.pathsep.join([str(HERE), str(REPO_ROOT)]),
    )
    return WorkerPool(
        url, count=0, stages="toy_stage:STAGES", env=env, log_dir=tmp / "logs", cwd=REPO_ROOT
    )


@pytest.fixture
def toy_db(tmp_path: Path) -> Path:
    (tmp_path / "db").mkdir()
    db = tmp_path / "db" / "toy.db"
    toy_stage.create(str(db))
    return db


@pytest.fixture
def workers(
    redis_server: str, redis_conn: Redis, toy_db: Path, tmp_path: Path
) -> Iterator[WorkerPool]:
    workers = pool(redis_server, toy_db, tmp_path)
    yield workers
    workers.stop()


def assert_exactly_once(db: Path, n: int) -> None:
    assert scalar(db, "SELECT count(*) FROM items WHERE status = 'done'") == n
    assert scalar(db, "SELECT count(*) FROM applied") == n
    assert query(db, "SELECT item_id FROM applied GROUP BY item_id HAVING count(*) > 1") == []


def all_done(db: Path, n: int) -> Callable[[], bool]:
    return lambda: scalar(db, "SELECT count(*) FROM items WHERE status = 'done'") == n


def test_sigkill_mid_batch_loses_nothing_and_applies_once(
    workers: WorkerPool, redis_conn: Redis, toy_db: Path
) -> None:
    workers.env["TOY_DELAY"] = "0.04"
    victim = workers.add()
    workers.add()
    toy_stage.add_items(str(toy_db), range(100))
    kick(redis_conn, toy_stage.TOY)
    mid_batch = "SELECT count(*) FROM items WHERE status = 'pending' AND claimed_by = ?"
    wait_for(
        "the victim to hold a claimed batch", lambda: scalar(toy_db, mid_batch, victim.pid) >= 3
    )
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert scalar(toy_db, mid_batch, victim.pid) > 0  # killed holding claimed, unfinished rows
    wait_for("every item done after the kill", all_done(toy_db, 100))
    assert_exactly_once(toy_db, 100)


def test_flushall_while_rows_flow_loses_nothing(
    workers: WorkerPool, redis_conn: Redis, toy_db: Path
) -> None:
    workers.add()
    workers.add()
    toy_stage.add_items(str(toy_db), range(100))
    kick(redis_conn, toy_stage.TOY)
    wait_for("some progress", lambda: scalar(toy_db, "SELECT count(*) FROM applied") >= 20)
    redis_conn.flushall()
    toy_stage.add_items(str(toy_db), range(100, 150))  # new work whose trigger is never sent
    wait_for("every item done after FLUSHALL", all_done(toy_db, 150))
    assert_exactly_once(toy_db, 150)


def test_redis_restart_while_rows_flow_loses_nothing(
    redis_conn: Redis, toy_db: Path, tmp_path: Path
) -> None:
    server = EmbeddedRedis(tmp_path / "own-redis")
    port = free_port()
    info, _ = server.start(port=port)
    conn = Redis.from_url(info.url)
    workers = pool(info.url, toy_db, tmp_path)
    try:
        workers.add()
        workers.add()
        toy_stage.add_items(str(toy_db), range(100))
        kick(conn, toy_stage.TOY)
        wait_for("some progress", lambda: scalar(toy_db, "SELECT count(*) FROM applied") >= 20)
        server.stop()
        toy_stage.add_items(str(toy_db), range(100, 150))
        time.sleep(1.0)  # workers see Redis gone for a moment
        server.start(port=port)
        wait_for("every item done after the restart", all_done(toy_db, 150))
        assert_exactly_once(toy_db, 150)
        assert workers.alive() == 2  # the workers rode out the outage
    finally:
        workers.stop()
        conn.close()
        server.stop()


def test_periodic_stage_runs_one_at_a_time_across_workers(
    workers: WorkerPool, toy_db: Path
) -> None:
    workers.add(queues="toy-sweeper")
    workers.add(queues="toy-sweeper")
    wait_for("a few sweeps", lambda: scalar(toy_db, "SELECT count(*) FROM sweeps") >= 4)
    runs = sorted(query(toy_db, "SELECT started, ended FROM sweeps"))
    assert all(prev_end <= start for (_, prev_end), (start, _) in zip(runs, runs[1:], strict=False))


def test_database_unreachable_retries_with_backoff_then_finishes(
    workers: WorkerPool, redis_conn: Redis, toy_db: Path
) -> None:
    toy_stage.add_items(str(toy_db), range(50))
    away = toy_db.parent.with_name("db-away")
    toy_db.parent.rename(away)  # the database is unreachable
    workers.add(queues="toy")
    kick(redis_conn, toy_stage.TOY)
    wait_for("backoff retries", lambda: int(redis_conn.get(attempts_key("toy")) or 0) >= 2)
    away.rename(toy_db.parent)
    wait_for("every item done once the database is back", all_done(toy_db, 50))
    assert_exactly_once(toy_db, 50)
