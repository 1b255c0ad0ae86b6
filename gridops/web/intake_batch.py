"""Public intake in batches (批量受理): concurrent Open311 POSTs share one ``submit`` call.

Each request parks its report and awaits a future; one drain task at a time takes everything
waiting (up to ``max_batch``) and runs :func:`gridops.services.intake.submit` for it — one
rate-limit round trip to Redis, one transaction, one locate call, one routing kick for the lot.
A request that arrives alone is submitted alone at once; under load (the last batch held more
than one report) the drain lingers ``linger_s`` (2 ms) so the batch fills — the same idea as
the stage drains. When a batch is refused (one report outside the grid, say) its reports are
retried one by one, so each request gets its own answer. The batch runs in a worker thread,
never on the event loop: a writer that is slow to come free (another process holding the write
lock) must not stop every other page. A request's wait for the writer is bounded from when it
is parked here (:func:`gridops.store.engine.write_deadline`, from the app's bound); the batch
waits until the earliest of its requests' deadlines, then each of them gets
:class:`~gridops.store.errors.WriterBusy` and nothing is written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool

from gridops.errors import UserError
from gridops.store.engine import write_deadline, writes_until
from gridops.tickets.model import Ticket
from gridops.tickets.vocabulary import Role
from gridops.web.limits import RateLimited, RateLimiter

if TYPE_CHECKING:
    from gridops.services.context import ServiceContext
    from gridops.services.intake import IntakeReport


@dataclass
class _Waiting:
    actor: str
    report: IntakeReport
    future: asyncio.Future[Ticket]
    limit: tuple[str, str] | None  # (API key name, client address) for the rate limit
    deadline: float | None  # when the request stops waiting for the writer (monotonic)


class IntakeBatcher:
    """Groups concurrent public reports into shared ``submit`` calls."""

    def __init__(
        self,
        context: Callable[[], ServiceContext],
        clock: Callable[[], datetime],
        limiter: RateLimiter | None = None,
        *,
        max_batch: int = 100,
        linger_s: float = 0.002,
    ) -> None:
        self._context = context
        self._clock = clock
        self._limiter = limiter
        self.max_batch = max_batch
        self.linger_s = linger_s
        self._last_size = 0
        self._waiting: list[_Waiting] = []
        self._draining = False
        self.batches = 0  # submit calls made (for tests and curiosity)

    async def submit(
        self, report: IntakeReport, *, actor: str, limit: tuple[str, str] | None = None
    ) -> Ticket:
        """The ticket made for ``report`` (raises what intake raised for it, or RateLimited
        when ``limit`` — (API key name, client address) — is over its allowance)."""
        future: asyncio.Future[Ticket] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(actor, report, future, limit, write_deadline()))
        if not self._draining:
            self._draining = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                # let requests that arrived meanwhile reach the queue (longer under load)
                await asyncio.sleep(self.linger_s if self._last_size > 1 else 0)
                batch = self._waiting[: self.max_batch]
                del self._waiting[: self.max_batch]
                self._last_size = len(batch)
                try:
                    results = await run_in_threadpool(self._bounded, batch)
                except BaseException as exc:  # noqa: BLE001 - every waiter learns of it
                    results = [exc] * len(batch)
                for waiting, result in zip(batch, results, strict=True):
                    if waiting.future.done():
                        continue
                    if isinstance(result, BaseException):
                        waiting.future.set_exception(result)
                    else:
                        waiting.future.set_result(result)
        finally:
            self._draining = False

    def _bounded(self, batch: list[_Waiting]) -> list[Ticket | BaseException]:
        """:meth:`_run` with writes bounded by the earliest deadline in the batch."""
        deadlines = [w.deadline for w in batch if w.deadline is not None]
        with writes_until(min(deadlines) if deadlines else None):
            return self._run(batch)

    def _run(self, batch: list[_Waiting]) -> list[Ticket | BaseException]:
        """Submit the batch per actor; on a refusal, each report alone."""
        from gridops.services.intake import submit

        ctx, now = self._context(), self._clock()
        out: dict[int, Ticket | BaseException] = {}
        limited = [i for i, w in enumerate(batch) if w.limit is not None]
        if self._limiter is not None and limited:
            verdicts = self._limiter.check_many(
                [batch[i].limit for i in limited],  # type: ignore[misc]
                now=now.timestamp(),
            )
            for i, verdict in zip(limited, verdicts, strict=True):
                if not verdict.allowed:
                    out[i] = RateLimited(verdict)
        by_actor: dict[str, list[int]] = {}
        for i, waiting in enumerate(batch):
            if i not in out:
                by_actor.setdefault(waiting.actor, []).append(i)
        for actor, idx in by_actor.items():
            self.batches += 1
            try:
                made = submit(ctx, [batch[i].report for i in idx], actor=actor,
                              role=Role.PUBLIC, now=now)  # fmt: skip
                out.update(zip(idx, made, strict=True))
                continue
            except UserError as exc:
                if len(idx) == 1:
                    out[idx[0]] = exc
                    continue
            for i in idx:
                self.batches += 1
                try:
                    [out[i]] = submit(ctx, [batch[i].report], actor=actor, role=Role.PUBLIC,
                                      now=now)  # fmt: skip
                except UserError as exc:
                    out[i] = exc
        return [out[i] for i in range(len(batch))]
