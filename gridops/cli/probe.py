"""`gridops worker --check`: the health probe of a host's workers (工作进程探针).

Looks, without starting anything (not even the embedded Redis), at the database, its schema,
Redis and the workers this host registered in Redis, and prints one line each::

    database    ok    postgresql
    migrations  ok    at 0010
    redis       ok    answers
    workers     ok    2 of 2 expected on host-a: host-a.4121.9f3c2e (idle, heartbeat 3 s ago), …
"""

from __future__ import annotations

import socket
from collections.abc import Callable

from redis import Redis

from gridops.services.health import Check, check_database, check_migrations, check_redis
from gridops.settings import Settings

PROBE_TIMEOUT_S = 3.0


def probe_redis(settings: Settings) -> Redis:
    """A client of the settings' Redis that never starts the embedded server."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    from gridops.queue.connect import embedded_for, url_client

    options = {"socket_connect_timeout": PROBE_TIMEOUT_S, "socket_timeout": PROBE_TIMEOUT_S}
    if settings.redis_url:
        return url_client(settings.redis_url, **options)
    info = embedded_for(settings).info()
    if info is None:
        raise RedisConnectionError(f"the embedded Redis under {settings.data_dir} is not running")
    return Redis.from_url(info.url, **options)


def check_local_workers(connect: Callable[[], Redis], expect: int) -> Check:
    """Passes when at least ``expect`` workers registered by this host run."""
    from gridops.queue.status import local_workers

    host = socket.gethostname()
    try:
        seen = local_workers(connect(), host)
    except Exception as exc:  # noqa: BLE001 - the redis line already says why
        return Check("workers", False, f"cannot list them: {type(exc).__name__}")
    running = [w for w in seen if w.alive]
    parts = []
    for w in seen:
        beat = (
            "no heartbeat"
            if w.heartbeat_age_s is None
            else f"heartbeat {w.heartbeat_age_s:.0f} s ago"
        )
        parts.append(f"{w.name} ({w.state if w.alive else 'process gone'}, {beat})")
    detail = f"{len(running)} of {expect} expected on {host}" + (
        f": {', '.join(parts)}" if parts else ""
    )
    return Check("workers", len(running) >= expect, detail)


def check_workers(settings: Settings, *, expect: int, say: Callable[[str], None]) -> int:
    """Print every check; 0 when all pass, else 1."""
    from gridops.store.engine import make_engine

    engine = make_engine(settings.database_url)
    clients: list[Redis] = []

    def connect() -> Redis:
        if not clients:
            clients.append(probe_redis(settings))
        return clients[0]

    try:
        checks = [check_database(engine), check_migrations(engine), check_redis(connect),
                  check_local_workers(connect, expect)]  # fmt: skip
    finally:
        engine.dispose()
        for conn in clients:
            conn.close()
    for c in checks:
        say(f"{c.name:<11} {'ok' if c.ok else 'FAIL':<5} {c.detail}")
    return 0 if all(c.ok for c in checks) else 1
