"""A pool of worker processes for `gridops demo` and the tests (``python -m workers`` each).

Workers get the Redis URL explicitly (``GRIDOPS_REDIS_URL``), so they join the server the caller
names; with ``redis_url=None`` they use the embedded server of the data dir in their environment
(``GRIDOPS_DATA_DIR``), which they start again should it die. They import gridops and workers
from the interpreter's installation (``sys.executable -m workers``), so ``cwd`` is only where
they run (default: the caller's directory), never where the code is.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO

from gridops.datadir import open_private, private_dir
from gridops.processes import stop_all
from gridops.queue.stages import DEFAULT_STAGES


class WorkerPool:
    """Start, count and stop ``python -m workers`` subprocesses."""

    def __init__(
        self,
        redis_url: str | None,
        *,
        count: int = 2,
        stages: str = DEFAULT_STAGES,
        queues: str = "",
        env: Mapping[str, str] | None = None,
        log_dir: Path | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.redis_url = redis_url
        self.count = count
        self.stages = stages
        self.queues = queues
        self.env = dict(os.environ if env is None else env)
        self.log_dir = log_dir
        self.cwd = cwd
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> WorkerPool:
        for _ in range(self.count):
            self.add()
        return self

    def add(self, queues: str | None = None) -> subprocess.Popen[bytes]:
        """Start one more worker (on ``queues``, default the pool's)."""
        env = dict(self.env)
        if self.redis_url:
            env["GRIDOPS_REDIS_URL"] = self.redis_url
        else:
            env.pop("GRIDOPS_REDIS_URL", None)
        cmd = [sys.executable, "-m", "workers", "--stages", self.stages]
        wanted = self.queues if queues is None else queues
        if wanted:
            cmd += ["--queues", wanted]
        log: IO[bytes] | None = None
        if self.log_dir is not None:
            private_dir(self.log_dir)
            log = open_private(self.log_dir / f"worker{len(self.procs)}.log")
        try:
            proc = subprocess.Popen(
                cmd,
                env=env,
                cwd=self.cwd,
                stdout=subprocess.DEVNULL if log is None else log,
                stderr=subprocess.STDOUT,
            )
        finally:
            if log is not None:
                log.close()
        self.procs.append(proc)
        return proc

    def alive(self) -> int:
        return sum(1 for p in self.procs if p.poll() is None)

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM every worker (warm shutdown: a running batch finishes), then reap them."""
        stop_all(self.procs, grace=timeout)

    def __enter__(self) -> WorkerPool:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
