"""Replaying a synthetic stream in wall-clock time (实时回放), ``speed`` times faster.

The clock and sleep are passed in (``time.monotonic`` / ``time.sleep`` by default), so the
pacing is testable and the generator stays pure. ``gridops simulate --fast`` skips pacing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator

from gridops.sim.model import Incident


def paced(
    incidents: Iterable[Incident],
    *,
    speed: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Incident]:
    """Yield each incident once its simulated time, scaled by ``speed``, has come."""
    if not speed > 0:
        raise ValueError(f"speed must be > 0, got {speed}")
    origin_sim = None
    origin_wall = clock()
    for incident in incidents:
        if origin_sim is None:
            origin_sim = incident.at
        due = origin_wall + (incident.at - origin_sim).total_seconds() / speed
        wait = due - clock()
        if wait > 0:
            sleep(wait)
        yield incident
