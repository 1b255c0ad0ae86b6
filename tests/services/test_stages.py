"""The deployment's stage set resolves and covers the queues workers serve."""

from __future__ import annotations

from gridops.queue.stages import DEFAULT_STAGES, QUEUES, load_stages


def test_default_stages_resolve() -> None:
    stages = load_stages(DEFAULT_STAGES)
    assert set(stages) == {"routing", "notify", "evaluation", "sweeper", "rollups"}
    assert set(stages.queues) == set(QUEUES)
    for stage in stages.values():
        assert callable(stage.resolve())
    for periodic in ("sweeper", "rollups"):
        assert stages[periodic].exclusive and stages[periodic].every_seconds
