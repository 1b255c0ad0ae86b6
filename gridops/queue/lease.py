"""A cluster-wide lock that lasts as long as its holder lives (租约).

An exclusive stage (the sweeper, notify, rollups) must run once at a time across every worker
host. The lock is redis-py's :class:`~redis.lock.Lock` with a short lifetime (``ttl_s``),
renewed while its holder works by one daemon thread per process (every lease it holds, each
third of its lifetime): a drain may run as long as its job allows, yet a worker killed mid-run
(SIGKILL, a host lost) frees the stage within ``ttl_s`` instead of the job's whole timeout. No
thread is started or joined per lease: a drain pays one SET and one release, as before.
"""

from __future__ import annotations

import logging
import threading
import time
from types import TracebackType

from redis import Redis
from redis.exceptions import LockError, RedisError
from redis.lock import Lock

log = logging.getLogger(__name__)

#: How long a dead holder keeps an exclusive stage: renewed every third of it while alive.
LEASE_TTL_S = 15.0


class _Renewer:
    """The process's one renewing thread and the leases it keeps alive (lock → next renewal)."""

    def __init__(self) -> None:
        self._held: dict[Lock, float] = {}
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None

    def hold(self, lock: Lock, ttl_s: float) -> None:
        with self._guard:
            self._held[lock] = time.monotonic() + ttl_s / 3
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="leases", daemon=True)
                self._thread.start()

    def drop(self, lock: Lock) -> None:
        with self._guard:
            self._held.pop(lock, None)

    def _run(self) -> None:
        while True:
            time.sleep(0.2)
            with self._guard:  # renewed under the guard: a lease dropped meanwhile is not
                now = time.monotonic()
                for lock in [lock for lock, at in self._held.items() if at <= now]:
                    self._renew(lock, now)

    def _renew(self, lock: Lock, now: float) -> None:
        try:
            lock.reacquire()
        except LockError:
            log.warning("lease %s lost (expired while held): another run may start", lock.name)
            del self._held[lock]
            return
        except RedisError as err:  # the next round may reach Redis again
            log.warning("lease %s not renewed (%s)", lock.name, err)
        self._held[lock] = now + float(lock.timeout or LEASE_TTL_S) / 3


_RENEWER = _Renewer()


class Lease:
    """``with Lease(conn, key) as held:`` — ``held`` says whether this process has the lock;
    it is renewed until the block ends, then released."""

    def __init__(self, conn: Redis, key: str, ttl_s: float = LEASE_TTL_S) -> None:
        self._lock = conn.lock(key, timeout=ttl_s, blocking=False, thread_local=False)
        self._ttl_s = ttl_s
        self._held = False

    def __enter__(self) -> bool:
        self._held = bool(self._lock.acquire())
        if self._held:
            _RENEWER.hold(self._lock, self._ttl_s)
        return self._held

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self._held:
            return
        _RENEWER.drop(self._lock)
        try:
            self._lock.release()
        except (LockError, RedisError) as err:  # lost or unreachable: it expires by itself
            log.warning("lease %s not released (%s); it expires by itself", self._lock.name, err)
