"""The worker process's context: the garbage collector's tuning."""

from __future__ import annotations

import gc

from gridops.services.context import GC_YOUNG, tune_gc


def test_tune_gc_raises_only_the_young_generations_threshold():
    before = gc.get_threshold()
    try:
        tune_gc()
        assert gc.get_threshold() == (GC_YOUNG, before[1], before[2])
        assert before[0] < GC_YOUNG
    finally:
        gc.set_threshold(*before)
