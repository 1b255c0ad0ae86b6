"""The per-process context of a worker (grid, configuration, store), built once and reused.

A stage function is called with only a batch limit; it fetches what it needs through a
function decorated with :func:`process_cached`, which builds it on first use in each process
(and again after a fork, so a parent's connections are never shared with a child)::

    @process_cached
    def context() -> RoutingContext:
        settings = load_settings()
        return RoutingContext(grid=load_grid(settings.grid_path), store=open_store(settings))

    def process_batch(limit: int) -> int:
        ctx = context()
        ...
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class _Cached:
    __slots__ = ("pid", "value")

    def __init__(self) -> None:
        self.pid: int | None = None
        self.value: object = None


def process_cached(factory: Callable[[], T]) -> Callable[[], T]:
    """Wrap a zero-argument factory so it runs once per process; ``.reset()`` forgets it."""
    cell = _Cached()
    lock = threading.Lock()

    @functools.wraps(factory)
    def get() -> T:
        pid = os.getpid()
        if cell.pid != pid:
            with lock:
                if cell.pid != pid:
                    cell.value = factory()
                    cell.pid = pid
        return cell.value  # type: ignore[return-value]

    def reset() -> None:
        with lock:
            cell.pid = None
            cell.value = None

    get.reset = reset  # type: ignore[attr-defined]
    return get
