"""The ticker: every worker's background thread that keeps the stages moving (定时触发).

Each tick, for every stage on the worker's queues, the ticker tries to take the stage's tick
key (``SET NX PX interval``); the one worker that gets it kicks the stage. So across any number
of workers each periodic stage (the sweeper) is kicked once per interval, and each drained stage
is re-kicked once per ``rekick_seconds`` — the safety net for triggers lost with a Redis flush,
a restart, or a worker killed mid-batch (a drain lost with the worker that took it off the
queue leaves its pending flag behind: the safety tick drops it, see
:func:`gridops.queue.drain.clear_lost_pending`). The tick keys are ordinary keys: after FLUSHALL the
next tick simply sets them again, so nothing needs re-arming. The ticker also kicks stages whose
backoff retry (see :mod:`gridops.queue.drain`) has come due, and skips the safety re-kick of a
stage that is waiting for one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

from redis import Redis

from gridops.queue.drain import PREFIX, RETRY_KEY, clear_lost_pending, due_retries, kick
from gridops.queue.outage import Outage
from gridops.queue.stages import Stage

log = logging.getLogger(__name__)

TICK_S = 0.5


def tick_key(name: str) -> str:
    return f"{PREFIX}tick:{name}"


class Ticker:
    """Kicks periodic stages, the safety re-kick, and due retries, from inside a worker."""

    def __init__(self, conn: Redis, stages: Iterable[Stage], *, tick_s: float = TICK_S) -> None:
        self.conn = conn
        self.stages = {s.name: s for s in stages}
        self.tick_s = tick_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.outage = Outage(log, "ticks", "work already queued waits; ticks resume by themselves")

    def tick(self, now: float | None = None) -> list[str]:
        """One pass; returns the names of the stages it kicked."""
        now = time.time() if now is None else now
        kicked = []
        for stage in self.stages.values():
            interval = stage.interval
            if interval is None or self._backing_off(stage):
                continue
            px = max(1, int(interval * 1000))
            if not self.conn.set(tick_key(stage.name), "1", nx=True, px=px):
                continue
            if clear_lost_pending(self.conn, stage):
                log.warning("stage %s: its drain was lost with a worker; kicking it again",
                            stage.name)  # fmt: skip
            if kick(self.conn, stage):
                kicked.append(stage.name)
        for name in due_retries(self.conn, now):
            due = self.stages.get(name)
            if due is not None and kick(self.conn, due):
                kicked.append(name)
        return kicked

    def _backing_off(self, stage: Stage) -> bool:
        """A drained stage waiting for its backoff retry is not re-kicked early."""
        return stage.every_seconds is None and self.conn.zscore(RETRY_KEY, stage.name) is not None

    def run(self) -> None:
        """Tick until stopped; a Redis outage is logged once and the loop carries on (a tick
        that connects to a dead embedded server starts it again: gridops.queue.connect)."""
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception as exc:  # noqa: BLE001 - Redis down: try again next tick
                self.outage.failed(exc)
            else:
                self.outage.ok()
            self._stop.wait(self.tick_s)

    def start(self) -> Ticker:
        self._thread = threading.Thread(target=self.run, name="gridops-ticker", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
