"""gridops.services: load, decide, save, enqueue — the only layer that mixes I/O and rules.

Modules: context (ServiceContext, build_context), intake (submit), actions (act), queues
(queue, my_tasks, timeline), joint (联合执法 tasks) and the stages that workers run: routing,
notifying, evaluation, sweeper (see stages.STAGES).
"""
