"""One log line per outage (故障只记一次), not one per request or tick.

A web server that loses Redis fails every kick and every rate-limit check until it is back;
logging each one buried the log (1,529 lines for one restart). :class:`Outage` says the loss
once, counts what failed meanwhile, and says once when the dependency answers again.
"""

from __future__ import annotations

import logging
import threading


class Outage:
    """Tracks one dependency's outages for one kind of work, logging each loss and recovery once.

    ``what`` names the work that fails (e.g. "kicks", "rate limiting"); ``consequence`` says
    what happens meanwhile (e.g. "the workers' safety re-kick will find the work").
    """

    def __init__(self, logger: logging.Logger, what: str, consequence: str) -> None:
        self.log = logger
        self.what = what
        self.consequence = consequence
        self.failures = 0  # during the current outage (0: none going on)
        self._lock = threading.Lock()

    @property
    def down(self) -> bool:
        return self.failures > 0

    def failed(self, exc: BaseException) -> None:
        """One failure; the first of an outage is logged."""
        with self._lock:
            self.failures += 1
            first = self.failures == 1
        if first:
            self.log.warning(
                "Redis unreachable (%s): %s fail until it answers; %s",
                exc,
                self.what,
                self.consequence,
            )

    def ok(self) -> None:
        """A success; the first after an outage is logged with the count of failures."""
        if not self.failures:  # the common case, without the lock
            return
        with self._lock:
            failures, self.failures = self.failures, 0
        if failures:
            self.log.warning("Redis answers again: %s resumed (%d failed meanwhile)", self.what,
                             failures)  # fmt: skip
