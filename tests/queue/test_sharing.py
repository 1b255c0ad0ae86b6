"""The rule for an embedded Redis a command started: stopped when that command stops, unless
other processes are still connected to it (then it stays up for them)."""

from __future__ import annotations

from pathlib import Path

from redis import Redis

from gridops.queue.connect import release_embedded
from gridops.queue.embedded import EmbeddedRedis
from gridops.settings import load_settings


def test_a_shared_server_stays_up_and_an_unused_one_stops(tmp_path: Path) -> None:
    settings = load_settings({"GRIDOPS_DATA_DIR": str(tmp_path)})
    server = EmbeddedRedis(tmp_path / "redis")
    info, started = server.start()
    assert started
    worker = Redis.from_url(info.url)  # a worker started apart, still connected
    worker.ping()
    told = release_embedded(settings, started)
    assert told is not None and "left running for the 1 other connection(s)" in told
    assert "gridops redis stop" in told
    assert server.info() is not None and worker.ping()
    worker.close()
    assert release_embedded(settings, started) == (
        "embedded Redis: stopped (it was started by this command)"
    )
    assert server.info() is None
    assert server.revive() is None  # stopped on purpose: nobody starts it again


def test_a_server_found_running_or_an_external_one_is_left_alone(tmp_path: Path) -> None:
    settings = load_settings({"GRIDOPS_DATA_DIR": str(tmp_path)})
    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    try:
        assert release_embedded(settings, started=False) is None
        assert server.info() is not None
        external = load_settings({"GRIDOPS_DATA_DIR": str(tmp_path),
                                  "GRIDOPS_REDIS_URL": "redis://127.0.0.1:1/0"})  # fmt: skip
        assert release_embedded(external, started=True) is None
        assert server.info() is not None
    finally:
        server.stop()
