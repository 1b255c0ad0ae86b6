"""The service context (服务上下文): grid, configuration, calendar, roster, store and Redis.

Built once per process (:func:`current`) from :func:`gridops.settings.load_settings`. The
loaded grid and operations configuration are read-only, so they are shared between contexts of
the same files in one process (tests build many contexts cheaply).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redis import Redis

from gridops.datadir import secure_data_dir
from gridops.grids import Grid
from gridops.org import OpsConfig
from gridops.org.channels import NotifyPolicy, load_policy
from gridops.org.roster import Roster, load_roster
from gridops.queue import kick, process_cached
from gridops.queue.outage import Outage
from gridops.settings import Settings, load_settings
from gridops.store import Store, open_store
from gridops.tickets import WorkCalendar, load_calendar

log = logging.getLogger(__name__)

_STATIC: dict[tuple[str, str], tuple[Grid, OpsConfig]] = {}
_STATIC_LOCK = threading.Lock()


@dataclass(frozen=True)
class ServiceContext:
    """Everything a service needs; ``redis()`` connects on first use."""

    settings: Settings
    grid: Grid
    ops: OpsConfig
    calendar: WorkCalendar
    roster: Roster
    store: Store
    notify: NotifyPolicy = field(default_factory=NotifyPolicy)  # notify.yaml (通知策略)
    _redis: dict[str, Redis] = field(default_factory=dict, repr=False, compare=False)
    kicks_lost: Outage = field(
        default_factory=lambda: Outage(
            log, "kicks", "the work is committed and the workers' safety re-kick will find it"
        ),
        repr=False,
        compare=False,
    )

    def redis(self) -> Redis:
        """The Redis of these settings (the embedded server is started if needed), with short
        timeouts and no retries: kicks, rate limits and metrics must never stall a caller."""
        conn = self._redis.get("conn")
        if conn is None:
            from gridops.queue import redis_connection

            conn = self._redis["conn"] = redis_connection(self.settings, fast_fail=True)
        return conn

    def kick(self, stage: str) -> bool:
        """Trigger a stage after a commit; never fails the caller (the ticker finds lost work).
        A Redis outage is logged once, not once per lost kick."""
        from gridops.services.stages import STAGES

        try:
            kicked = kick(self.redis(), STAGES[stage])
        except Exception as exc:  # noqa: BLE001 - Redis unreachable: the safety net re-kicks
            self.kicks_lost.failed(exc)
            return False
        self.kicks_lost.ok()
        return kicked

    def close(self) -> None:
        conn = self._redis.pop("conn", None)
        if conn is not None:
            conn.close()
        self.store.close()


def _static(grid_path: Path, config_dir: Path, data_dir: Path) -> tuple[Grid, OpsConfig]:
    from gridops.services.grid_cache import grid_key, load_grid_cached
    from gridops.services.proof_cache import load_proven_ops_config

    key = (str(Path(grid_path).resolve()), str(Path(config_dir).resolve()))
    with _STATIC_LOCK:
        if key not in _STATIC:
            gkey = grid_key(grid_path)
            grid = load_grid_cached(grid_path, data_dir, gkey)
            ops = load_proven_ops_config(
                config_dir, grid, grid_path=grid_path, data_dir=data_dir, grid_digest=gkey
            )
            _STATIC[key] = (grid, ops)
            release_free_memory()
        return _STATIC[key]


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's ``malloc_trim``): loading a
    city's grid and organisation frees much of what it allocated on the way (the outlines'
    WKB, the cells the templates were filled from), and without this a process keeps those
    pages for good (~10 MB per process at 120 k cells). Elsewhere than glibc: nothing."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def build_context(settings: Settings | None = None) -> ServiceContext:
    """Load grid + config (the totality proof runs; a failing config raises ConfigError),
    calendar and roster, open the store (migrated: the services' tables too)."""
    settings = settings or load_settings()
    secure_data_dir(settings.data_dir)
    grid, ops = _static(settings.grid_path, settings.config_dir, settings.data_dir)
    calendar = load_calendar(settings.config_dir / "calendar.yaml")
    roster = load_roster(
        settings.config_dir / "roster.yaml", ops.org.units, city_timezone=calendar.timezone
    )
    store = open_store(settings.database_url, timezone=settings.timezone)
    notify = load_policy(settings.config_dir / "notify.yaml")
    return ServiceContext(settings, grid, ops, calendar, roster, store, notify)


@process_cached
def current() -> ServiceContext:
    """This process's context (built on first use; again after a fork).

    The context (grid, routing table, roster) lives as long as the worker: it is moved out of
    the garbage collector's reach (``gc.freeze``) so that full collections do not walk its
    ~150k objects — each took ~70 ms and showed as 200 ms routing batches. See also
    :func:`tune_gc`.
    """
    with loading():
        ctx = build_context()
    settle_gc()
    return ctx


@contextmanager
def loading() -> Iterator[None]:
    """No garbage collections while a process makes what it keeps for life (the context, the
    app): they walk hundreds of thousands of new objects and free none (a city-scale server's
    first answer: 1.9–2.1 s with them, 1.7–1.8 s without). Collections resume after."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def settle_gc() -> None:
    """Move everything alive now (the context: grid, organisation, routing table) out of the
    collector's reach (``gc.freeze``) and :func:`tune_gc`. Every long-lived process does this
    once its context is built — the workers (:func:`current`) and the web server
    (``gridops serve``): without it the web server's full collections walked the whole context
    about every half second under a steady intake and stalled it ~70 ms each time (report →
    routed p99 at 50/s: 120 ms with, 52 ms without, measured on PostgreSQL). No collection
    first: at that point it finds nothing to free (0 objects at 120 k cells) and costs 0.13 s
    of the start."""
    gc.freeze()
    tune_gc()


GC_YOUNG = 20_000  # allocations between young collections (CPython's default: 700)


def tune_gc() -> None:
    """Collect the young generation every ``GC_YOUNG`` allocations instead of every 700: a
    routing batch allocates a few hundred thousand short-lived objects (tickets, events, JSON),
    almost none in cycles, and the default ran the collector hundreds of times per batch —
    3–8 % of a worker's CPU per routed ticket (measured in-process, alternating runs). The
    older generations keep their default ratios."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG, middle, old)


def plain(value: Any) -> Any:
    """Tuples → lists, recursively (for JSON payloads)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
