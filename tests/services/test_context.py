"""The worker process's context: built once, out of the collector's reach, young GC tuned."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from gridops.services.context import GC_YOUNG
from gridops.settings import REPO_ROOT

PROBE = (
    "import gc, json; d = gc.get_threshold(); "
    "from gridops.services.context import current; ctx = current(); "
    "print(json.dumps([d, gc.get_threshold(), gc.get_freeze_count() > 0])); ctx.close()"
)


def test_a_worker_processs_context_tunes_the_young_generation_and_freezes(tmp_path):
    env = dict(os.environ, GRIDOPS_DATA_DIR=str(tmp_path), PYTHONPATH=str(REPO_ROOT))
    env.pop("GRIDOPS_DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    default, tuned, frozen = json.loads(out.stdout.strip().splitlines()[-1])
    assert tuned == [GC_YOUNG, default[1], default[2]] and default[0] < GC_YOUNG
    assert frozen
