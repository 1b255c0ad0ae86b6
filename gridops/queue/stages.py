"""Stages: named pieces of work whose pending items live in the database (处理环节).

A stage is a function ``process_batch(limit: int) -> int`` named by import path
(``"package.module:function"``): it claims up to ``limit`` pending items, processes them,
commits, and returns how many it processed. Jobs carry only the stage's plain fields, so any
worker on any machine can run them; the worker imports the function and builds its heavy
context once per process (see :mod:`gridops.queue.context`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from gridops.errors import UserError

ProcessBatch = Callable[[int], int]

#: Where workers find the deployment's stages unless told otherwise (--stages / GRIDOPS_STAGES).
DEFAULT_STAGES = "gridops.services.stages:STAGES"

#: The queue of each workflow stage (one RQ queue per stage, so workers can specialise).
QUEUES = ("routing", "notify", "evaluation", "sweeper")


@dataclass(frozen=True)
class Stage:
    """One stage: its function, its queue and how it is triggered."""

    name: str
    func: str  # "module:function", process_batch(limit) -> int
    queue: str
    batch_limit: int = 200
    every_seconds: float | None = None  # periodic (定时): kicked on this interval
    rekick_seconds: float | None = 5.0  # safety net: kicked this often anyway (lost triggers)
    exclusive: bool = False  # at most one drain of this stage runs at a time, cluster-wide
    timeout_s: int = 300  # job timeout (an exclusive stage's lock is a lease: queue/lease.py)
    #: a drain takes further batches while they come back full, for up to this many seconds
    #: (one RQ job costs milliseconds of its own; 0: one batch per job)
    run_for_s: float = 0.0

    def __post_init__(self) -> None:
        if not self.name or ":" not in self.func:
            raise ValueError(
                f"stage {self.name!r}: func must be 'module:function', got {self.func!r}"
            )
        if self.batch_limit < 1:
            raise ValueError(
                f"stage {self.name!r}: batch_limit must be ≥ 1, got {self.batch_limit}"
            )
        if not 0 <= self.run_for_s < self.timeout_s:
            raise ValueError(
                f"stage {self.name!r}: run_for_s must be ≥ 0 and below timeout_s "
                f"({self.timeout_s}), got {self.run_for_s!r}"
            )
        for field in ("every_seconds", "rekick_seconds"):
            value = getattr(self, field)
            if value is not None and not value > 0:
                raise ValueError(f"stage {self.name!r}: {field} must be > 0, got {value!r}")

    @property
    def interval(self) -> float | None:
        """How often the ticker kicks this stage (periodic interval, else the safety net)."""
        return self.every_seconds or self.rekick_seconds

    def to_job(self) -> dict[str, Any]:
        """Plain fields for a job's kwargs."""
        return asdict(self)

    def resolve(self) -> ProcessBatch:
        """Import the stage function."""
        return resolve(self.func)


def periodic(
    name: str, func: str, every_seconds: float, *, queue: str = "sweeper", batch_limit: int = 1000
) -> Stage:
    """A periodic stage (e.g. the sweeper 巡检): one run every ``every_seconds``, one at a time."""
    return Stage(
        name=name,
        func=func,
        queue=queue,
        batch_limit=batch_limit,
        every_seconds=every_seconds,
        rekick_seconds=None,
        exclusive=True,
    )


class StageSet(Mapping[str, Stage]):
    """The stages a deployment runs, by name."""

    def __init__(self, stages: Iterable[Stage] = ()) -> None:
        self._stages: dict[str, Stage] = {}
        for stage in stages:
            self.add(stage)

    def add(self, stage: Stage) -> Stage:
        if stage.name in self._stages:
            raise ValueError(f"stage {stage.name!r} is registered twice")
        self._stages[stage.name] = stage
        return stage

    def register(self, name: str, func: str, queue: str, **options: Any) -> Stage:
        """Register a drained stage."""
        return self.add(Stage(name=name, func=func, queue=queue, **options))

    def register_periodic(
        self, name: str, func: str, every_seconds: float, **options: Any
    ) -> Stage:
        """Register a periodic stage (see :func:`periodic`)."""
        return self.add(periodic(name, func, every_seconds, **options))

    def on_queues(self, queues: Iterable[str]) -> list[Stage]:
        wanted = set(queues)
        return [s for s in self._stages.values() if s.queue in wanted]

    @property
    def queues(self) -> list[str]:
        """The stages' queues in registration order: the order a worker serves them in (RQ
        takes the first non-empty queue), so register the most urgent stage first."""
        return list(dict.fromkeys(s.queue for s in self._stages.values()))

    def __getitem__(self, name: str) -> Stage:
        return self._stages[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._stages)

    def __len__(self) -> int:
        return len(self._stages)


def resolve(path: str) -> Any:
    """Import ``"module:attribute"``; a bad path is a UserError naming it."""
    module_name, _, attr = path.partition(":")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, attr)
    except (ImportError, AttributeError) as exc:
        raise UserError(f"stages: cannot import {path!r} ({exc}); expected 'module:name'") from exc


def load_stages(path: str) -> StageSet:
    """The StageSet named by ``"module:attribute"`` (e.g. ``gridops.services.stages:STAGES``)."""
    stages = resolve(path)
    if not isinstance(stages, StageSet):
        raise UserError(f"stages: {path!r} is a {type(stages).__name__}, expected a StageSet")
    return stages
