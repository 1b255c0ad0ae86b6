"""Drains: the RQ job of a stage (the database is the queue of record, RQ the trigger).

``kick(conn, stage)`` enqueues one drain unless one is already pending (a Redis key set with
NX — not RQ's fixed job id: RQ keeps a job's hash while it runs, so a kick arriving during a
run would be dropped and its ticket would wait for the safety net). A drain first clears the
pending key (later kicks enqueue a fresh drain), runs ``process_batch(limit)`` — again while
batches come back full, for up to the stage's ``run_for_s`` — and kicks itself again if the
last batch came back full.

Transient failures (database unreachable: SQLAlchemy OperationalError/InterfaceError,
sqlite3.OperationalError, ConnectionError, TimeoutError, or :class:`TransientError`) are
retried with exponential backoff (0.5 s, 1 s, 2 s … capped at 30 s): the drain records the
stage in a Redis sorted set of due retries that every worker's ticker polls. RQ's own Retry
needs its scheduler process, which outlives a SIGKILLed worker; this keeps retries inside the
worker process. Other errors fail the job (kept in RQ's failed registry); the ticker's safety
re-kick tries the stage again.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, get_current_job
from rq.serializers import JSONSerializer

from gridops.queue.lease import Lease
from gridops.queue.stages import Stage

log = logging.getLogger(__name__)

PREFIX = "gridops:"
RETRY_KEY = PREFIX + "retry"  # sorted set: stage name -> due time (epoch seconds)
PENDING_TTL_S = 60  # a lost pending flag blocks kicks at most this long
BACKOFF_BASE_S = 0.5
BACKOFF_MAX_S = 30.0
#: Jobs are JSON, never pickles: a gridops worker loads nothing that can run code (see
#: :mod:`gridops.queue.guard`).
SERIALIZER = JSONSerializer


class TransientError(Exception):
    """Raised by a stage when a retry later may succeed (a dependency is down)."""


def transient_errors() -> tuple[type[BaseException], ...]:
    """The exception classes that mean "retry later"."""
    import sqlite3

    errors: list[type[BaseException]] = [
        TransientError,
        ConnectionError,
        TimeoutError,
        sqlite3.OperationalError,  # locked, or the file unreachable
    ]
    try:
        from sqlalchemy import exc

        errors += [exc.OperationalError, exc.InterfaceError, exc.TimeoutError]
    except ImportError:  # pragma: no cover - sqlalchemy is a dependency
        pass
    return tuple(errors)


def pending_key(name: str) -> str:
    return f"{PREFIX}pending:{name}"


def running_key(name: str) -> str:
    return f"{PREFIX}running:{name}"


def attempts_key(name: str) -> str:
    return f"{PREFIX}attempts:{name}"


def kick(conn: Redis, stage: Stage) -> bool:
    """Enqueue a drain of ``stage`` unless one is already pending; True if one was enqueued.
    The pending flag holds the queued job's id, so that :func:`clear_lost_pending` can tell a
    drain still waiting in the queue from one lost with the worker that took it."""
    job_id = uuid.uuid4().hex
    if not conn.set(pending_key(stage.name), job_id, nx=True, ex=PENDING_TTL_S):
        return False
    Queue(stage.queue, connection=conn, serializer=SERIALIZER).enqueue(
        run_drain,
        kwargs={"stage": stage.to_job()},
        job_id=job_id,
        job_timeout=stage.timeout_s,
        result_ttl=0,
        failure_ttl=3600,
        description=f"drain {stage.name}",
    )
    return True


def clear_lost_pending(conn: Redis, stage: Stage) -> bool:
    """Drop the pending flag of ``stage`` when the drain it names is no longer in the queue
    though it never began (a drain clears the flag as it begins): the worker that took it off
    the queue died in between. Without this, every kick — the ticker's safety re-kick too —
    is refused until the flag expires. True if a flag was dropped.

    A drain taken off the queue a moment ago and about to begin looks the same; dropping its
    flag costs at most one extra drain, which runs harmlessly (claims and version guards)."""
    key = pending_key(stage.name)
    raw = conn.get(key)
    if raw is None:
        return False
    job_id = raw.decode() if isinstance(raw, bytes) else str(raw)
    queued = conn.lrange(Queue(stage.queue, connection=conn).key, 0, -1)
    if any((j.decode() if isinstance(j, bytes) else str(j)) == job_id for j in queued):
        return False
    return bool(conn.eval(_RELEASE, 1, key, job_id))


def try_kick(conn: Redis, stage: Stage) -> bool:
    """:func:`kick` for callers that have already committed their work (intake, services):
    a Redis outage is logged, not raised — the ticker's safety re-kick finds the work later."""
    try:
        return kick(conn, stage)
    except RedisError as exc:
        log.warning(
            "kick %s lost (Redis: %s); the safety re-kick will find the work", stage.name, exc
        )
        return False


@dataclass(frozen=True)
class DrainOutcome:
    """What one drain did: processed count, whether it re-kicked, skipped or will retry."""

    processed: int = 0
    rekicked: bool = False
    skipped: bool = False  # an exclusive stage already running elsewhere
    retry_in: float | None = None


def run_drain(stage: dict[str, Any]) -> dict[str, Any]:
    """The RQ job: drain one batch of the stage described by plain fields."""
    job = get_current_job()
    if job is None:
        raise RuntimeError("run_drain runs inside an RQ job; call drain() directly otherwise")
    outcome = drain(job.connection, Stage(**stage))
    return {
        "processed": outcome.processed,
        "rekicked": outcome.rekicked,
        "skipped": outcome.skipped,
        "retry_in": outcome.retry_in,
    }


def drain(conn: Redis, stage: Stage) -> DrainOutcome:
    """Run one batch of ``stage`` now; kicks the next drain while batches come back full. An
    exclusive stage runs under a :class:`~gridops.queue.lease.Lease` (released before the
    next drain is kicked, so that one is not skipped), or is skipped."""
    conn.delete(pending_key(stage.name))
    if stage.exclusive:
        with Lease(conn, running_key(stage.name)) as held:
            if not held:
                return DrainOutcome(skipped=True)
            outcome = _batches(conn, stage)
    else:
        outcome = _batches(conn, stage)
    if outcome.retry_in is not None:
        return outcome
    conn.delete(attempts_key(stage.name))
    rekicked = outcome.rekicked and kick(conn, stage)
    return DrainOutcome(processed=outcome.processed, rekicked=rekicked)


def _batches(conn: Redis, stage: Stage) -> DrainOutcome:
    """The stage's batches (``rekicked``: the last came back full), or a scheduled retry."""
    process_batch = stage.resolve()
    until = time.monotonic() + stage.run_for_s
    processed = total = 0
    try:
        while True:  # one batch; more while they come back full and the time lasts
            processed = process_batch(stage.batch_limit)
            total += processed
            if processed < stage.batch_limit or time.monotonic() >= until:
                break
    except transient_errors() as exc:
        delay = schedule_retry(conn, stage)
        log.warning("stage %s: transient error, retry in %.1fs: %s", stage.name, delay, exc)
        return DrainOutcome(retry_in=delay)
    return DrainOutcome(processed=total, rekicked=processed >= stage.batch_limit)


def schedule_retry(conn: Redis, stage: Stage, now: float | None = None) -> float:
    """Record a retry of ``stage`` after exponential backoff; returns the delay in seconds."""
    attempts = int(conn.incr(attempts_key(stage.name)))
    conn.expire(attempts_key(stage.name), 3600)
    delay = min(BACKOFF_BASE_S * 2 ** (attempts - 1), BACKOFF_MAX_S)
    due = (time.time() if now is None else now) + delay
    conn.zadd(RETRY_KEY, {stage.name: due})
    return delay


def due_retries(conn: Redis, now: float) -> list[str]:
    """Take (atomically, once across workers) the stage names whose retry is due."""
    taken = []
    for raw in conn.zrangebyscore(RETRY_KEY, 0, now):
        name = raw.decode() if isinstance(raw, bytes) else str(raw)
        if conn.zrem(RETRY_KEY, name):
            taken.append(name)
    return taken


_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
