"""The deployment's stages (处理环节) — what ``gridops worker`` runs by default.

- ``routing``: reported / verified / returned tickets → duplicates, verification, route,
  assignee on shift, deadline, dispatch (batches of up to 200; one drain takes batches for up
  to 1 s while they come back full, so a burst does not pay an RQ job per batch).
- ``notify``: turns new events into deliveries and sends them; failures retried per recipient.
  Routing does not kick it per batch; its 1 s re-kick collects dispatches in bulk.
- ``evaluation``: samples closed tickets for a call-back (回访抽查).
- ``sweeper`` (periodic, one at a time cluster-wide): overdue flags, due escalation steps,
  missing joint tasks, re-kicks of stages with pending work.
- ``rollups`` (periodic, every 60 s, one at a time): the daily indicator rollups that reports and
  the supervisor dashboard read.
"""

from __future__ import annotations

from gridops.queue import StageSet

#: Registration order is the order workers serve the queues in (RQ takes the first non-empty
#: queue): routing first, so a new ticket never waits behind notifications or call-backs.
STAGES = StageSet()
ROUTING = STAGES.register(
    "routing", "gridops.services.routing:process_batch", "routing", batch_limit=200,
    rekick_seconds=2.0, run_for_s=1.0,
)  # fmt: skip
SWEEPER = STAGES.register_periodic("sweeper", "gridops.services.sweeper:process_batch", 2.0)
NOTIFY = STAGES.register(
    "notify", "gridops.services.notifying:process_batch", "notify", batch_limit=500,
    rekick_seconds=1.0, exclusive=True, timeout_s=60,
)  # fmt: skip
EVALUATION = STAGES.register(
    "evaluation", "gridops.services.evaluation:process_batch", "evaluation", batch_limit=500,
    rekick_seconds=10.0,
)  # fmt: skip
ROLLUPS = STAGES.register_periodic("rollups", "gridops.services.rollups:process_batch", 60.0)

QUEUE_ORDER = ",".join(STAGES.queues)
