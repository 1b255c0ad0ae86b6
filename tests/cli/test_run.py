"""`gridops run`: refuses at once what cannot start (one line, exit 1); run for real, it serves
/readyz, its worker passes `gridops worker --check`, a SIGKILLed worker comes back, a SIGTERM
stops everything with status 0 and the embedded Redis it started is stopped too."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from conftest import free_port
from typer.testing import CliRunner

from gridops.cli import app
from gridops.errors import UserError
from gridops.queue.embedded import EmbeddedRedis
from gridops.settings import REPO_ROOT

CLI = [sys.executable, "-c", "from gridops.cli import main; main()"]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis_server: str):
    monkeypatch.setenv("GRIDOPS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GRIDOPS_REDIS_URL", redis_server)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args), catch_exceptions=True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--web", "--workers"), "--web and --workers each run one kind only"),
        (("--log-format", "xml"), "--log-format 'xml': use text or json"),
        (("--workers", "-n", "0"), "runs nothing"),
    ],
)
def test_options_that_run_nothing_are_refused(cli, args: tuple[str, ...], message: str) -> None:
    res = cli("run", *args)
    assert isinstance(res.exception, UserError) and message in str(res.exception)


def test_a_taken_port_stops_it_before_anything_starts(cli) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        res = cli("run", "--port", str(port))
    assert isinstance(res.exception, UserError)
    assert f"cannot listen on 127.0.0.1:{port}" in str(res.exception)
    assert "started" not in res.output


def test_an_unreachable_database_exits_1_in_one_line(tmp_path: Path) -> None:
    nowhere = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/x"
    env = dict(os.environ, GRIDOPS_DATA_DIR=str(tmp_path), GRIDOPS_DATABASE_URL=nowhere)
    done = subprocess.run([*CLI, "run"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.startswith("error: run: cannot start: the database at GRIDOPS_DATABASE_URL=")
    assert "Traceback" not in done.stderr and "started (pid" not in done.stdout


class Log:
    """`gridops run`'s JSON lines, read as they come."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[dict[str, object]] = []
        self.proc = proc
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(json.loads(line))

    def started(self, name: str) -> list[int]:
        """Pids of ``name`` in the order the supervisor started them."""
        found = []
        for line in list(self.lines):
            message = str(line["message"])
            if line["process"] == "run" and message.startswith(f"{name} started (pid "):
                found.append(int(message.rsplit(" ", 1)[1].rstrip(")")))
        return found

    def wait_for(self, predicate, what: str) -> None:  # noqa: ANN001
        end = time.monotonic() + 240  # a bound for a hung run, not a timing assertion
        while not predicate():
            assert self.proc.poll() is None, f"gridops run exited: {self.lines}"
            assert time.monotonic() < end, f"never happened: {what}: {self.lines}"
            time.sleep(0.1)


def ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


@pytest.mark.slow
def test_run_serves_restarts_a_killed_worker_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = dict(os.environ, GRIDOPS_DATA_DIR=str(tmp_path / "data"))
    env.pop("GRIDOPS_REDIS_URL", None)  # the embedded Redis: run starts it, and stops it
    port = free_port()
    proc = subprocess.Popen(
        [*CLI, "run", "-n", "1", "--port", str(port), "--log-format", "json", "--grace", "20"],
        env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    log = Log(proc)
    try:
        url = f"http://127.0.0.1:{port}"
        log.wait_for(lambda: ready(url), "/readyz answers 200")
        probe = [*CLI, "worker", "--check", "--expect", "1"]
        checks: list[str] = []

        def passes() -> bool:
            done = subprocess.run(probe, env=env, capture_output=True, text=True, timeout=120)
            checks.append(done.stdout)
            return done.returncode == 0

        log.wait_for(passes, "the worker passes its probe")
        first = log.started("worker-1")[0]
        assert f".{first}." in checks[-1]
        os.kill(first, signal.SIGKILL)
        log.wait_for(lambda: len(log.started("worker-1")) == 2, "worker-1 started again")
        second = log.started("worker-1")[1]
        log.wait_for(passes, "the new worker passes the probe")
        workers = checks[-1].split("workers", 1)[1]
        assert f".{second}." in workers  # the dead one may still be listed: 'process gone'
        assert f".{first}." not in workers or "process gone" in workers
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.reader.join(10)
        assert proc.stdout is not None
        proc.stdout.close()
    messages = [str(line["message"]) for line in log.lines if line["process"] == "run"]
    assert any(f"worker-1 (pid {first}) exited with signal 9" in m for m in messages)
    assert any(m.startswith("stopping 2 process(es) on SIGTERM") for m in messages)
    assert any(m == "worker-1 stopped (status 0)" for m in messages)
    assert messages[-1] == "embedded Redis: stopped (it was started by this command)"
    assert EmbeddedRedis(tmp_path / "data" / "redis").info() is None
    assert any(f"console at http://127.0.0.1:{port}/console" in m for m in messages)


def test_a_config_that_does_not_load_exits_1_before_any_child(tmp_path: Path) -> None:
    """The grid and configuration are loaded in a child of their own before anything starts
    (the supervisor never holds them), and what fails is told in one line."""
    empty = tmp_path / "config"
    empty.mkdir()
    env = dict(os.environ, GRIDOPS_DATA_DIR=str(tmp_path / "data"), GRIDOPS_CONFIG_DIR=str(empty))
    env.pop("GRIDOPS_REDIS_URL", None)
    done = subprocess.run([*CLI, "run"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2  # a mistake in the files: systemd waits for the operator
    assert done.stderr.startswith("error: run: cannot start: ") and str(empty) in done.stderr
    assert "Traceback" not in done.stderr and "started (pid" not in done.stdout
    assert len(done.stderr.strip().splitlines()) == 1
    assert "embedded Redis: stopped" in done.stdout  # what run started is stopped again
