"""Stopping child processes so that none outlives its starter (进程回收).

Every process gridops, its tests or its benchmarks start is stopped through :func:`stop`:
asked politely, killed when it does not go in time, and always reaped — a child left unreaped
is a zombie, and Python warns ``subprocess … is still running`` about it.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import AnyStr

#: How long a child gets to finish after SIGTERM before it is killed.
GRACE_S = 10.0


def stop(
    proc: subprocess.Popen[AnyStr], *, grace: float = GRACE_S, sig: int | None = signal.SIGTERM
) -> tuple[AnyStr | None, AnyStr | None]:
    """Send ``sig`` (if still running; None: it was sent already), wait up to ``grace`` s, then
    SIGKILL; always reap.

    Returns what was left on the child's stdout and stderr pipes (None where not piped)."""
    if sig is not None and proc.poll() is None:
        proc.send_signal(sig)
    try:
        return proc.communicate(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()


def stop_all(procs: list[subprocess.Popen[AnyStr]], *, grace: float = GRACE_S) -> None:
    """:func:`stop` several children at once: all are signalled (once: a second SIGTERM makes
    an RQ worker abandon its batch) before any is waited for."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        stop(proc, grace=grace, sig=None)


@contextmanager
def reaped(
    proc: subprocess.Popen[AnyStr], *, grace: float = GRACE_S
) -> Iterator[subprocess.Popen[AnyStr]]:
    """``proc`` stopped and reaped when the block ends, however it ends (an error, a timeout,
    Ctrl-C)."""
    try:
        yield proc
    finally:
        stop(proc, grace=grace)
