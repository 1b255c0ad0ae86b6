"""Hosts made of network namespaces: one private LAN, nothing on the machine's own network.

Every host is a namespace (``ip netns``) with one veth whose other end is plugged into a bridge
that lives in a namespace of its own (the switch), so the root namespace gets no interface, no
address and no route: traffic between the hosts never leaves them. Names carry the pid of the
test process (``gxm<pid>x<run>-<host>``), so runs in parallel never meet, and a run killed with
SIGKILL is swept by the next one (its pid is gone).

Teardown kills every process still inside a host (``ip netns pids``) and deletes the
namespaces; it runs from the test's finalizer, from ``atexit`` and from SIGTERM/SIGHUP, once.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

PREFIX = "gxm"
SUBNET = "10.77.0"  # private to the lab: the root namespace has no route to it
CLONE_NEWNET = 0x40000000
_NAME = re.compile(rf"^{PREFIX}(\d+)x[0-9a-f]+-")


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``ip`` with ``args``; a failure raises with ip's own message."""
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if check and done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {done.stderr.strip()}")
    return done


def netns_usable() -> str | None:
    """Why namespaces cannot be made here, or None when they can."""
    if os.geteuid() != 0:
        return "network namespaces need root (ip netns add)"
    try:
        probe = f"{PREFIX}{os.getpid()}xprobe-p"
        made = ip("netns", "add", probe, check=False)
        if made.returncode != 0:
            return f"ip netns add fails here: {made.stderr.strip()}"
        ip("netns", "del", probe, check=False)
    except FileNotFoundError:
        return "iproute2's ip is not installed (apt-get install iproute2)"
    return None


def scratch_dir() -> Path:
    """A directory under /tmp for the run (the postgres user can reach it; pytest's tmp_path
    is root's alone), swept like the namespaces if the run is killed."""
    made = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}x"))
    made.chmod(0o755)
    return made


def sweep_stale() -> list[str]:
    """Delete the namespaces and scratch directories left by lab runs whose process is gone
    (killed with SIGKILL)."""
    for left in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        m = re.match(rf"^{PREFIX}(\d+)x", left.name)
        if m and not os.path.exists(f"/proc/{m.group(1)}"):
            shutil.rmtree(left, ignore_errors=True)
    listed = ip("netns", "list", check=False).stdout.split("\n")
    gone = []
    for line in listed:
        name = line.split(" ")[0]
        m = _NAME.match(name)
        if m and not os.path.exists(f"/proc/{m.group(1)}"):
            _kill_all_in(name)
            ip("netns", "del", name, check=False)
            gone.append(name)
    return gone


def _pids_in(ns: str) -> list[int]:
    out = ip("netns", "pids", ns, check=False).stdout
    return [int(p) for p in out.split()]


def _kill_all_in(ns: str) -> int:
    """SIGKILL every process inside ``ns``; returns how many there were."""
    pids = _pids_in(ns)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return len(pids)


@dataclass
class Lab:
    """A switch namespace with a bridge, and hosts plugged into it."""

    run: str = field(default_factory=lambda: secrets.token_hex(3))
    hosts: dict[str, str] = field(default_factory=dict)  # host → address
    _made: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _closed: bool = False

    def ns(self, host: str) -> str:
        return f"{PREFIX}{os.getpid()}x{self.run}-{host}"

    def open(self) -> Lab:
        """Make the switch; register the teardown with atexit and SIGTERM/SIGHUP."""
        atexit.register(self.close)
        for signum in (signal.SIGTERM, signal.SIGHUP):
            _chain(signum, self.close)
        sw = self._add("sw")
        ip("-n", sw, "link", "add", "br0", "type", "bridge")
        ip("-n", sw, "link", "set", "br0", "up")
        return self

    def _add(self, host: str) -> str:
        name = self.ns(host)
        ip("netns", "add", name)
        self._made.append(name)
        ip("-n", name, "link", "set", "lo", "up")
        return name

    def host(self, host: str, *addresses: str) -> str:
        """A host plugged into the switch with ``addresses`` (the first is its own)."""
        name, sw = self._add(host), self.ns("sw")
        port = f"p{len(self.hosts)}"
        ip("-n", sw, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", name)
        ip("-n", sw, "link", "set", port, "master", "br0", "up")
        for address in addresses:
            ip("-n", name, "addr", "add", f"{address}/24", "dev", "eth0")
        ip("-n", name, "link", "set", "eth0", "up")
        self.hosts[host] = addresses[0]
        return name

    def exec(self, host: str, argv: list[str]) -> list[str]:
        """``argv`` to run inside ``host`` (``ip netns exec`` execs it: the pid is argv's)."""
        return ["ip", "netns", "exec", self.ns(host), *argv]

    def kill_host(self, host: str) -> int:
        """SIGKILL every process of ``host`` at once, as when its machine dies."""
        return _kill_all_in(self.ns(host))

    def freeze_host(self, host: str) -> int:
        """SIGSTOP every process of ``host`` (a hung machine: its sockets stay open)."""
        pids = _pids_in(self.ns(host))
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        return len(pids)

    def call_in(self, host: str, fn: Callable[[], T]) -> T:
        """``fn()`` in a thread that lives in ``host``'s network (its sockets are made there)."""
        box: dict[str, object] = {}

        def run() -> None:
            try:
                enter(self.ns(host))
                box["value"] = fn()
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                box["error"] = exc

        thread = threading.Thread(target=run, name=f"in-{host}")
        thread.start()
        thread.join()
        if "error" in box:
            raise box["error"]  # type: ignore[misc]
        return box["value"]  # type: ignore[return-value]

    def close(self) -> None:
        """Kill what runs inside the hosts, then delete every namespace (once). SIGTERM, SIGINT
        and SIGHUP wait until it is done (a second signal must not cut it short)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        main = threading.current_thread() is threading.main_thread()
        held = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}
        before = signal.pthread_sigmask(signal.SIG_BLOCK, held) if main else None
        try:
            for _ in range(5):
                if not sum(_kill_all_in(name) for name in self._made):
                    break
                time.sleep(0.1)
            for name in reversed(self._made):
                ip("netns", "del", name, check=False)
        finally:
            if before is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, before)


def enter(ns: str) -> None:
    """Move the calling thread (only it) into network namespace ``ns``."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/var/run/netns/{ns}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns {ns}: {os.strerror(err)}")
    finally:
        os.close(fd)


def _chain(signum: int, cleanup: Callable[[], None]) -> None:
    """On ``signum``: clean up, then do what was done before (pytest's KeyboardInterrupt)."""
    before = signal.getsignal(signum)

    def handler(num: int, frame: object) -> None:
        cleanup()
        if callable(before):
            before(num, frame)
        elif before != signal.SIG_IGN:
            raise KeyboardInterrupt

    signal.signal(signum, handler)
