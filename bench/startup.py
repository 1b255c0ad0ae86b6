"""Start-up at city scale: how soon a web server answers, what memory it holds of its own, and
how long ``gridops config check`` takes (proving, and again on the same content: the kept
report, gridops.services.check_cache) — with the grid's pack and the proof's verdict in the
data dir (gridops.services.grid_cache, gridops.services.proof_cache) against the same run's
baseline, the cold build (an empty cache: the grid read from its files, the pack written, the
configuration proved).

Memory is read from /proc/PID/smaps_rollup while two servers run side by side on the same
data dir: USS (Private_Clean + Private_Dirty: what the process alone holds) and PSS (each page
shared by n processes counted 1/n, so the pack's pages and the libraries count once). The
baseline's figures are those of the server that made the cache, alone.

Full: the ~120k-cell bench grid (generated under the data dir on first use, as bench/locate.py
makes it). Quick: the shipped Pudong sample.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from gridops.benchmarking import BenchResult, Figure, bench_module
from gridops.settings import DEFAULT_GRID

GRIDOPS = [sys.executable, "-c", "from gridops.cli import main; main()"]
ANSWER_WITHIN_S = 1800.0  # give up (a broken start) after this long


def _env(grid: Path, data: Path) -> dict[str, str]:
    env = dict(os.environ, GRIDOPS_GRID=str(grid), GRIDOPS_DATA_DIR=str(data))
    for name in ("GRIDOPS_CONFIG_DIR", "GRIDOPS_DATABASE_URL"):
        env.pop(name, None)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _memory(pid: int) -> tuple[float, float]:
    """(USS, PSS) of ``pid`` in MB."""
    kb: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].endswith(":") and parts[1].isdigit():
            kb[parts[0][:-1]] = int(parts[1])
    return (kb["Private_Clean"] + kb["Private_Dirty"]) / 1024, kb["Pss"] / 1024


class Server:
    """``gridops serve`` on a free port; :meth:`answered` waits for its first answer."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.started = time.perf_counter()
        command = [*GRIDOPS, "serve", "--port", str(self.port)]
        quiet = subprocess.DEVNULL
        self.proc = subprocess.Popen(command, env=env, stdout=quiet, stderr=quiet)

    def answered(self) -> float:
        """Seconds from start to the first answer of /healthz."""
        url = f"http://127.0.0.1:{self.port}/healthz"
        while time.perf_counter() - self.started < ANSWER_WITHIN_S:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gridops serve exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(url, timeout=2) as answer:
                    if answer.status == 200:
                        return time.perf_counter() - self.started
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"gridops serve did not answer within {ANSWER_WITHIN_S:.0f} s")

    def settled_memory(self) -> tuple[float, float]:
        time.sleep(2.0)  # the map's and the address book's background builds
        return _memory(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _config_check(env: dict[str, str], *extra: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([*GRIDOPS, "config", "check", "--json", *extra], env=env,
                   capture_output=True, check=False, timeout=ANSWER_WITHIN_S)  # fmt: skip
    return time.perf_counter() - t0


def run(quick: bool = False) -> BenchResult:
    result = BenchResult("startup")
    grid = DEFAULT_GRID if quick else bench_module("locate").bench_grid()
    label = "sample grid" if quick else "120k-cell bench grid"
    with tempfile.TemporaryDirectory(prefix="gridops-startup-") as tmp:
        data = Path(tmp) / "data"
        env = _env(grid, data)
        shutil.rmtree(data / "cache", ignore_errors=True)
        check_cold = _config_check(env)  # reads the files, writes the grid's pack
        shutil.rmtree(data / "cache", ignore_errors=True)
        first = Server(env)  # the cold build: pack and proof made by this process
        try:
            cold_s = first.answered()
            cold_uss, cold_pss = first.settled_memory()
        finally:
            first.stop()
        check_warm = _config_check(env, "--fresh")  # the whole proof, the grid's pack made
        check_kept = _config_check(env)  # the same content again: the kept report
        alone = Server(env)  # one process on its own: the "a process answers"
        try:
            alone_s = alone.answered()
        finally:
            alone.stop()
            subprocess.run([*GRIDOPS, "redis", "stop"], env=env, capture_output=True,
                           check=False, timeout=60)  # fmt: skip
        a, b = Server(env), Server(env)
        try:
            warm_s = max(a.answered(), b.answered())
            (uss_a, pss_a), (uss_b, pss_b) = a.settled_memory(), b.settled_memory()
        finally:
            a.stop()
            b.stop()
            # two servers stopped together each leave the embedded Redis to the other
            subprocess.run([*GRIDOPS, "redis", "stop"], env=env, capture_output=True,
                           check=False, timeout=60)  # fmt: skip
    note = f"{label}; gridops serve until /healthz answers"
    result.add(Figure(f"start to the first answer, one server ({label})", alone_s, "s", cold_s,
                      lower_is_better=True,
                      note=f"{note}; one process alone (its embedded Redis started by it); "
                           "baseline: the cold build (empty cache)"))  # fmt: skip
    result.add(Figure(f"start to the first answer, two at once ({label})", warm_s, "s", cold_s,
                      lower_is_better=True,
                      note=f"{note}; the later of two started together; baseline: the cold "
                           "build (empty cache)"))  # fmt: skip
    result.add(Figure(f"USS of a server ({label})", max(uss_a, uss_b), "MB", cold_uss,
                      lower_is_better=True,
                      note="Private_Clean + Private_Dirty, the larger of two side by side; "
                           "baseline: the cold-build server alone"))  # fmt: skip
    result.add(Figure(f"PSS of a server ({label})", max(pss_a, pss_b), "MB", cold_pss,
                      lower_is_better=True,
                      note="shared pages counted 1/n; two side by side; baseline: the "
                           "cold-build server alone"))  # fmt: skip
    result.add(Figure(f"gridops config check --fresh ({label})", check_warm, "s", check_cold,
                      lower_is_better=True,
                      note="the whole proof runs both times; baseline: no pack yet"))  # fmt: skip
    result.add(Figure(f"gridops config check, same content again ({label})", check_kept, "s",
                      check_cold, lower_is_better=True,
                      note="the report kept for this content; baseline: no pack yet, the "
                           "whole proof"))  # fmt: skip
    return result
