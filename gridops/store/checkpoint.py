"""SQLite's write-ahead log is copied back into the database off the writer's path.

SQLite checkpoints automatically inside the commit that crosses ``wal_autocheckpoint`` pages:
that commit copies tens of megabytes and fsyncs while the single write lock is held, and every
other writer waits (measured: routing bursts after the first ran ~20 % slower). Instead, after a
write has released the lock, a :class:`Checkpointer` starts a PASSIVE checkpoint in a
background thread at most once every ``every_s`` — PASSIVE never waits for, or blocks, readers
and writers. The automatic checkpoint stays as a backstop for processes that write in bursts
longer than the interval.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref

from sqlalchemy import Engine

log = logging.getLogger(__name__)

EVERY_S = 1.0


class Checkpointer:
    """At most one background PASSIVE checkpoint per ``every_s`` on one SQLite engine."""

    def __init__(self, engine: Engine, every_s: float = EVERY_S) -> None:
        self._engine = weakref.ref(engine)
        self.every_s = every_s
        self._last = time.monotonic()
        self._busy = threading.Lock()
        self._thread: threading.Thread | None = None
        self.closed = False
        self.runs = 0  # checkpoints completed (for tests and diagnostics)

    def after_write(self) -> None:
        """Called after a write transaction has committed and released the write lock."""
        now = time.monotonic()
        if self.closed or now - self._last < self.every_s:
            return
        if not self._busy.acquire(blocking=False):
            return
        self._last = now
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the checkpoint in progress, if any."""
        if self._thread is not None:
            self._thread.join(timeout)

    def close(self) -> None:
        """Start no more checkpoints and wait for the one in progress (before the engine is
        disposed, so no connection is opened behind the store's back)."""
        self.closed = True
        self.join(30)

    def _run(self) -> None:
        try:
            engine = self._engine()
            if engine is None or self.closed:
                return
            conn = engine.raw_connection()  # autocommit (isolation_level None): no open read
            try:
                cur = conn.cursor()
                cur.execute("PRAGMA wal_checkpoint(PASSIVE)")
                cur.fetchall()
                cur.close()
                self.runs += 1
            finally:
                conn.close()
        except Exception as exc:  # noqa: BLE001 - the automatic checkpoint is the backstop
            log.debug("background checkpoint skipped: %s", exc)
        finally:
            self._busy.release()
