"""The log of ``gridops run`` on stdout: text lines, or one JSON object a line (日志).

Every line says which process wrote it. Text (for a terminal and journald)::

    2026-12-05T19:40:01Z run       web started (pid 4121)
    2026-12-05T19:40:03Z worker-1  WARNING:gridops.services.sweeper:…

JSON lines (for a log shipper: Loki, Elasticsearch, Vector): ``time`` (UTC, ISO 8601),
``process`` (``run``, ``web``, ``worker-N``), ``pid``, ``level`` (the supervisor's own events;
``output`` for a child's line) and ``message``.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from datetime import UTC, datetime
from typing import TextIO

FORMATS = ("text", "json")


class LogSink:
    """Writes the supervisor's events and its children's lines, whole lines only."""

    def __init__(self, fmt: str = "text", out: TextIO | None = None) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"log format {fmt!r}: use one of {', '.join(FORMATS)}")
        self.fmt = fmt
        self.out = out if out is not None else sys.stdout
        self._lock = threading.Lock()

    def event(self, message: str, *, level: str = "info") -> None:
        """A line of the supervisor's own."""
        self._write("run", os.getpid(), level, message)

    def line(self, process: str, pid: int, message: str) -> None:
        """A line a child wrote."""
        self._write(process, pid, "output", message)

    def _write(self, process: str, pid: int, level: str, message: str) -> None:
        now = datetime.now(UTC)
        if self.fmt == "json":
            text = json.dumps(
                {"time": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                 "process": process, "pid": pid, "level": level, "message": message},
                ensure_ascii=False,
            )  # fmt: skip
        else:
            mark = "" if level in ("info", "output") else f"{level.upper()}: "
            text = f"{now:%Y-%m-%dT%H:%M:%SZ} {process:<9} {mark}{message}"
        with self._lock:
            self.out.write(text + "\n")
            self.out.flush()
