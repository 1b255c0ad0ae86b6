"""Reports flowing in through the proxy: Open311 POSTs from the client host, and what came back.

Each client address of the client host posts one report a second (under the per-address rate
limit, which counts the real client behind the proxy through ``X-Forwarded-For``); every report
carries its own description (``mh-<run>-<i>``) so the database can be searched for each one.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field

import httpx

from gridops.grids.crs import WGS84, to_grid_crs
from gridops.grids.load import load_grid
from gridops.settings import load_settings

from .lab import enter


@dataclass(frozen=True)
class Sent:
    """One POST: when it left and came back (wall clock, like the database's event times),
    the HTTP status (0: no answer)."""

    i: int
    sent: float
    answered: float
    status: int
    number: str | None
    said: str

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300


def spread_points(n: int, min_m: float = 150.0) -> list[tuple[float, float]]:
    """``n`` (lat, long) points in distinct level-3 cells of the shipped grid, each at least
    ``min_m`` metres from the others (never a duplicate of another report)."""
    grid = load_grid(load_settings({}).grid_path)
    cells = grid.cells_at(3)
    chosen: list[tuple[float, float]] = []
    step = max(1, len(cells) // (n * 2))
    for cell in itertools.chain(cells[::step], cells):
        p = cell.geometry.representative_point()
        lon, lat = to_grid_crs(float(p.x), float(p.y), grid.crs, WGS84)
        if all(_metres((lat, lon), q) >= min_m for q in chosen[-400:]):
            chosen.append((lat, lon))
        if len(chosen) == n:
            return chosen
    raise AssertionError(f"the grid has fewer than {n} cells {min_m} m apart")


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dy = (a[0] - b[0]) * 111_000
    dx = (a[1] - b[1]) * 111_000 * 0.86  # cos(31°), Shanghai
    return float((dx * dx + dy * dy) ** 0.5)


@dataclass
class Load:
    """Client threads in the client host, one per source address, posting to ``url``."""

    ns: str
    url: str
    api_key: str
    run: str
    points: list[tuple[float, float]]
    addresses: list[str]
    per_second: float = 1.0
    sent: list[Sent] = field(default_factory=list)
    _next: itertools.count[int] = field(default_factory=itertools.count)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def description(self, i: int) -> str:
        return f"mh-{self.run}-{i}"

    def start(self) -> None:
        for address in self.addresses:
            thread = threading.Thread(target=self._post_from, args=(address,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    def _post_from(self, address: str) -> None:
        enter(self.ns)
        transport = httpx.HTTPTransport(local_address=address)
        with httpx.Client(transport=transport, timeout=15.0) as client:
            while not self._stop.is_set():
                began = time.time()
                i = next(self._next)
                if i >= len(self.points):
                    return
                self._record(self._post(client, i))
                self._stop.wait(max(0.0, 1 / self.per_second - (time.time() - began)))

    def _post(self, client: httpx.Client, i: int) -> Sent:
        lat, lon = self.points[i]
        form = {"api_key": self.api_key, "service_code": "E0102", "lat": str(lat),
                "long": str(lon), "description": self.description(i)}  # fmt: skip
        sent = time.time()
        try:
            answer = client.post(self.url, data=form)
        except httpx.HTTPError as exc:
            return Sent(i, sent, time.time(), 0, None, f"{type(exc).__name__}: {exc}")
        number = None
        if answer.is_success:
            number = str(answer.json()[0]["service_request_id"])
        return Sent(i, sent, time.time(), answer.status_code, number, answer.text[:200])

    def _record(self, sent: Sent) -> None:
        with self._lock:
            self.sent.append(sent)

    def snapshot(self) -> list[Sent]:
        with self._lock:
            return list(self.sent)

    def accepted_since(self, t: float) -> list[Sent]:
        return [s for s in self.snapshot() if s.accepted and s.sent >= t]
