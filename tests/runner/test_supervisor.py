"""The supervisor of `gridops run`, with real child processes: a killed child comes back with
a new pid, a child that cannot start makes it give up with status 1, a stop reaches each child
once and lets it finish, and every line a child writes is logged under its name."""

from __future__ import annotations

import io
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from gridops.runner.logs import LogSink
from gridops.runner.supervisor import Backoff, ChildSpec, Supervisor

FAST = Backoff(first=0.05, cap=0.2, give_up=3, stable_s=5.0)


def py(name: str, code: str) -> ChildSpec:
    return ChildSpec(name, [sys.executable, "-c", code], dict(os.environ, PYTHONUNBUFFERED="1"))


def sleeper(name: str) -> ChildSpec:
    return py(name, "import time\nprint('up', flush=True)\ntime.sleep(120)")


class Run:
    """A supervisor in a thread, its JSON log parsed."""

    def __init__(self, specs: list[ChildSpec], **options: object) -> None:
        self.out = io.StringIO()
        self.sup = Supervisor(specs, LogSink("json", self.out), poll_s=0.02, **options)  # type: ignore[arg-type]
        self.status: int | None = None
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self) -> None:
        self.status = self.sup.run()

    def lines(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.out.getvalue().splitlines()]

    def wait_for(self, predicate, what: str, limit: float = 60.0) -> None:  # noqa: ANN001
        end = time.monotonic() + limit  # a bound for a hung test, not a timing assertion
        while not predicate():
            assert time.monotonic() < end, f"never happened: {what}\n{self.out.getvalue()}"
            time.sleep(0.02)

    def pid(self, name: str) -> int | None:
        child = next(c for c in self.sup.children if c.spec.name == name)
        return None if child.proc is None else child.proc.pid

    def said(self, name: str, pid: int | None) -> bool:
        return any(line["process"] == name and line["pid"] == pid and line["message"] == "up"
                   for line in self.lines())  # fmt: skip

    def stop(self) -> int | None:
        self.sup.request_stop()
        self.thread.join(60)
        assert not self.thread.is_alive()
        return self.status


def test_backoff_doubles_to_its_cap_and_checks_its_values() -> None:
    b = Backoff(first=0.5, cap=4.0)
    assert [b.delay(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    with pytest.raises(ValueError, match="bad values"):
        Backoff(first=5.0, cap=1.0)
    with pytest.raises(ValueError, match="unique"):
        Supervisor([sleeper("a"), sleeper("a")], LogSink("text", io.StringIO()))


def test_a_killed_child_is_restarted_and_a_stop_reaps_every_child() -> None:
    run = Run([sleeper("web"), sleeper("worker-1")], backoff=FAST)
    run.wait_for(lambda: run.said("worker-1", run.pid("worker-1")), "worker-1 is up")
    first = run.pid("worker-1")
    assert first is not None
    os.kill(first, signal.SIGKILL)
    run.wait_for(lambda: run.pid("worker-1") not in (None, first), "worker-1 restarted")
    second = run.pid("worker-1")
    run.wait_for(lambda: run.said("worker-1", second), "the new worker-1 is up")
    assert run.stop() == 0
    events = [str(line["message"]) for line in run.lines() if line["process"] == "run"]
    assert any(f"worker-1 (pid {first}) exited with signal 9" in e and "restarting" in e
               for e in events)  # fmt: skip
    assert any("web stopped" in e for e in events) and any("worker-1 stopped" in e for e in events)
    outputs = [line for line in run.lines() if line["level"] == "output"]
    assert {(o["process"], o["pid"], o["message"]) for o in outputs} >= {
        ("worker-1", first, "up"),
        ("worker-1", second, "up"),
    }
    for pid in (first, second):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # reaped, not a zombie


def test_a_child_that_cannot_start_makes_it_give_up_with_status_1() -> None:
    failing = py("web", "import sys\nprint('port 8311 is taken', flush=True)\nsys.exit(3)")
    run = Run([failing, sleeper("worker-1")], backoff=FAST)
    run.thread.join(60)
    assert run.status == 1
    events = [str(line["message"]) for line in run.lines() if line["process"] == "run"]
    assert sum("web started" in e for e in events) == 3
    assert any("exited with status 3" in e and "giving up" in e for e in events)
    assert any("worker-1 stopped" in e for e in events)  # the others are stopped, not left


def test_a_stop_is_sent_once_and_the_child_finishes_its_batch(tmp_path: Path) -> None:
    """The child counts the SIGTERMs it gets and finishes its work after the first one; a
    second one (as a worker would take for 'abandon the batch') never comes."""
    code = f"""
import signal, sys, time
got = []
signal.signal(signal.SIGTERM, lambda s, f: got.append(s))
print("batch started", flush=True)
while not got:
    time.sleep(0.01)
time.sleep(0.3)  # the rest of the batch
open({str(tmp_path / "done")!r}, "w").write(str(len(got)))
print("batch finished", flush=True)
"""
    run = Run([py("worker-1", code)], backoff=FAST, grace=30.0)
    run.wait_for(lambda: "batch started" in run.out.getvalue(), "the batch started")
    assert run.stop() == 0
    assert (tmp_path / "done").read_text() == "1"
    assert "batch finished" in run.out.getvalue()
    assert any("worker-1 stopped (status 0)" in str(line["message"]) for line in run.lines())


def test_a_child_that_ignores_the_stop_is_killed_after_the_grace() -> None:
    stubborn = py(
        "worker-1",
        "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "print('up', flush=True)\ntime.sleep(120)",
    )
    run = Run([stubborn], backoff=FAST, grace=0.5)
    run.wait_for(lambda: "up" in run.out.getvalue(), "the child started")
    assert run.stop() == 0
    assert any("worker-1 stopped (status -9)" in str(line["message"]) for line in run.lines())


def test_text_lines_name_the_process() -> None:
    out = io.StringIO()
    sink = LogSink("text", out)
    sink.event("web started (pid 7)")
    sink.line("worker-1", 8, "WARNING:rq:oops")
    sink.event("giving up", level="error")
    first, second, third = out.getvalue().splitlines()
    assert first.endswith(" run       web started (pid 7)")
    assert second.endswith(" worker-1  WARNING:rq:oops")
    assert third.endswith(" run       ERROR: giving up")
    with pytest.raises(ValueError, match="text, json"):
        LogSink("xml")
