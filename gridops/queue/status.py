"""A snapshot of the queues for `gridops redis status` and the demo's live display; the
workers of this host for `gridops worker --check`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime

from redis import Redis
from rq import Queue, Worker
from rq.registry import FailedJobRegistry, StartedJobRegistry

from gridops.queue.drain import RETRY_KEY


@dataclass(frozen=True)
class QueueCounts:
    name: str
    queued: int
    running: int
    failed: int


@dataclass(frozen=True)
class Snapshot:
    """Queues, live workers and stages waiting for a backoff retry."""

    queues: tuple[QueueCounts, ...]
    workers: int
    retrying: tuple[str, ...]


def snapshot(conn: Redis) -> Snapshot:
    """Counts of every RQ queue known to this Redis."""
    queues = tuple(
        QueueCounts(
            q.name,
            q.count,
            StartedJobRegistry(queue=q).count,
            FailedJobRegistry(queue=q).count,
        )
        for q in sorted(Queue.all(connection=conn), key=lambda q: q.name)
    )
    retrying = tuple(
        r.decode() if isinstance(r, bytes) else str(r) for r in conn.zrange(RETRY_KEY, 0, -1)
    )
    return Snapshot(queues, Worker.count(connection=conn), retrying)


@dataclass(frozen=True)
class LocalWorker:
    """A worker registered in Redis by this host, with whether its process still runs."""

    name: str
    pid: int | None
    state: str
    alive: bool
    heartbeat_age_s: float | None


def local_workers(conn: Redis, hostname: str, *, now: datetime | None = None) -> list[LocalWorker]:
    """The workers ``hostname`` registered (RQ keeps a killed one registered until its TTL
    ends; its process is looked up here, so a dead one shows at once)."""
    now = now or datetime.now(UTC)
    seen = []
    for w in Worker.all(connection=conn):
        if w.hostname != hostname:
            continue
        beat = w.last_heartbeat
        age = (
            None
            if beat is None
            else (now - beat.replace(tzinfo=beat.tzinfo or UTC)).total_seconds()
        )
        seen.append(LocalWorker(w.name, w.pid, str(w.get_state()), _runs(w.pid), age))
    return sorted(seen, key=lambda w: w.name)


def _runs(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
