"""The ticker: one kick per interval across workers, re-armed by itself after a flush."""

from __future__ import annotations

from redis import Redis
from rq import Queue

from gridops.queue import Stage, Ticker
from gridops.queue.drain import kick, schedule_retry
from gridops.queue.ticker import tick_key


def stages() -> list[Stage]:
    return [
        Stage(name="a", func="m:f", queue="qa", rekick_seconds=60),
        Stage(name="b", func="m:f", queue="qb", every_seconds=60, rekick_seconds=None),
        Stage(name="c", func="m:f", queue="qc", rekick_seconds=None),
    ]


def test_one_kick_per_interval_across_tickers(redis_conn: Redis) -> None:
    first, second = Ticker(redis_conn, stages()), Ticker(redis_conn, stages())
    assert sorted(first.tick()) == ["a", "b"]  # c has no interval
    assert second.tick() == []
    assert Queue("qa", connection=redis_conn).count == 1


def test_flush_rearms_without_help(redis_conn: Redis) -> None:
    ticker = Ticker(redis_conn, stages())
    ticker.tick()
    redis_conn.flushall()
    assert sorted(ticker.tick()) == ["a", "b"]


def test_due_retry_is_kicked(redis_conn: Redis) -> None:
    ticker = Ticker(redis_conn, stages())
    c = stages()[2]
    schedule_retry(redis_conn, c, now=0)
    assert ticker.tick(now=10**10) == ["a", "b", "c"]


def test_stage_backing_off_is_not_rekicked_early(redis_conn: Redis) -> None:
    ticker = Ticker(redis_conn, stages())
    schedule_retry(redis_conn, stages()[0], now=10**10)  # "a" retries far in the future
    assert ticker.tick(now=0) == ["b"]


def test_a_drain_lost_with_the_worker_that_took_it_is_kicked_again(redis_conn: Redis) -> None:
    """A worker killed after taking the drain off the queue but before the drain began leaves
    the stage's pending flag behind; the next safety tick sees that no drain is queued and
    kicks one (before: every kick was refused until the flag expired, 60 s)."""
    a = stages()[0]
    ticker = Ticker(redis_conn, [a])
    assert kick(redis_conn, a)
    queue = Queue("qa", connection=redis_conn)
    lost = queue.job_ids
    redis_conn.lpop(queue.key)  # taken by a worker that died right then
    assert not kick(redis_conn, a)  # the flag still says a drain is on its way
    redis_conn.delete(tick_key("a"))  # the next safety tick is due
    assert ticker.tick() == ["a"]
    assert queue.count == 1 and queue.job_ids != lost


def test_a_queued_drain_is_not_kicked_twice_by_the_safety_tick(redis_conn: Redis) -> None:
    a = stages()[0]
    ticker = Ticker(redis_conn, [a])
    assert kick(redis_conn, a)
    redis_conn.delete(tick_key("a"))
    assert ticker.tick() == []
    assert Queue("qa", connection=redis_conn).count == 1
