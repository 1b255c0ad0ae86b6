"""``/metrics`` for Prometheus (prometheus-client, one CollectorRegistry per app).

- ``gridops_tickets{status}``: one grouped query at scrape time.
- ``gridops_queue_jobs{queue,state}``: RQ queue depths read from Redis at scrape time.
- ``gridops_intake_seconds{channel}``: intake latency, observed in the request path.
- ``gridops_stage_seconds{stage}``: time from report to dispatch/accept/handle/close/evaluate,
  read from the events table at scrape time for events of the last 24 h (one indexed join;
  the workers need no metrics endpoint of their own).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Header
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from gridops.web.auth import NotAuthenticated
from gridops.web.queries import LATENCY_WINDOW, stage_latencies, tickets_by_status
from gridops.web.security import bearer_token
from gridops.web.state import State

if TYPE_CHECKING:
    from gridops.web.state import WebState

log = logging.getLogger(__name__)
router = APIRouter(tags=["metrics"])
STAGE_BUCKETS = (60.0, 300.0, 900.0, 3600.0, 4 * 3600.0, 8 * 3600.0, 86400.0, 3 * 86400.0)
INTAKE_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


class WebMetrics:
    """The app's registry: observed histograms plus a collector that queries at scrape."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.intake_seconds = Histogram(
            "gridops_intake_seconds",
            "Intake request latency (parse, check, store, commit)",
            ["channel"],
            buckets=INTAKE_BUCKETS,
            registry=self.registry,
        )

    def bind(self, state: WebState) -> None:
        """Register the scrape-time collector over ``state`` (called once by create_app)."""
        self.registry.register(_ScrapeCollector(state))


class _ScrapeCollector(Collector):
    def __init__(self, state: WebState) -> None:
        self.state = state

    def collect(self) -> Iterator[GaugeMetricFamily | HistogramMetricFamily]:
        tickets = GaugeMetricFamily(
            "gridops_tickets", "Tickets by workflow status", labels=["status"]
        )
        for status, n in sorted(tickets_by_status(self.state.ctx.store).items()):
            tickets.add_metric([status], n)
        yield tickets
        yield from self._queues()
        yield self._stages()

    def _queues(self) -> Iterator[GaugeMetricFamily]:
        from gridops.queue.status import snapshot

        jobs = GaugeMetricFamily(
            "gridops_queue_jobs", "RQ jobs per queue", labels=["queue", "state"]
        )
        try:
            snap = snapshot(self.state.ctx.redis())
        except Exception as exc:  # noqa: BLE001 - Redis down: the other metrics still go out
            log.warning("metrics: queue depths unavailable: %s", exc)
            return
        for q in snap.queues:
            jobs.add_metric([q.name, "queued"], q.queued)
            jobs.add_metric([q.name, "running"], q.running)
            jobs.add_metric([q.name, "failed"], q.failed)
        yield jobs

    def _stages(self) -> HistogramMetricFamily:
        family = HistogramMetricFamily(
            "gridops_stage_seconds",
            "Seconds from report to reaching a stage (events of the last 24 h)",
            labels=["stage"],
        )
        since = self.state.now() - LATENCY_WINDOW
        samples: dict[str, list[float]] = {}
        for s in stage_latencies(self.state.ctx.store, since=since):
            samples.setdefault(s.stage, []).append(s.seconds)
        for stage, values in sorted(samples.items()):
            buckets = [(str(b), float(sum(v <= b for v in values))) for b in STAGE_BUCKETS]
            buckets.append(("+Inf", float(len(values))))
            family.add_metric([stage], buckets, sum_value=sum(values))
        return family


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
def metrics(state: State, authorization: Annotated[str | None, Header()] = None) -> Response:
    """Open to anyone unless GRIDOPS_METRICS_TOKEN is set: then only with that bearer token."""
    check_scraper(state.ctx.settings.metrics_token, authorization)
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)


def check_scraper(token: str | None, authorization: str | None) -> None:
    """NotAuthenticated (401) unless ``token`` is unset or sent as the bearer token."""
    if token is None:
        return
    sent = bearer_token(authorization) or ""
    if not hmac.compare_digest(sent.encode(), token.encode()):
        raise NotAuthenticated(
            "/metrics is closed by GRIDOPS_METRICS_TOKEN: send 'Authorization: Bearer <that "
            "token>' (Prometheus: authorization.credentials in the scrape config)"
        )
