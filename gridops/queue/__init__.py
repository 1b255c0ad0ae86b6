"""The RQ adapter: embedded Redis, stages, drains, the ticker (see docs/interfaces.md)."""

from gridops.queue.connect import redis_connection, running_redis
from gridops.queue.context import process_cached
from gridops.queue.drain import TransientError, drain, kick, try_kick
from gridops.queue.stages import Stage, StageSet, load_stages, periodic
from gridops.queue.ticker import Ticker

__all__ = [
    "Stage",
    "StageSet",
    "Ticker",
    "TransientError",
    "drain",
    "kick",
    "load_stages",
    "periodic",
    "process_cached",
    "redis_connection",
    "running_redis",
    "try_kick",
]
