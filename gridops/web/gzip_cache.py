"""Answers made once and kept with their gzip, the newest first, up to a number of bytes: a
map's cells and tiles, which every desk asks for again and which cost far more to make and
compress than to hold."""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable


class GzipCache:
    """``get(key, make)``: the body ``make()`` gives and its gzip, made once per key and kept
    while among the newest ``max_bytes`` (bodies and gzips counted); thread-safe, and ``make``
    runs outside the lock (two threads may make one key at once: the first kept wins)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._held: OrderedDict[Hashable, tuple[bytes, bytes]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._held)

    @property
    def size(self) -> int:
        """Bytes held (bodies and their gzips)."""
        return self._size

    def get(self, key: Hashable, make: Callable[[], bytes]) -> tuple[bytes, bytes]:
        with self._lock:
            held = self._held.get(key)
            if held is not None:
                self._held.move_to_end(key)
                return held
        body = make()
        made = (body, gzip.compress(body, 6, mtime=0))
        with self._lock:
            held = self._held.setdefault(key, made)
            if held is made:
                self._size += len(body) + len(made[1])
            while self._size > self.max_bytes and len(self._held) > 1:
                a, b = self._held.popitem(last=False)[1]
                self._size -= len(a) + len(b)
        return held
