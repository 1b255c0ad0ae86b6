"""Drains against a real Redis: de-duplicated kicks, re-kick while full, backoff retries."""

from __future__ import annotations

import pytest
import toy_stage
from redis import Redis
from rq import Queue

from gridops.queue import Stage, drain, kick
from gridops.queue.drain import RETRY_KEY, due_retries, pending_key, running_key
from gridops.queue.guard import StageWorker


def stage(func: str, **options: object) -> Stage:
    return Stage(name="t", func=f"toy_stage:{func}", queue="t", **options)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _reset() -> None:
    toy_stage.CALLS.clear()
    toy_stage.FAIL_TIMES["n"] = 0


def test_kick_enqueues_one_drain_until_it_starts(redis_conn: Redis) -> None:
    s = stage("flaky", batch_limit=5)
    assert kick(redis_conn, s)
    assert not kick(redis_conn, s)
    assert Queue("t", connection=redis_conn).count == 1
    assert drain(redis_conn, s).processed == 0  # clears the pending flag first
    assert not redis_conn.exists(pending_key("t"))
    assert kick(redis_conn, s)  # a kick during or after a run enqueues a fresh drain


def test_full_batch_rekicks_and_worker_drains_to_empty(redis_conn: Redis) -> None:
    s = stage("count_full", batch_limit=5)
    kick(redis_conn, s)
    StageWorker(["t"], stages=[s], connection=redis_conn).work(burst=True, logging_level="WARNING")
    assert toy_stage.CALLS == [5, 5]  # full → one more drain → empty → stop
    assert Queue("t", connection=redis_conn).count == 0


def test_a_drain_takes_full_batches_for_its_time_in_one_job(redis_conn: Redis) -> None:
    one = drain(redis_conn, stage("full_three_times", batch_limit=5))
    assert (one.processed, one.rekicked, toy_stage.CALLS) == (5, True, [5])
    toy_stage.CALLS.clear()
    redis_conn.delete(pending_key("t"))
    many = drain(redis_conn, stage("full_three_times", batch_limit=5, run_for_s=60.0))
    assert (many.processed, many.rekicked, toy_stage.CALLS) == (19, False, [5, 5, 5, 5])


def test_run_for_s_is_checked() -> None:
    with pytest.raises(ValueError, match="run_for_s"):
        stage("flaky", run_for_s=-1.0)
    with pytest.raises(ValueError, match="below timeout_s"):
        stage("flaky", run_for_s=400.0)


def test_transient_error_schedules_backoff_retries(redis_conn: Redis) -> None:
    s = stage("flaky")
    toy_stage.FAIL_TIMES["n"] = 3
    delays = [drain(redis_conn, s).retry_in for _ in range(3)]
    assert delays == [0.5, 1.0, 2.0]
    assert redis_conn.zcard(RETRY_KEY) == 1
    assert due_retries(redis_conn, now=0) == []
    assert due_retries(redis_conn, now=float("inf")) == ["t"]
    assert due_retries(redis_conn, now=float("inf")) == []  # taken once
    assert drain(redis_conn, s).retry_in is None
    assert drain(redis_conn, stage("flaky", batch_limit=1)).processed == 0


def test_other_errors_propagate(redis_conn: Redis) -> None:
    with pytest.raises(ValueError):
        drain(redis_conn, stage("broken"))


def test_exclusive_stage_skips_while_another_runs(redis_conn: Redis) -> None:
    s = stage("count_full", exclusive=True, batch_limit=3)
    redis_conn.set(running_key("t"), "someone-else", ex=30)
    assert drain(redis_conn, s).skipped
    assert toy_stage.CALLS == []
    redis_conn.delete(running_key("t"))
    assert drain(redis_conn, s).processed == 3
    assert not redis_conn.exists(running_key("t"))  # released after the run


def test_an_exclusive_drain_lets_go_before_it_kicks_the_next(
    redis_conn: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full batch kicks the next drain only once the lease is released: a worker that takes
    that drain at once must not find the stage still held and skip it."""
    import sys

    drains = sys.modules["gridops.queue.drain"]  # the module (gridops.queue.drain is the function)

    held_at_kick: list[int] = []
    real_kick = drains.kick

    def kick_spy(conn: Redis, s: Stage) -> bool:
        held_at_kick.append(int(conn.exists(running_key("t"))))
        return real_kick(conn, s)

    monkeypatch.setattr(drains, "kick", kick_spy)
    outcome = drain(redis_conn, stage("count_full", exclusive=True, batch_limit=3))
    assert outcome.rekicked and held_at_kick == [0]


def test_snapshot_counts_queues_and_retries(redis_conn: Redis) -> None:
    from gridops.queue.status import snapshot

    kick(redis_conn, stage("flaky"))
    toy_stage.FAIL_TIMES["n"] = 1
    drain(redis_conn, stage("flaky"))
    snap = snapshot(redis_conn)
    assert [(q.name, q.queued) for q in snap.queues] == [("t", 1)]
    assert snap.retrying == ("t",)


def test_try_kick_survives_a_redis_outage() -> None:
    from gridops.queue import try_kick
    from gridops.queue.embedded import free_port

    down = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5)
    assert try_kick(down, stage("flaky")) is False
