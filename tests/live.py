"""A FastAPI app on real uvicorn over a real socket, for tests that need HTTP as a client sees it
(browsers, schemathesis, raw sockets, Open311 client libraries)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from gridops.queue.embedded import free_port


@contextmanager
def serving(app: Any, **config: Any) -> Iterator[str]:
    """``app`` on uvicorn in a thread on a free port; yields its base URL, stops it after."""
    port = free_port()
    options = {"log_level": "error", "access_log": False} | config
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:  # startup, not a timing assertion
            if not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def wait_for(
    what: str,
    check: Callable[[], bool],
    deadline_s: float = 60.0,
    *,
    poll_s: float = 0.1,
    errors_wait: bool = False,
) -> None:
    """Poll ``check`` until true; fail naming ``what`` when ``deadline_s`` passes. With
    ``errors_wait``, an exception from ``check`` counts as "not yet" (a server that a fault
    test took away on purpose)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            if check():
                return
        except Exception:
            if not errors_wait:
                raise
        time.sleep(poll_s)
    raise AssertionError(f"timed out after {deadline_s:.0f} s waiting for {what}")
