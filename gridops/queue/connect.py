"""Connections to gridops's Redis (连接): ``GRIDOPS_REDIS_URL``, or the embedded server.

Every process connects through :func:`client` / :func:`redis_connection`. A URL may carry a
password, an ACL user and ``rediss://`` TLS (redis-py's URL syntax), or name Sentinels
(``redis+sentinel://``, :mod:`gridops.queue.sentinel`); it is shown masked (:func:`mask_url`),
never in full.

Connections to the embedded server are :class:`RevivingConnection`: when one finds the server
dead, it starts it again on its recorded port (:meth:`EmbeddedRedis.revive`: under the start
lock, so that many processes finding it dead at once start one server; at most one attempt a
second per process) and connects. So a SIGKILLed embedded Redis costs the commands that failed
meanwhile, and nobody has to restart a worker or the web server.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from redis import Redis
from redis.backoff import NoBackoff
from redis.connection import Connection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.retry import Retry

from gridops.datadir import secure_data_dir
from gridops.errors import ConfigError, UserError
from gridops.queue.embedded import EmbeddedRedis
from gridops.settings import Settings

log = logging.getLogger(__name__)

REVIVE_EVERY_S = 1.0

#: Timeouts for connections used on a request path (web intake, kicks after a commit): an
#: unreachable Redis must cost a request about a second, not redis-py's retries. Workers keep
#: blocking connections (RQ's dequeue waits far longer than these).
FAST_FAIL = {"socket_connect_timeout": 1.0, "socket_timeout": 2.0, "retry": Retry(NoBackoff(), 0)}

_SECRETS = (re.compile(r"(://[^/@:]*:)[^/@]*@"), re.compile(r"([?&]\w*password=)[^&]*"))


def mask_url(url: str) -> str:
    """``url`` with its password (user-info or ``?password=``) replaced by ``***``."""
    for pattern in _SECRETS:
        url = pattern.sub(r"\1***@" if pattern is _SECRETS[0] else r"\1***", url)
    return url


def embedded_for(settings: Settings) -> EmbeddedRedis:
    """The embedded server of these settings (files under ``<data dir>/redis``)."""
    secure_data_dir(settings.data_dir)
    return EmbeddedRedis(settings.data_dir / "redis")


class Reviver:
    """Starts a dead embedded server again; at most one attempt per ``every_s`` seconds."""

    def __init__(self, server: EmbeddedRedis, every_s: float = REVIVE_EVERY_S) -> None:
        self.server = server
        self.every_s = every_s
        self._next = 0.0
        self._lock = threading.Lock()
        self._failing = False  # the last attempt failed (said once, until one succeeds)

    def __call__(self) -> bool:
        """True if the server answers after this attempt (False: not tried, or in vain)."""
        with self._lock:
            now = time.monotonic()
            if now < self._next:
                return False
            self._next = now + self.every_s
        try:
            revived = self.server.revive() is not None
        except (UserError, OSError) as exc:
            if not self._failing:
                log.warning("embedded Redis is down and could not be started again: %s", exc)
            self._failing = True
            return False
        self._failing = False
        return revived


_REVIVERS: dict[Path, Reviver] = {}
_REVIVERS_LOCK = threading.Lock()


def reviver_for(server: EmbeddedRedis) -> Reviver:
    """The process's one Reviver of ``server`` (shared by all its connections)."""
    key = server.directory.resolve()
    with _REVIVERS_LOCK:
        if key not in _REVIVERS:
            _REVIVERS[key] = Reviver(server)
        return _REVIVERS[key]


class RevivingConnection(Connection):
    """A connection to the embedded server that starts it again when it finds it dead."""

    def __init__(self, *, reviver: Reviver | None = None, **kwargs: Any) -> None:
        self.reviver = reviver
        super().__init__(**kwargs)

    def connect(self) -> None:
        try:
            super().connect()
        except RedisConnectionError:
            if self.reviver is None or not self.reviver():
                raise
            super().connect()


def redis_url(settings: Settings) -> str:
    """The Redis URL to use: GRIDOPS_REDIS_URL, or the embedded server (started if needed).
    It may hold a password: show it with :func:`mask_url`."""
    if settings.redis_url:
        return settings.redis_url
    info, _ = embedded_for(settings).start()
    return info.url


def url_client(url: str, **options: Any) -> Redis:
    """A client for a Redis URL: ``redis://``, ``rediss://`` (TLS), ``unix://``, or
    ``redis+sentinel://`` / ``rediss+sentinel://`` (:mod:`gridops.queue.sentinel`)."""
    from gridops.queue.sentinel import is_sentinel_url, sentinel_client

    if is_sentinel_url(url):
        return sentinel_client(url, **options)
    return Redis.from_url(url, **options)


def client(settings: Settings, **options: Any) -> Redis:
    """A Redis client for this process (no round trip yet); the embedded server is started if
    needed, and started again by the client if it dies."""
    if settings.redis_url:
        return url_client(settings.redis_url, health_check_interval=10, **options)
    server = embedded_for(settings)
    info, _ = server.start()
    return Redis.from_url(
        info.url,
        health_check_interval=10,
        connection_class=RevivingConnection,
        reviver=reviver_for(server),
        **options,
    )


def redis_connection(settings: Settings, *, fast_fail: bool = False) -> Redis:
    """A Redis connection for this process that answered a PING; starts the embedded server if
    needed and leaves it up. ``fast_fail``: short timeouts and no retries, for callers that
    must not stall."""
    conn = client(settings, **(FAST_FAIL if fast_fail else {}))
    try:
        conn.ping()
    except Exception as exc:  # noqa: BLE001 - reported in words
        conn.close()
        if settings.redis_url:
            raise ConfigError(
                f"GRIDOPS_REDIS_URL={mask_url(settings.redis_url)}: Redis does not answer "
                f"({exc}); start it, check the password and TLS settings in the URL, or unset "
                "the variable to use the embedded server"
            ) from exc
        raise
    return conn


#: What a process that started the embedded Redis does with it when it stops.
SHARING_RULE = (
    "the process that started the embedded Redis stops it when it stops, unless other "
    "processes are still connected to it (workers or a web server started apart): then it "
    "stays up for them, and `gridops redis stop` stops it"
)


def release_embedded(settings: Settings, started: bool) -> str | None:
    """Apply :data:`SHARING_RULE` for a process that ``started`` (or found) the embedded Redis;
    returns a sentence for the user (None: nothing to say, e.g. GRIDOPS_REDIS_URL is set)."""
    if settings.redis_url or not started:
        return None
    others = embedded_for(settings).stop_unless_shared()
    if others == 0:
        return "embedded Redis: stopped (it was started by this command)"
    return (f"embedded Redis: left running for the {others} other connection(s) to it; "
            "`gridops redis stop` stops it")  # fmt: skip


@contextlib.contextmanager
def running_redis(settings: Settings, say: Callable[[str], None] | None = None) -> Iterator[Redis]:
    """A connection whose embedded server is stopped on exit if this call started it and no
    one else uses it (:data:`SHARING_RULE`); ``say`` is told what became of it."""
    if settings.redis_url:
        yield redis_connection(settings)
        return
    server = embedded_for(settings)
    info, started = server.start()
    conn = Redis.from_url(info.url, health_check_interval=10)
    try:
        yield conn
    finally:
        conn.close()
        told = release_embedded(settings, started)
        if told and say is not None:
            say(told)
