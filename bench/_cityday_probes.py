"""What watches a city's day (bench/cityday.py): the observer that sees tickets routed, the
console readers, and the CPU meter. Loaded by path (the underscore keeps it out of
``gridops bench all``)."""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path
from typing import Any

import httpx

APP = "gridops-bench"  # application_name of the bench's own database sessions (not counted)
POLL_S = 0.02
READ_EVERY_S = 1.0
READERS = (("dispatcher", "/console/dispatch"), ("dispatcher", "/console/dispatch"),
           ("dispatcher", "/console/dispatch"), ("supervisor", "/console/supervise"),
           ("supervisor", "/console/wall"))  # fmt: skip


def conninfo(db_url: str) -> str:
    """A SQLAlchemy URL of psycopg as libpq takes it."""
    return db_url.replace("postgresql+psycopg://", "postgresql://")


class Observer(threading.Thread):
    """Sees tickets routed: the numbers sent and not yet routed are asked for every POLL_S on
    a connection of its own (autocommit: each poll sees the latest commits)."""

    def __init__(self, db_url: str) -> None:
        super().__init__(daemon=True)
        self.db_url = db_url
        self.pending: dict[str, float] = {}
        self.latency: dict[str, float] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def add(self, number: str, sent: float) -> None:
        with self.lock:
            self.pending[number] = sent

    def waiting(self) -> int:
        with self.lock:
            return len(self.pending)

    def run(self) -> None:
        import psycopg

        with psycopg.connect(conninfo(self.db_url), autocommit=True, application_name=APP) as c:
            while not self.stop.is_set():
                with self.lock:
                    numbers = list(self.pending)
                if numbers:
                    rows = c.execute(
                        "SELECT number FROM tickets WHERE number = ANY(%s) "
                        "AND status <> 'reported'", (numbers,),
                    ).fetchall()  # fmt: skip
                    seen = time.perf_counter()
                    with self.lock:
                        for (number,) in rows:
                            self.latency[number] = seen - self.pending.pop(number)
                time.sleep(POLL_S)


class Readers:
    """Console users, each signed in and loading its page once a second; the load times."""

    def __init__(self, url: str, tokens: dict[str, str]) -> None:
        self.url = url
        self.tokens = tokens
        self.times: list[float] = []
        self.errors: list[str] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._read, args=(r, p), daemon=True)
                        for r, p in READERS]  # fmt: skip

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def finish(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(60)

    def _read(self, role: str, path: str) -> None:
        with httpx.Client(base_url=self.url, timeout=60, follow_redirects=True) as client:
            page = client.get("/console/login").text
            csrf = re.search(r'name="csrf" value="([^"]+)"', page)
            client.post("/console/login", data={"token": self.tokens[role],
                                                "csrf": csrf.group(1) if csrf else ""})  # fmt: skip
            while not self.stop.is_set():
                t0 = time.perf_counter()
                r = client.get(path)
                took = time.perf_counter() - t0
                if r.status_code != 200 or "/console/login" in str(r.url):
                    self.errors.append(f"{path}: {r.status_code} at {r.url}")
                else:
                    self.times.append(took)
                self.stop.wait(max(0.0, READ_EVERY_S - took))


def _ticks(pid: int) -> tuple[int, int] | None:
    """(utime + stime, cutime + cstime) of ``pid`` in clock ticks; None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    f = raw.rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12]), int(f[13]) + int(f[14])


def descendants(root: int) -> set[int]:
    """Every process below ``root`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    out: set[int] = set()
    todo = [root]
    while todo:
        for c in children.get(todo.pop(), []):
            out.add(c)
            todo.append(c)
    return out


class CpuMeter(threading.Thread):
    """CPU seconds of a process tree (its ended children included, through the root's
    cutime), the PostgreSQL backends of a database (not the bench's own sessions) and other
    given processes, sampled every second so that processes ending meanwhile still count."""

    def __init__(self, root: int, db_url: str, others: tuple[int, ...]) -> None:
        super().__init__(daemon=True)
        self.root, self.db_url, self.others = root, db_url, others
        self.first: dict[int, int] = {}
        self.last: dict[int, int] = {}
        self.stop = threading.Event()
        self.hz = os.sysconf("SC_CLK_TCK")

    def _pids(self, conn: Any) -> set[int]:
        db = self.db_url.rsplit("/", 1)[1].split("?")[0]
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND "
                            "application_name <> %s", (db, APP)).fetchall()  # fmt: skip
        return {r[0] for r in rows} | descendants(self.root) | set(self.others) | {self.root}

    def _sample(self, conn: Any, first: bool) -> None:
        for pid in self._pids(conn):
            got = _ticks(pid)
            if got is None:
                continue
            ticks = got[0] + got[1] if pid == self.root else got[0]
            if first:
                self.first[pid] = ticks
            else:
                self.first.setdefault(pid, 0)  # started during the phase
            self.last[pid] = ticks

    def run(self) -> None:
        import psycopg

        with psycopg.connect(conninfo(self.db_url), autocommit=True, application_name=APP) as c:
            self._sample(c, first=True)
            while not self.stop.wait(1.0):
                self._sample(c, first=False)
            self._sample(c, first=False)

    def seconds(self) -> float:
        return sum(self.last[p] - self.first[p] for p in self.last) / self.hz
