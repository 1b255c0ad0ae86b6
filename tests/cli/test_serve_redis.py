"""`gridops serve` says where the console is, and on SIGTERM stops the embedded Redis it
started (it used to outlive it) — unless a worker started apart is still connected."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import free_port
from redis import Redis

from gridops.queue.embedded import EmbeddedRedis
from gridops.settings import REPO_ROOT

CLI = [sys.executable, "-c", "from gridops.cli import main; main()"]


def serve_until_up(env: dict[str, str], port: int) -> subprocess.Popen[str]:
    server = subprocess.Popen([*CLI, "serve", "--port", str(port)], env=env, cwd=REPO_ROOT,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    end = time.monotonic() + 240  # a bound for a hung start, not a timing assertion
    while True:
        assert server.poll() is None, "gridops serve exited at startup"
        assert time.monotonic() < end, "gridops serve never answered"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)


@pytest.mark.slow
def test_serve_stops_the_redis_it_started_unless_shared(tmp_path: Path) -> None:
    env = dict(os.environ, GRIDOPS_DATA_DIR=str(tmp_path))
    env.pop("GRIDOPS_REDIS_URL", None)
    embedded = EmbeddedRedis(tmp_path / "redis")
    port = free_port()

    server = serve_until_up(env, port)
    info = embedded.info()
    assert info is not None
    other = Redis.from_url(info.url)  # a worker started apart
    other.ping()
    server.send_signal(signal.SIGTERM)
    out, _ = server.communicate(timeout=120)
    assert server.returncode == 0
    assert f"serving on http://127.0.0.1:{port} — the console at /console" in out
    assert "embedded Redis: left running for the 1 other connection(s)" in out
    assert embedded.info() is not None
    other.close()
    embedded.stop()

    server = serve_until_up(env, port)  # it starts the Redis again, and nobody else uses it
    server.send_signal(signal.SIGTERM)
    out, _ = server.communicate(timeout=120)
    assert server.returncode == 0
    assert "embedded Redis: stopped (it was started by this command)" in out
    assert embedded.info() is None
