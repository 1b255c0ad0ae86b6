"""A cluster-wide lock that lasts as long as its holder lives (租约).

An exclusive stage (the sweeper, notify, rollups) must run once at a time across every worker
host. The lock is redis-py's :class:`~redis.lock.Lock` with a short lifetime (``ttl_s``), renewed
by a daemon thread every third of it while the holder works: a drain may run as long as its
job allows, yet a worker killed mid-run (SIGKILL, a host lost) frees the stage within
``ttl_s`` instead of the job's whole timeout.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from redis import Redis
from redis.exceptions import LockError, RedisError

log = logging.getLogger(__name__)

#: How long a dead holder keeps an exclusive stage: renewed every third of it while alive.
LEASE_TTL_S = 15.0


class Lease:
    """``with Lease(conn, key) as held:`` — ``held`` says whether this process has the lock;
    it is renewed until the block ends, then released."""

    def __init__(self, conn: Redis, key: str, ttl_s: float = LEASE_TTL_S) -> None:
        self._lock = conn.lock(key, timeout=ttl_s, blocking=False, thread_local=False)
        self._ttl_s = ttl_s
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def __enter__(self) -> bool:
        if not self._lock.acquire():
            return False
        self._renewer = threading.Thread(target=self._renew, name="lease", daemon=True)
        self._renewer.start()
        return True

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._renewer is None:
            return
        self._stop.set()
        self._renewer.join()
        try:
            self._lock.release()
        except (LockError, RedisError) as err:  # lost or unreachable: it expires by itself
            log.warning("lease %s not released (%s); it expires by itself", self._lock.name, err)

    def _renew(self) -> None:
        while not self._stop.wait(self._ttl_s / 3):
            try:
                self._lock.reacquire()
            except LockError:
                log.warning("lease %s lost (expired while held): another run may start",
                            self._lock.name)  # fmt: skip
                return
            except RedisError as err:  # the next try may reach Redis again
                log.warning("lease %s not renewed (%s)", self._lock.name, err)
