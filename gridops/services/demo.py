"""Running the whole system for `gridops demo` and `gridops simulate` (演示).

Starts (or reuses) the Redis — the embedded one under the data dir unless GRIDOPS_REDIS_URL is
set — and stops it on exit if it started it; builds the context once (grid + configuration
load); starts N workers (WorkerPool) and optionally `gridops serve`; then loops: feed the due
synthetic incidents into intake, let the simulated field staff act, report progress to a
callback. On Ctrl-C or when the duration / count is reached, it stops its processes and
returns the summary rows.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from gridops.datadir import open_private, private_dir
from gridops.queue.connect import running_redis
from gridops.queue.pool import WorkerPool
from gridops.services.addresses import ensure_sample_addresses
from gridops.services.context import ServiceContext, build_context
from gridops.services.simulation import SimulationRun, SummaryRow, summary
from gridops.services.stages import QUEUE_ORDER
from gridops.settings import Settings, load_settings
from gridops.store.queries import count_by_status

TICK_S = 0.25
FAST_BATCH = 500


@dataclass(frozen=True)
class Progress:
    """What the live display shows."""

    elapsed_s: float
    submitted: int
    acted: int
    by_status: dict[str, int]
    workers: int
    web: str | None


Display = Callable[[Progress], None]


def _child_env(settings: Settings) -> dict[str, str]:
    """The environment of the workers and the web server: this run's settings, paths absolute,
    so that the children need no particular working directory (nor a checkout). With the
    embedded Redis they find it through the data dir (and start it again should it die)."""
    env = dict(os.environ, GRIDOPS_DATA_DIR=str(settings.data_dir),
               GRIDOPS_DATABASE_URL=settings.database_url,
               GRIDOPS_GRID=str(settings.grid_path.resolve()),
               GRIDOPS_CONFIG_DIR=str(settings.config_dir.resolve()),
               GRIDOPS_TIMEZONE=settings.timezone)  # fmt: skip
    env.pop("GRIDOPS_REDIS_URL", None)
    if settings.redis_url:
        env["GRIDOPS_REDIS_URL"] = settings.redis_url
    return env


def _web(settings: Settings, port: int) -> subprocess.Popen[bytes] | None:
    env = _child_env(settings)
    log = private_dir(settings.data_dir / "logs") / "web.log"
    with open_private(log) as out:
        return subprocess.Popen(
            [sys.executable, "-c", "from gridops.cli import main; main()", "serve", "--port",
             str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def _interruptible() -> None:
    """Ctrl-C and SIGTERM end the run cleanly, even where the shell started us with SIGINT
    ignored (a background job of a script)."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


def run(
    *,
    rate: float,
    fast: bool,
    duration: float,
    count: int,
    seed: int,
    workers: int,
    staff: bool,
    web: bool,
    port: int = 8311,
    display: Display | None = None,
    settings: Settings | None = None,
    say: Callable[[str], None] | None = None,
) -> tuple[list[SummaryRow], Progress]:
    """Run until the duration or count is reached or Ctrl-C (or SIGTERM); returns (summary,
    last progress). Everything started here is stopped before it returns — the embedded Redis
    too, unless something else still uses it; ``say`` is told which."""
    settings = settings or load_settings()
    _interruptible()
    with running_redis(settings, say):
        ctx = build_context(settings)
        ensure_sample_addresses(ctx.store, ctx.grid, settings.grid_path, now=datetime.now(UTC))
        pool = WorkerPool(settings.redis_url, count=workers, env=_child_env(settings),
                          queues=QUEUE_ORDER, log_dir=settings.data_dir / "logs")  # fmt: skip
        server = None
        start = datetime.now(UTC)
        progress = Progress(0.0, 0, 0, {}, 0, None)
        try:
            pool.start()
            if web:
                server = _web(settings, port)
            sim = SimulationRun(ctx, start=start, rate_per_s=rate, seed=seed)
            progress = _loop(ctx, sim, pool, server, port, fast=fast, duration=duration,
                             count=count, staff=staff, display=display)  # fmt: skip
        except KeyboardInterrupt:
            pass
        finally:
            if server is not None and server.poll() is None:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
            pool.stop(timeout=10)
        rows = summary(ctx, since=start, now=datetime.now(UTC))
        ctx.close()
    return rows, progress


def _loop(
    ctx: ServiceContext,
    sim: SimulationRun,
    pool: WorkerPool,
    server: subprocess.Popen[bytes] | None,
    port: int,
    *,
    fast: bool,
    duration: float,
    count: int,
    staff: bool,
    display: Display | None,
) -> Progress:
    t0 = time.monotonic()
    last_show = 0.0
    progress = Progress(0.0, 0, 0, {}, pool.alive(), None)
    web = f"http://127.0.0.1:{port}" if server is not None else None
    while True:
        elapsed = time.monotonic() - t0
        if duration and elapsed >= duration:
            break
        now = datetime.now(UTC)
        room = count - sim.submitted if count else FAST_BATCH if fast else 2000
        if room > 0:
            horizon = now + timedelta(days=3650) if fast else now
            sim.feed(sim.due_incidents(horizon, limit=min(room, FAST_BATCH)), now)
        if staff:
            sim.staff_step(now)
        if display is not None and (time.monotonic() - last_show >= 0.5):
            last_show = time.monotonic()
            web_state = web if server is not None and server.poll() is None else None
            progress = Progress(elapsed, sim.submitted, sim.acted, count_by_status(ctx.store),
                                pool.alive(), web_state)  # fmt: skip
            display(progress)
        if count and sim.submitted >= count and (not duration or fast):
            break
        if not fast:
            time.sleep(TICK_S)
    return Progress(time.monotonic() - t0, sim.submitted, sim.acted,
                    count_by_status(ctx.store), pool.alive(), web)  # fmt: skip
