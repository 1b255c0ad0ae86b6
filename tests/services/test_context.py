"""The worker process's context: built once, out of the collector's reach, young GC tuned;
kicks lost to a Redis outage logged once per outage."""

from __future__ import annotations

import gc
import json
import logging
import os
import subprocess
import sys

import pytest

from gridops.queue.embedded import EmbeddedRedis, free_port
from gridops.services.context import GC_YOUNG, loading
from gridops.settings import REPO_ROOT

from .conftest import make_context

PROBE = (
    "import gc, json; d = gc.get_threshold(); "
    "from gridops.services.context import current; ctx = current(); "
    "print(json.dumps([d, gc.get_threshold(), gc.get_freeze_count() > 0, gc.isenabled()])); "
    "ctx.close()"
)


def test_a_worker_processs_context_tunes_the_young_generation_and_freezes(tmp_path):
    env = dict(os.environ, GRIDOPS_DATA_DIR=str(tmp_path), PYTHONPATH=str(REPO_ROOT))
    env.pop("GRIDOPS_DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    default, tuned, frozen, collecting = json.loads(out.stdout.strip().splitlines()[-1])
    assert tuned == [GC_YOUNG, default[1], default[2]] and default[0] < GC_YOUNG
    assert frozen and collecting  # no collections while loading (context.loading), then again


def test_loading_pauses_collections_and_restores_them_whatever_happens():
    assert gc.isenabled()
    with loading():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), loading():
        raise RuntimeError("a config that does not load")
    assert gc.isenabled()
    gc.disable()
    try:
        with loading():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()


def test_kicks_lost_to_a_redis_outage_are_logged_once_and_the_recovery_once(
    tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    server = EmbeddedRedis(tmp_path / "own-redis")
    info, _ = server.start(port=free_port())
    ctx = make_context(tmp_path, info.url)
    caplog.set_level(logging.WARNING, "gridops")

    def lines(words: str) -> int:
        return sum(words in r.getMessage() for r in caplog.records)

    try:
        assert ctx.kick("routing")
        server.stop()
        assert [ctx.kick("routing") for _ in range(200)] == [False] * 200
        assert lines("Redis unreachable") == 1 and lines("kick") <= 1
        server.start()  # the same port: the context's connection finds it again
        ctx.kick("notify")
        ctx.kick("notify")
        assert lines("answers again") == 1 and "200 failed" in caplog.text
    finally:
        ctx.close()
        server.stop()
