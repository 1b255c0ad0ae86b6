"""Run one RQ worker over gridops stages (``gridops worker`` / ``python -m workers``).

A :class:`rq.SimpleWorker` (jobs run in the worker process): a drain does one batch of real work
per job, and the per-process context (grid index, routing table, store engine) is built once and
reused, which the forking Worker would rebuild or copy per job (measured upstream: SimpleWorker
~170 jobs/s vs the forking Worker ~50 jobs/s on 2 cores). Each worker also runs the ticker
thread (periodic stages, safety re-kicks, retries). Any number of workers on any number of
machines may share one Redis and one database: claims in the database split the work.

A worker runs only the drains of its own stages (:class:`gridops.queue.guard.StageWorker`):
a job of any other function put on its queues fails without running. With the embedded Redis
its connections start the server again if they find it dead (gridops.queue.connect), so a
killed Redis costs a worker a moment, never a restart.
"""

from __future__ import annotations

import itertools
import logging
import os
import signal
import socket
import time
import uuid

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from gridops.datadir import private_umask
from gridops.errors import UserError
from gridops.queue.connect import client
from gridops.queue.guard import StageWorker
from gridops.queue.stages import DEFAULT_STAGES, load_stages
from gridops.queue.ticker import Ticker
from gridops.settings import Settings, load_settings

MAX_RECONNECT_WAIT_S = 2.0  # RQ waits 1 s, 2 s … between reconnection attempts; cap it
RESTART_PAUSE_S = 0.5

log = logging.getLogger(__name__)


def worker_name(name: str | None = None) -> str:
    """A unique worker name: the given one, or host.pid.random."""
    return name or f"{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:6]}"


def run_worker(
    settings: Settings,
    *,
    stages_path: str = DEFAULT_STAGES,
    queues: list[str] | None = None,
    burst: bool = False,
    name: str | None = None,
    log_level: str = "INFO",
) -> int:
    """Work the given queues (default: all queues of the stage set); returns an exit status."""
    stages = load_stages(stages_path)
    wanted = queues or stages.queues
    unknown = sorted(set(wanted) - set(stages.queues))
    if unknown:
        raise UserError(
            f"--queues: no stage uses {', '.join(unknown)}; "
            f"known queues: {', '.join(stages.queues)}"
        )
    served = stages.on_queues(wanted)
    conn = client(settings)
    ticker = Ticker(client(settings), served)
    stop = _StopFlag()
    if burst:
        ticker.tick()  # kick every stage once so pending work gets drained, then drain it
    else:
        ticker.start()
    try:
        for attempt in itertools.count():
            worker: StageWorker | None = None
            try:
                worker = StageWorker(
                    wanted,
                    stages=served,
                    connection=conn,
                    # a restart gets a new name: the old registration may outlive a Redis restart
                    name=worker_name(name and (f"{name}.r{attempt}" if attempt else name)),
                )
                worker.max_connection_wait_time = MAX_RECONNECT_WAIT_S
                worker.work(burst=burst, logging_level=log_level)
            except (RedisConnectionError, RedisTimeoutError) as exc:
                log.warning("worker: Redis went away (%s); reconnecting", exc)
            stop.install()  # RQ's handlers stay installed after work() returns
            asked = worker is not None and (
                worker._stop_requested or worker._shutdown_requested_date is not None
            )
            if burst or asked or stop.requested:
                break
            # RQ's loop quit on its own (Redis gone mid-job, or flushed): start a fresh worker
            time.sleep(RESTART_PAUSE_S)
    finally:
        ticker.stop()
    return 0


class _StopFlag:
    """Remembers a SIGINT/SIGTERM that arrived outside RQ's own handlers."""

    def __init__(self) -> None:
        self.requested = False
        self.install()

    def install(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._set)

    def _set(self, signum: int, frame: object) -> None:
        self.requested = True
        raise SystemExit(0)


def main() -> None:
    """``python -m workers [--stages M:A] [--queues a,b] [--burst] [--name N]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m workers", description=__doc__)
    parser.add_argument("--stages", default=os.environ.get("GRIDOPS_STAGES", DEFAULT_STAGES))
    parser.add_argument("--queues", default="")
    parser.add_argument("--burst", action="store_true")
    parser.add_argument("--name", default=None)
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args()
    private_umask()  # the worker's files in the data dir (SQLite's -wal/-shm, logs) are private
    logging.basicConfig(level=args.log_level)
    queues = [q for q in args.queues.split(",") if q] or None
    raise SystemExit(
        run_worker(
            load_settings(),
            stages_path=args.stages,
            queues=queues,
            burst=args.burst,
            name=args.name,
            log_level=args.log_level,
        )
    )
