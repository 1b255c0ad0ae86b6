"""/metrics: tickets by status, RQ queue depths, intake and stage latency histograms."""

from __future__ import annotations

from gridops.services.context import ServiceContext
from gridops.services.routing import route_batch

from .conftest import LUJIAZUI_L3, NOW, TestClient, wgs84_point_in


def test_metrics_after_intake_and_routing(
    client: TestClient, ctx: ServiceContext, api_key: str
) -> None:
    lat, lon = wgs84_point_in(ctx, LUJIAZUI_L3)
    form = {"api_key": api_key, "service_code": "E0102", "lat": str(lat), "long": str(lon)}
    for _ in range(3):
        assert client.post("/open311/v2/requests.json", data=form).status_code == 200
    route_batch(ctx, 10, now=NOW)
    text = client.get("/metrics").text
    assert 'gridops_tickets{status="dispatched"} 1.0' in text  # the others merged as duplicates
    assert 'gridops_intake_seconds_count{channel="open311"} 3.0' in text
    assert 'gridops_stage_seconds_count{stage="dispatch"} 1.0' in text
    assert 'gridops_stage_seconds_bucket{le="60.0",stage="dispatch"} 1.0' in text
    assert "gridops_queue_jobs{" in text
