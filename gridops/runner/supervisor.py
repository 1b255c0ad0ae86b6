"""One supervisor for the processes of a host (进程守护): ``gridops run``.

Starts every child, restarts one that exits with a growing pause (:class:`Backoff`), and on
SIGTERM or SIGINT asks each child once to stop (an RQ worker finishes the batch it holds; the
web server ends its open responses) and waits for them; a child that keeps dying right after
its start makes the supervisor give up and exit 1, so that systemd (or an operator) sees it.

Children run in their own process group, so a Ctrl-C in the terminal reaches them once, from
the supervisor (a second SIGINT/SIGTERM makes an RQ worker abandon its batch). Their output
(stdout and stderr) is read line by line and written by :class:`gridops.runner.logs.LogSink`.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO

from gridops.runner.logs import LogSink

#: A child that ran at least this long before exiting starts its backoff over.
STABLE_S = 30.0


@dataclass(frozen=True)
class ChildSpec:
    """How to start one child: its name in the logs, its command and environment."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str]


@dataclass(frozen=True)
class Backoff:
    """Pause before the n-th restart in a row: ``first`` × 2^(n-1), at most ``cap``; after
    ``give_up`` quick failures in a row (each ran less than ``stable_s``) the supervisor stops."""

    first: float = 0.5
    cap: float = 30.0
    give_up: int = 5
    stable_s: float = STABLE_S

    def __post_init__(self) -> None:
        if not (0 <= self.first <= self.cap and self.give_up >= 1 and self.stable_s > 0):
            raise ValueError(f"Backoff: bad values {self}")

    def delay(self, failures: int) -> float:
        """Seconds to wait before restarting after ``failures`` quick failures in a row."""
        return float(min(self.cap, self.first * 2 ** max(0, failures - 1)))


@dataclass
class _Child:
    spec: ChildSpec
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    failures: int = 0  # quick exits in a row
    restart_at: float | None = None
    restarts: int = 0
    reader: threading.Thread | None = field(default=None, repr=False)


class Supervisor:
    """Run ``specs`` until a stop signal (returns 0) or a child that cannot start (returns 1)."""

    def __init__(
        self,
        specs: Sequence[ChildSpec],
        sink: LogSink,
        *,
        backoff: Backoff | None = None,
        grace: float = 30.0,
        poll_s: float = 0.2,
    ) -> None:
        names = [s.name for s in specs]
        if not specs or len(set(names)) != len(names):
            raise ValueError(f"Supervisor: child names must be given and unique: {names}")
        self.children = [_Child(s) for s in specs]
        self.sink = sink
        self.backoff = backoff or Backoff()
        self.grace = grace
        self.poll_s = poll_s
        self._stop = threading.Event()
        self.stop_signal: int | None = None

    # -- signals ----------------------------------------------------------------------------
    def request_stop(self, signum: int = signal.SIGTERM) -> None:
        """Ask the supervisor to stop its children and return (safe from a signal handler)."""
        self.stop_signal = signum
        self._stop.set()

    def _install_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda signum, frame: self.request_stop(signum))

    # -- the loop ---------------------------------------------------------------------------
    def run(self) -> int:
        """Start every child, keep them running, stop them; returns the exit status."""
        self._install_handlers()
        status = 0
        try:
            for child in self.children:
                self._start(child)
            while not self._stop.wait(self.poll_s):
                if not self._watch():
                    status = 1
                    break
        finally:
            self._stop_children()
        return status

    def _watch(self) -> bool:
        """Restart what exited when its pause is over; False once one failed too often."""
        now = time.monotonic()
        for child in self.children:
            exited = child.proc is not None and child.proc.poll() is not None
            if exited and not self._exited(child, now):
                return False
            if child.restart_at is not None and now >= child.restart_at and not self._stop.is_set():
                child.restart_at = None
                child.restarts += 1
                self._start(child)
        return True

    def _exited(self, child: _Child, now: float) -> bool:
        assert child.proc is not None
        code, pid = child.proc.returncode, child.proc.pid
        ran = now - child.started_at
        self._reap(child)
        child.failures = child.failures + 1 if ran < self.backoff.stable_s else 1
        how = f"signal {-code}" if code < 0 else f"status {code}"
        if child.failures >= self.backoff.give_up:
            self.sink.event(
                f"{child.spec.name} (pid {pid}) exited with {how} after {ran:.1f} s, "
                f"{child.failures} times in a row within {self.backoff.stable_s:g} s of its "
                "start: giving up; its last lines above say why",
                level="error",
            )
            return False
        pause = self.backoff.delay(child.failures)
        child.restart_at = now + pause
        self.sink.event(
            f"{child.spec.name} (pid {pid}) exited with {how} after {ran:.1f} s; "
            f"restarting it in {pause:g} s",
            level="warning",
        )
        return True

    def _start(self, child: _Child) -> None:
        proc = subprocess.Popen(
            list(child.spec.argv),
            env=dict(child.spec.env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            process_group=0,  # the terminal's Ctrl-C reaches it through us, once
        )
        child.proc, child.started_at = proc, time.monotonic()
        assert proc.stdout is not None
        child.reader = threading.Thread(
            target=self._pump, args=(child.spec.name, proc.pid, proc.stdout), daemon=True
        )
        child.reader.start()
        self.sink.event(f"{child.spec.name} started (pid {proc.pid})")

    def _pump(self, name: str, pid: int, stream: IO[bytes]) -> None:
        with stream:
            for raw in stream:
                self.sink.line(name, pid, raw.decode("utf-8", "replace").rstrip("\r\n"))

    def _reap(self, child: _Child) -> None:
        if child.reader is not None:
            child.reader.join(timeout=5)
        child.proc = None
        child.reader = None

    def _stop_children(self) -> None:
        running = [c.proc for c in self.children if c.proc is not None and c.proc.poll() is None]
        if running:
            why = signal.Signals(self.stop_signal).name if self.stop_signal else "a failure"
            self.sink.event(
                f"stopping {len(running)} process(es) on {why}: each finishes what it holds "
                f"(up to {self.grace:g} s)"
            )
        stop_all(running, grace=self.grace)
        for child in self.children:
            if child.proc is not None:
                code = child.proc.returncode
                self._reap(child)
                self.sink.event(f"{child.spec.name} stopped (status {code})")


def stop_all(procs: list[subprocess.Popen[bytes]], *, grace: float) -> None:
    """SIGTERM each (once: a second makes an RQ worker drop its batch), wait up to ``grace``
    seconds in all, SIGKILL what is left; reap all. Unlike :func:`gridops.processes.stop_all`
    it never reads their pipes (the supervisor's readers do)."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for proc in procs:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
