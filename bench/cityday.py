"""A city's day (一天的 12345): Beijing's 12345 hotline volume (~70,000 reports a day) with its
daily curve and a peak hour at 3× the day's mean, compressed into ``--minutes`` (default 20),
POSTed through Open311 to ``gridops run`` (the web server and 2 workers under its supervisor)
on PostgreSQL, while 5 console readers poll their pages and the sweeper, notify and rollups
run on the same workers.

Baseline, in the same run and on the same processes, first: the same city at 1× — the reports
of its peak hour at their real pace (~2.4 a second for 70,000 a day) for ``BASE_S`` seconds.

Figures (each compressed-day value beside the 1× one):

- report → routed, p50 and p99: from just before the POST is sent until a reader sees the
  ticket routed (dispatched, sent to verification 核实, or merged as a duplicate), polled every
  20 ms on a connection of its own;
- console page p95: the 5 readers (3 dispatcher desks, the supervisor's desk and the wall
  大屏), each loading its page once a second;
- routed when the last report was in: the share of the phase's tickets already routed when
  its last POST was answered (100 %: no backlog), and how long the rest took;
- CPU per ticket: the CPU time of ``gridops run``'s processes, of the PostgreSQL backends of
  its database and of Redis over the phase, per report.

Needs ``GRIDOPS_BENCH_PG_URL`` (a PostgreSQL server where a scratch database is made and
dropped). Run: ``gridops bench cityday --json [--minutes M] [--volume N]``; ``--quick``: 2,000
reports in 2 minutes. Left out of ``gridops bench all`` (20 minutes and more at full size).
"""

from __future__ import annotations

import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from gridops.benchmarking import BenchResult, Figure, bench_module
from gridops.settings import REPO_ROOT

h = bench_module("_harness")
probes = bench_module("_cityday_probes")

IN_ALL = False  # gridops bench all leaves it out: 20 minutes and more at full size
DAY_VOLUME = 70_000
#: a city hotline's day by hour (relative): quiet nights, a morning peak, a second one after
#: lunch, a long evening tail; the busiest hour is set to 3× the day's mean (:func:`curve`)
SHAPE = (0.35, 0.2, 0.15, 0.12, 0.12, 0.2, 0.45, 1.0, 2.2, 0.0, 2.8, 2.2,
         1.3, 1.6, 2.3, 2.2, 1.8, 1.3, 0.9, 0.8, 0.7, 0.55, 0.45, 0.35)  # fmt: skip
PEAK_HOUR = 9
PEAK = 3.0
BASE_S = 120.0
SENDERS = 48
OPEN311 = "/open311/v2/requests.json"
UNLIMITED = "100000000"
CLI = [sys.executable, "-c", "from gridops.cli import main; main()"]


def curve() -> list[float]:
    """Each hour's share of the day's reports (sums to 1); the peak hour holds PEAK / 24."""
    rest = sum(w for i, w in enumerate(SHAPE) if i != PEAK_HOUR)
    peak = PEAK * rest / (24 - PEAK)  # peak / (rest + peak) == PEAK / 24
    weights = [peak if i == PEAK_HOUR else w for i, w in enumerate(SHAPE)]
    total = sum(weights)
    return [w / total for w in weights]


def day_schedule(volume: int, seconds: float, rnd: random.Random) -> list[float]:
    """Send times (s from the start) of a day's ``volume`` reports compressed into
    ``seconds``, hour by hour along :func:`curve`."""
    hour = seconds / 24
    times = []
    for i, share in enumerate(curve()):
        times += [(i + rnd.random()) * hour for _ in range(round(volume * share))]
    return sorted(times)


def real_pace_schedule(volume: int, seconds: float, rnd: random.Random) -> list[float]:
    """The peak hour's reports at their real pace (1×) for ``seconds``."""
    rate = volume * curve()[PEAK_HOUR] / 3600
    return sorted(rnd.random() * seconds for _ in range(max(1, round(rate * seconds))))


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p * (len(s) - 1))))] if s else float("nan")


# --- the city: gridops run on a scratch PostgreSQL database ----------------------------------


@dataclass
class City:
    """``gridops run`` (web + 2 workers) with its URL, key, readers' tokens and processes."""

    url: str
    db_url: str
    key: str
    tokens: dict[str, str]
    proc: subprocess.Popen[bytes]
    redis_pid: int
    forms: list[dict[str, str]] = field(default_factory=list)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def city(tmp: Path) -> Iterator[City]:
    from gridops.queue.embedded import EmbeddedRedis
    from gridops.settings import load_settings
    from gridops.store import open_store
    from gridops.store.accounts import Accounts
    from gridops.web.auth import create_api_key, create_user

    data = tmp / "city"
    redis = EmbeddedRedis(data / "redis")
    info, _ = redis.start()
    try:
        with h.scratch_database("cityday") as db_url:
            if not db_url:
                raise RuntimeError(f"cityday runs on PostgreSQL: set {h.PG_ENV}")
            env = dict(os.environ, GRIDOPS_DATA_DIR=str(data), GRIDOPS_DATABASE_URL=db_url,
                       GRIDOPS_REDIS_URL=info.url, PYTHONPATH=str(REPO_ROOT))  # fmt: skip
            # one hotline server sends it all: over the default per-address limit at the peak
            env |= {"GRIDOPS_OPEN311_PER_KEY": UNLIMITED, "GRIDOPS_OPEN311_PER_ADDRESS": UNLIMITED}
            settings = load_settings(env)
            store = open_store(settings.database_url, timezone=settings.timezone)
            now = datetime.now(UTC)
            accounts = Accounts(store.engine)
            _, key = create_api_key(accounts, "hotline-12345", now=now)
            tokens = {}
            for role in ("dispatcher", "supervisor"):
                _, tokens[role] = create_user(accounts, f"bench-{role}", name=role, role=role,
                                              units=["all"], now=now)  # fmt: skip
            store.close()
            port = _free_port()
            log = (tmp / "run.log").open("wb")
            proc = subprocess.Popen(
                [*CLI, "run", "--port", str(port), "-n", "2", "--log-level", "warning"],
                env=env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            try:
                url = f"http://127.0.0.1:{port}"
                _wait_ready(url, proc, tmp / "run.log")
                yield City(url, db_url, key, tokens, proc, info.pid, _forms(env, url, key))
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                log.close()
    finally:
        redis.stop()


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gridops run exited with {proc.returncode}: {log.read_text()}")
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"gridops run was not ready in 180 s: {log.read_text()[-2000:]}")


def _forms(env: dict[str, str], url: str, key: str) -> list[dict[str, str]]:
    """Reports at points spread over the grid's unit cells, in every category Open311 offers."""
    from gridops.grids import load_grid
    from gridops.grids.crs import WGS84, to_grid_crs
    from gridops.settings import load_settings

    services = httpx.get(url + "/open311/v2/services.json", timeout=30).json()
    codes = sorted(s["service_code"] for s in services)
    grid = load_grid(load_settings(env).grid_path)
    rnd = random.Random(7)
    forms = []
    for i, cell in enumerate(grid.cells_at(3)):
        p = cell.geometry.representative_point()
        lon, lat = to_grid_crs(float(p.x), float(p.y), grid.crs, WGS84)
        forms.append({"api_key": key, "service_code": rnd.choice(codes), "lat": f"{lat:.7f}",
                      "long": f"{lon:.7f}", "description": f"12345 热线转办 #{i}",
                      "phone": "13800000000"})  # fmt: skip
    rnd.shuffle(forms)
    return forms


# --- one phase: reports sent on schedule while the probes watch ------------------------------


@dataclass
class Phase:
    """What one phase measured."""

    sent: int = 0
    failed: int = 0
    latencies: list[float] = field(default_factory=list)
    pages: list[float] = field(default_factory=list)
    routed_at_end: float = 0.0
    drain_s: float = 0.0
    cpu_s: float = 0.0
    lag_p99_s: float = 0.0
    peak_rate: float = 0.0
    errors: list[str] = field(default_factory=list)


class Senders:
    """SENDERS threads with a keep-alive client each, POSTing report i at ``t0 + at`` (open
    loop: a slow answer does not delay the next send)."""

    def __init__(self, c: City, first_form: int, observer: Any, out: Phase) -> None:
        self.c, self.first_form, self.observer, self.out = c, first_form, observer, out
        self.jobs: queue.Queue[tuple[int, float] | None] = queue.Queue()
        self.lags: list[float] = []
        self.per_second: dict[int, int] = {}
        self.lock = threading.Lock()
        self.t0 = 0.0

    def run(self, schedule: list[float]) -> None:
        self.t0 = time.perf_counter() + 1.0
        for job in enumerate(schedule):
            self.jobs.put(job)
        threads = [threading.Thread(target=self._send, daemon=True) for _ in range(SENDERS)]
        for t in threads:
            self.jobs.put(None)
            t.start()
        for t in threads:
            t.join()

    def _send(self) -> None:
        with httpx.Client(base_url=self.c.url, timeout=60) as client:
            while (job := self.jobs.get()) is not None:
                i, at = job
                delay = self.t0 + at - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                sent = time.perf_counter()
                form = self.c.forms[(self.first_form + i) % len(self.c.forms)]
                answer, error = None, ""
                try:
                    r = client.post(OPEN311, data=form)
                    if r.status_code in (200, 201):
                        answer = r.json()[0]["service_request_id"]
                    else:
                        error = f"{r.status_code}: {r.text[:200]}"
                except httpx.HTTPError as exc:
                    error = repr(exc)
                with self.lock:
                    self.lags.append(sent - (self.t0 + at))
                    second = int(sent - self.t0)
                    self.per_second[second] = self.per_second.get(second, 0) + 1
                    if answer is not None:
                        self.observer.add(answer, sent)
                    else:
                        self.out.failed += 1
                        if len(self.out.errors) < 5:
                            self.out.errors.append(error)

    def peak_rate(self, window: int = 10) -> float:
        """The most reports sent in ``window`` seconds, per second."""
        last = max(self.per_second, default=-1) + 1
        return max(
            (sum(self.per_second.get(s, 0) for s in range(k, k + window)) / window
             for k in range(max(1, last - window + 1))), default=0.0,
        )  # fmt: skip


def phase(c: City, schedule: list[float], first_form: int) -> Phase:
    """Send ``schedule`` while the observer, the readers and the CPU meter run."""
    out = Phase(sent=len(schedule))
    observer = probes.Observer(c.db_url)
    readers = probes.Readers(c.url, c.tokens)
    meter = probes.CpuMeter(c.proc.pid, c.db_url, (c.redis_pid,))
    senders = Senders(c, first_form, observer, out)
    for t in (observer, meter, readers):
        t.start()
    senders.run(schedule)
    done = time.perf_counter()
    waiting = observer.waiting()
    accepted = out.sent - out.failed
    out.routed_at_end = 1 - waiting / accepted if accepted else 0.0
    deadline = time.monotonic() + 600
    while observer.waiting() and time.monotonic() < deadline:
        time.sleep(0.05)
    out.drain_s = time.perf_counter() - done if waiting else 0.0
    meter.stop.set()
    meter.join()
    readers.finish()
    observer.stop.set()
    observer.join()
    out.cpu_s = meter.seconds()
    out.latencies = list(observer.latency.values())
    out.pages = readers.times
    out.errors += readers.errors[:5]
    out.lag_p99_s = pct(senders.lags, 0.99)
    out.peak_rate = senders.peak_rate()
    return out


def run(
    quick: bool = False, minutes: float | None = None, volume: int | None = None
) -> BenchResult:
    minutes = minutes if minutes is not None else (2.0 if quick else 20.0)
    volume = volume if volume is not None else (2_000 if quick else DAY_VOLUME)
    base_s = 30.0 if quick else BASE_S
    rnd = random.Random(12345)
    tmp = Path(tempfile.mkdtemp(prefix="gridops-bench-cityday-"))
    try:
        with city(tmp) as c:
            base_schedule = real_pace_schedule(volume, base_s, rnd)
            base = phase(c, base_schedule, 0)
            day = phase(c, day_schedule(volume, minutes * 60, rnd), len(base_schedule))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for name, p in (("1×", base), ("day", day)):
        if p.failed or p.errors:
            print(f"cityday {name}: {p.failed} reports refused; {p.errors[:5]}", file=sys.stderr)
    return figures(volume, minutes, base_s, base, day)


def figures(volume: int, minutes: float, base_s: float, base: Phase, day: Phase) -> BenchResult:
    """The compressed day's figures, each beside the 1× phase's."""
    result = BenchResult("cityday")
    where = (
        f"{volume:,} reports in {minutes:g} min ({1440 / minutes:.0f}× real time; peak hour "
        f"{PEAK:g}× the mean) vs the peak hour at 1× for {base_s:g} s; Open311 → gridops run "
        "(web + 2 workers), PostgreSQL, 5 console readers"
    )
    add = result.add
    add(Figure("reports/s sent at the peak (10 s)", day.peak_rate, "reports/s", base.peak_rate,
               note=where))  # fmt: skip
    for p, name in ((0.5, "report → routed p50"), (0.99, "report → routed p99")):
        value, baseline = pct(day.latencies, p) * 1000, pct(base.latencies, p) * 1000
        seen = "POST sent → seen routed (dispatched, to verification, or merged)"
        add(Figure(name, value, "ms", baseline, lower_is_better=True, note=seen))
    pages = pct(day.pages, 0.95) * 1000, "ms", pct(base.pages, 0.95) * 1000
    add(Figure("console page p95", *pages, lower_is_better=True,
               note=f"{len(probes.READERS)} readers, a page a second each"))  # fmt: skip
    drained = f"the rest routed within {day.drain_s:.1f} s (1×: {base.drain_s:.1f} s)"
    add(Figure("routed when the last report was in", day.routed_at_end * 100, "%",
               base.routed_at_end * 100, note=drained))  # fmt: skip
    per = day.cpu_s / max(1, day.sent) * 1000, "ms", base.cpu_s / max(1, base.sent) * 1000
    add(Figure("CPU per report", *per, lower_is_better=True,
               note="gridops run's processes, its PostgreSQL backends and Redis"))  # fmt: skip
    lags = day.lag_p99_s * 1000, "ms", base.lag_p99_s * 1000
    add(Figure("send lag p99", *lags, lower_is_better=True,
               note="how late the load generator sent, against its plan"))  # fmt: skip
    return result
