"""A snapshot of the queues for `gridops redis status` and the demo's live display."""

from __future__ import annotations

from dataclasses import dataclass

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
