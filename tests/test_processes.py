"""Children are always reaped: one that ignores SIGTERM is killed, a pipe is drained."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gridops.processes import reaped, stop, stop_all

STUBBORN = (
    "import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
    "print('ready', flush=True); time.sleep(600)"
)


def _stubborn() -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def test_a_child_that_ignores_sigterm_is_killed_and_reaped() -> None:
    proc = _stubborn()
    stop(proc, grace=0.2)
    assert proc.returncode == -9  # SIGKILL, and reaped: returncode is known


POLITE = (
    "import signal, sys, time;"
    "signal.signal(signal.SIGTERM, lambda *_: (print('bye', flush=True), sys.exit(0)));"
    "print('ready', flush=True); time.sleep(600)"
)


def test_a_polite_child_stops_and_returns_what_it_printed() -> None:
    proc = subprocess.Popen([sys.executable, "-c", POLITE], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    out, err = stop(proc)
    assert (out, err, proc.returncode) == ("bye\n", None, 0)


def test_reaped_stops_the_child_when_the_block_fails() -> None:
    with pytest.raises(RuntimeError), reaped(_stubborn(), grace=0.2) as proc:
        raise RuntimeError("the test failed")
    assert proc.returncode == -9


def test_stop_all_reaps_every_child() -> None:
    procs = [_stubborn(), _stubborn()]
    stop_all(procs, grace=0.2)
    assert [p.returncode for p in procs] == [-9, -9]
