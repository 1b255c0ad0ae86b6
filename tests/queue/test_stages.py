"""Stage definitions and the StageSet registry."""

from __future__ import annotations

import pytest

from gridops.errors import UserError
from gridops.queue import Stage, StageSet, load_stages, periodic


def test_stage_checks_its_fields() -> None:
    with pytest.raises(ValueError, match="module:function"):
        Stage(name="x", func="nocolon", queue="q")
    with pytest.raises(ValueError, match="batch_limit"):
        Stage(name="x", func="m:f", queue="q", batch_limit=0)
    with pytest.raises(ValueError, match="rekick_seconds"):
        Stage(name="x", func="m:f", queue="q", rekick_seconds=0)


def test_stage_round_trips_through_job_kwargs() -> None:
    s = Stage(name="routing", func="m:f", queue="routing", batch_limit=50)
    assert Stage(**s.to_job()) == s


def test_periodic_is_exclusive_and_interval_driven() -> None:
    s = periodic("sweeper", "m:f", 2.0)
    assert s.exclusive and s.interval == 2.0 and s.queue == "sweeper"


def test_stage_set_registers_once_and_lists_queues() -> None:
    stages = StageSet()
    stages.register("routing", "m:f", "routing")
    stages.register_periodic("sweeper", "m:g", 5)
    stages.register("evaluation", "m:h", "evaluation")
    assert stages.queues == ["routing", "sweeper", "evaluation"]  # registration order
    assert [s.name for s in stages.on_queues(["sweeper"])] == ["sweeper"]
    with pytest.raises(ValueError, match="twice"):
        stages.register("routing", "m:f", "routing")


def test_load_stages_names_a_bad_path() -> None:
    assert len(load_stages("toy_stage:STAGES")) == 2
    with pytest.raises(UserError, match="nowhere.module"):
        load_stages("nowhere.module:STAGES")
    with pytest.raises(UserError, match="expected a StageSet"):
        load_stages("toy_stage:TOY")
