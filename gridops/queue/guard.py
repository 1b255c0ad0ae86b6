"""What a gridops worker runs (作业白名单): drains of its own stages, and nothing else.

Whoever can write to the Redis can put a job on a queue. An RQ job names its function by
import path, and with RQ's default serializer its data is a pickle — loading it alone can run
code. So gridops's jobs are JSON (``gridops.queue.drain.SERIALIZER``), and a gridops worker
(:class:`StageWorker`) runs a job only if it is a drain (``gridops.queue.drain.run_drain``) of
one of the stages it serves, naming that stage's own function. Any other job fails without
running: the reason goes to RQ's failed registry and to the worker's log. Callbacks and
webhooks that a job may name are never run or sent (gridops's jobs have none).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from rq import Queue, SimpleWorker
from rq.exceptions import DeserializationError
from rq.executions import Execution
from rq.job import Job

from gridops.queue.drain import SERIALIZER, run_drain
from gridops.queue.stages import Stage

log = logging.getLogger(__name__)

DRAIN = f"{run_drain.__module__}.{run_drain.__qualname__}"
PUBSUB_POLL_S = 1.0


class ForeignJob(Exception):
    """A job that is not a drain of one of this worker's stages; it was not run."""


def refusal(job: Job, stages: Mapping[str, Stage]) -> str | None:
    """Why ``job`` must not run on a worker of ``stages``; None if it is one of their drains."""
    try:
        func_name, instance, args, kwargs = job.func_name, job.instance, job.args, job.kwargs
    except DeserializationError:
        return "its data is not a gridops job (JSON); it may be a pickle, which is never loaded"
    if func_name != DRAIN or instance is not None:
        return f"it calls {func_name!r}; a gridops worker runs only {DRAIN} of its stages"
    fields = kwargs.get("stage") if isinstance(kwargs, dict) and set(kwargs) == {"stage"} else None
    if args or not isinstance(fields, dict):
        return "its arguments are not one stage's fields"
    name, func = fields.get("name"), fields.get("func")
    stage = stages.get(name) if isinstance(name, str) else None
    if stage is None or stage.func != func:
        return (
            f"stage {name!r} with function {func!r} is not one this worker serves "
            f"({', '.join(f'{s.name}: {s.func}' for s in stages.values())})"
        )
    return None


class StageJob(Job):
    """An RQ job that runs only when its worker found nothing to refuse, and never runs the
    callbacks or sends the webhooks it names."""

    refused: str | None = None

    def _execute(self) -> Any:
        if self.refused is not None:
            raise ForeignJob(f"job {self.id} refused: {self.refused}")
        if self.func_name != DRAIN:  # a worker that did not check: still nothing foreign
            raise ForeignJob(f"job {self.id} refused: it calls {self.func_name!r}")
        return super()._execute()

    @property
    def success_callback(self) -> None:
        return None

    @property
    def failure_callback(self) -> None:
        return None

    @property
    def stopped_callback(self) -> None:
        return None

    def send_webhooks(self, status: Any, *, exc_string: str | None = None) -> None:
        return None


class StageWorker(SimpleWorker):
    """An RQ SimpleWorker that runs only the drains of ``stages`` (JSON jobs, StageJob)."""

    def __init__(self, queues: Iterable[str], *, stages: Iterable[Stage], **options: Any) -> None:
        self.stages = {s.name: s for s in stages}
        connection = options["connection"]
        super().__init__(
            [Queue(q, connection=connection, serializer=SERIALIZER) for q in queues],
            serializer=SERIALIZER,
            job_class=StageJob,
            **options,
        )

    def subscribe(self) -> None:
        """RQ's command channel, polled every second rather than RQ's 60 s: over TLS, a thread
        blocked in an SSL read cannot be woken by closing the socket, and every worker exit
        waited the rest of the minute for it."""
        self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(  # type: ignore[assignment]
            sleep_time=PUBSUB_POLL_S, daemon=True, exception_handler=self._pubsub_exception_handler
        )

    def perform_job(self, job: Job, queue: Queue, execution: Execution) -> bool:
        reason = refusal(job, self.stages)
        if reason is not None:
            log.error("worker %s refused job %s from queue %s: %s", self.name, job.id,
                      queue.name, reason)  # fmt: skip
            job.refused = reason  # type: ignore[attr-defined]
        return super().perform_job(job, queue, execution)
