"""The ticker: one kick per interval across workers, re-armed by itself after a flush."""

from __future__ import annotations

from redis import Redis
from rq import Queue

from gridops.queue import Stage, Ticker
from gridops.queue.drain import schedule_retry


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
